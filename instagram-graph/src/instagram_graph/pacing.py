"""Rate-limit pacing from `X-App-Usage` and `X-Business-Use-Case-Usage` (graph-api.md §7.3–7.4).

The budget is per app × IG account, so state is kept per account key (the IG account id, or
`"app"` for calls tied to no account). A missing header means *unknown*, never zero.

- usage at or above `throttle_threshold` percent: at most `throttle_rate_per_second` calls per
  second for that account;
- a throttle error: no calls for that account until `estimated_time_to_regain_access` has passed
  (or a backoff interval when Graph gave no estimate), capped by `throttle_wait_in_millis`.

Each wait is logged once, with the figure that caused it. Time and sleep are injectable, so tests
can drive waits from the sandbox clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from instagram_graph import errors
from instagram_graph.redaction import get_logger

log = get_logger(__name__)
APP = "app"


@dataclass(frozen=True)
class Usage:
    """One usage reading: the highest percentage, and Graph's regain estimate in seconds."""

    percent: float
    regain_seconds: float = 0.0


def parse_app_usage(value: str | None) -> Usage | None:
    """`X-App-Usage: {"call_count":28,"total_cputime":25,"total_time":25}` → Usage(28)."""
    data = _json(value)
    if not isinstance(data, dict):
        return None
    figures = [float(v) for v in data.values() if isinstance(v, int | float)]
    return Usage(max(figures)) if figures else None


def parse_buc_usage(value: str | None) -> dict[str, Usage]:
    """`X-Business-Use-Case-Usage` → {account id: Usage} (highest figure over its entries)."""
    data = _json(value)
    if not isinstance(data, dict):
        return {}
    out: dict[str, Usage] = {}
    for key, entries in data.items():
        if not isinstance(entries, list):
            continue
        percent, regain = 0.0, 0.0
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for name in ("call_count", "total_cputime", "total_time"):
                if isinstance(entry.get(name), int | float):
                    percent = max(percent, float(entry[name]))
            minutes = entry.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float):
                regain = max(regain, float(minutes) * 60)
        out[str(key)] = Usage(percent, regain)
    return out


def _json(value: str | None) -> object:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


@dataclass
class _Account:
    usage: Usage | None = None
    blocked_until: float = 0.0
    last_call: float | None = None
    slowed: bool = False


class Pacer:
    """Decides, per account, how long to wait before the next call."""

    def __init__(
        self,
        *,
        threshold: float = 90,
        rate_per_second: float = 5,
        max_wait_seconds: float = 3600,
        budget_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Thresholds as in the settings; `clock`/`sleep` default to real time."""
        self.threshold = threshold
        self.interval = 1.0 / rate_per_second
        self.max_wait = max_wait_seconds
        self.budget = budget_seconds  # a throttle wait longer than this ends the run instead
        self.clock = clock
        self.sleep = sleep
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()
        self.waits: list[
            tuple[str, float, str]
        ] = []  # (account, seconds, reason): for tests and bench

    def _state(self, key: str | None) -> _Account:
        return self._accounts.setdefault(key or APP, _Account())

    def blocked_until(self, account: str | None) -> float:
        """When Graph's block on `account` ends (pacer clock), 0 when not blocked."""
        with self._lock:
            return self._state(account).blocked_until

    def delay(self, account: str | None) -> tuple[float, str]:
        """Seconds to wait before calling for `account`, and why (pure: changes nothing)."""
        now = self.clock()
        with self._lock:
            wait, reason = 0.0, ""
            for key in dict.fromkeys([account or APP, APP]):
                state = self._state(key)
                if state.blocked_until > now and state.blocked_until - now > wait:
                    wait, reason = state.blocked_until - now, f"{key} is throttled by Graph"
                if (
                    state.usage
                    and state.usage.percent >= self.threshold
                    and state.last_call is not None
                ):
                    gap = state.last_call + self.interval - now
                    if gap > wait:
                        wait = gap
                        reason = (
                            f"{key} usage {state.usage.percent:.0f}% ≥ throttle_threshold "
                            f"{self.threshold:.0f}%: {1 / self.interval:g} calls/s"
                        )
            return min(wait, self.max_wait), reason

    def before_call(self, account: str | None) -> float:
        """Wait as long as `delay` says; returns the seconds waited.

        A wait for Graph's block longer than the budget raises `ThrottledTooLongError` instead.
        """
        wait, reason = self.delay(account)
        if self.budget is not None and "throttled" in reason:
            blocked = regain(self, account) or 0.0
            if blocked > self.budget:
                raise errors.ThrottledTooLongError(
                    f"Graph throttles {account or 'the app'} for {blocked / 60:.0f} more minute(s), "
                    f"longer than max_throttle_wait_seconds ({self.budget:.0f})",
                    advice="the run stops here; what is done is saved in STATE and the next run "
                    f"resumes (run it in {blocked / 60:.0f} minutes or later)",
                )
        if wait > 0:
            self._log_wait(account or APP, wait, reason)
            self.sleep(wait)
        with self._lock:
            self._state(account).last_call = self.clock()
            self._state(APP).last_call = self.clock()
        return wait

    def after_response(self, account: str | None, headers: Mapping[str, str]) -> None:
        """Read both usage headers; BUC figures update the accounts they are keyed by."""
        app = parse_app_usage(headers.get("X-App-Usage"))
        buc = parse_buc_usage(headers.get("X-Business-Use-Case-Usage"))
        now = self.clock()
        with self._lock:
            if app is not None:
                self._state(APP).usage = app
            for key, usage in buc.items():
                state = self._state(key)
                state.usage = usage
                if usage.regain_seconds > 0:
                    state.blocked_until = max(state.blocked_until, now + usage.regain_seconds)
            for key in {account or APP, *buc}:
                state = self._state(key)
                slowed = bool(state.usage and state.usage.percent >= self.threshold)
                if slowed and not state.slowed and state.usage is not None:
                    log.warning(
                        "usage for %s at %.0f%% (throttle_threshold %.0f%%): slowing to %g calls/s",
                        key, state.usage.percent, self.threshold, 1 / self.interval,
                    )  # fmt: skip
                state.slowed = slowed

    def on_throttle(
        self, account: str | None, regain_seconds: float | None, fallback: float
    ) -> float:
        """A throttle error: block the account for Graph's estimate (or `fallback`), capped."""
        now = self.clock()
        with self._lock:
            state = self._state(account)
            known = max(regain_seconds or 0.0, max(state.blocked_until - now, 0.0))
            block = known if known > 0 else fallback
            state.blocked_until = now + block  # Graph's whole estimate; each wait is capped
        return min(block, self.max_wait)

    def _log_wait(self, account: str, seconds: float, reason: str) -> None:
        self.waits.append((account, seconds, reason))
        if seconds >= 1 or "throttled" in reason:
            log.warning("pausing %.1f s before the next call for %s: %s", seconds, account, reason)


def regain(pacer: Pacer, account: str | None) -> float | None:
    """Seconds until the account (or the app) may call again, or None when it may now."""
    until = max(pacer.blocked_until(account), pacer.blocked_until(None))
    remaining = until - pacer.clock()
    return remaining if remaining > 0 else None
