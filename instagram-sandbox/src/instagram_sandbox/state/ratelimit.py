"""Rate-limit budgets: Business Use Case per (app, IG account), Platform per app (§7.3, §7.4)."""

from __future__ import annotations

import json
import math
from collections import Counter, deque
from dataclasses import dataclass, field

from instagram_sandbox import errors

DAY = 86400
HOUR = 3600
CALLS_PER_IMPRESSION = 4800


@dataclass
class RateLimitConfig:
    """Knobs the control API can set so tests can exhaust budgets quickly."""

    buc_calls_per_impression: int = CALLS_PER_IMPRESSION
    buc_block_seconds: int = 300
    buc_penalty_seconds: int = 60
    platform_calls_per_hour: int = 10000
    platform_error_code: int = 4
    throttle_http_status: int = 400
    header_after_calls: int = 3


@dataclass
class _Budget:
    calls: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0
    work: int = 0
    blocked_until: float = 0.0
    seen: int = 0

    def prune(self, now: float, window: int) -> None:
        while self.calls and self.calls[0][0] <= now - window:
            _, work = self.calls.popleft()
            self.total -= 1
            self.work -= work

    def add(self, now: float, work: int) -> None:
        self.calls.append((now, work))
        self.total += 1
        self.work += work
        self.seen += 1

    def clear(self) -> None:
        self.calls.clear()
        self.total = 0
        self.work = 0


class RateLimiter:
    """Counts Graph calls against budgets and answers throttles with usage headers."""

    def __init__(self, config: RateLimitConfig) -> None:
        """Start with empty budgets."""
        self.config = config
        self._buc: dict[tuple[str, str], _Budget] = {}
        self._platform: dict[str, _Budget] = {}
        self.charged: Counter[str] = (
            Counter()
        )  # Graph calls charged, by "buc:<account>" / "platform:<app>"

    def charge_buc(
        self,
        app_id: str,
        account_id: str,
        impressions: int,
        now: float,
        *,
        calls: int = 1,
        work: int = 1,
    ) -> dict[str, str]:
        """Charge `calls` to the account's budget; return usage headers or raise 80002."""
        budget = self._buc.setdefault((app_id, account_id), _Budget())
        self.charged[f"buc:{account_id}"] += calls
        allowance = max(1, self.config.buc_calls_per_impression * impressions)
        if budget.blocked_until and now >= budget.blocked_until:
            budget.blocked_until = 0.0
            budget.clear()  # access regained: a fresh allowance
        budget.prune(now, DAY)
        if budget.blocked_until > now:
            # Meta: calls while throttled make the block last longer (§7.3).
            budget.blocked_until += self.config.buc_penalty_seconds
            raise self._buc_error(account_id, budget, allowance, now)
        for _ in range(calls):
            budget.add(now, max(1, work // max(1, calls)))
        if budget.total >= allowance:
            budget.blocked_until = now + self.config.buc_block_seconds
            raise self._buc_error(account_id, budget, allowance, now)
        if budget.seen <= self.config.header_after_calls:
            return {}  # the header appears only once enough calls were made (§7.4)
        return {"X-Business-Use-Case-Usage": self._buc_header(account_id, budget, allowance, now)}

    def charge_platform(self, app_id: str, now: float, *, calls: int = 1) -> dict[str, str]:
        """Charge an app-level (Platform) call; return `X-App-Usage` or raise 4/17/32/613."""
        budget = self._platform.setdefault(app_id, _Budget())
        self.charged[f"platform:{app_id}"] += calls
        allowance = max(1, self.config.platform_calls_per_hour)
        budget.prune(now, HOUR)
        if budget.blocked_until > now:
            budget.blocked_until += self.config.buc_penalty_seconds
            raise self._platform_error(budget, allowance)
        if budget.blocked_until:
            budget.blocked_until = 0.0
            budget.clear()
        for _ in range(calls):
            budget.add(now, 1)
        if budget.total >= allowance:
            budget.blocked_until = now + HOUR
            raise self._platform_error(budget, allowance)
        if budget.seen <= self.config.header_after_calls:
            return {}
        return {"X-App-Usage": _app_usage(budget, allowance)}

    def _buc_header(self, account_id: str, budget: _Budget, allowance: int, now: float) -> str:
        regain = max(0, math.ceil((budget.blocked_until - now) / 60)) if budget.blocked_until else 0
        usage = {
            "type": "instagram",
            "call_count": min(100, budget.total * 100 // allowance),
            "total_cputime": min(100, budget.work * 100 // (allowance * 4)),
            "total_time": min(100, budget.work * 100 // (allowance * 3)),
            "estimated_time_to_regain_access": regain,
        }
        return json.dumps({account_id: [usage]}, separators=(",", ":"))

    def _buc_error(
        self, account_id: str, budget: _Budget, allowance: int, now: float
    ) -> errors.SandboxError:
        err = errors.InstagramAccountThrottled()
        err.status_override = self.config.throttle_http_status
        err.headers["X-Business-Use-Case-Usage"] = self._buc_header(
            account_id, budget, allowance, now
        )
        return err

    def _platform_error(self, budget: _Budget, allowance: int) -> errors.SandboxError:
        err = errors.THROTTLE_ERRORS.get(
            self.config.platform_error_code, errors.ApplicationRequestLimit
        )()
        err.status_override = self.config.throttle_http_status
        err.headers["X-App-Usage"] = _app_usage(budget, allowance, floor=100)
        return err

    def status(self) -> dict[str, object]:
        """Budgets for the control API."""
        return {
            "buc": {
                f"{app}:{acct}": {
                    "calls_in_window": b.total,
                    "blocked_until": b.blocked_until or None,
                }
                for (app, acct), b in self._buc.items()
            },
            "platform": {
                app: {"calls_in_window": b.total, "blocked_until": b.blocked_until or None}
                for app, b in self._platform.items()
            },
        }


def _app_usage(budget: _Budget, allowance: int, floor: int = 0) -> str:
    pct = max(floor, min(100, budget.total * 100 // allowance))
    return json.dumps(
        {"call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2},
        separators=(",", ":"),
    )
