"""Injectable faults: rules set through the control API, fired by count or seed, never by chance."""

from __future__ import annotations

import fnmatch
import json
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from instagram_sandbox import errors

if TYPE_CHECKING:
    from instagram_sandbox.state.tokens import TokenRegistry

# Where the ASGI scope carries the connection, so a fault can close it.
TRANSPORT_EXTENSION = "instagram_sandbox.transport"
# Kinds that answer with a Graph error body.
ERROR_KINDS = {
    "server_error",
    "throttle",
    "reduce_data",
    "expired_token",
    "http_429",
    "deleted_object",
    "unreadable_object",  # code 100 without subcode, the real text (one child, story or media)
    "reject_metric",  # params.metric: a call asking for that metric is refused whole (code 100)
}
# Kinds that break the HTTP exchange itself (in a batch they become `null` entries).
TRANSPORT_KINDS = {
    "hang",
    "drip",
    "drop",
    "truncated",
    "non_json",
    "batch_null",
    "batch_unreadable",
    "upload_cut",  # rupload only: the connection is cut after params.after_bytes of the body
}
# Kinds that change the answer's content: `wrong_type` sets `params.field` of the answer and of
# each of its items to `params.value` (a string, say, where an edge object belongs).
SHAPE_KINDS = {"wrong_type"}
# Kinds of the CDN (`/scontent.cdninstagram.com/…`): `link_expired` answers 403 "URL signature
# expired" as a link past its `oe` does; `server_error` and `http_429` answer 500 and 429 there.
CDN_KINDS = {"link_expired"}
KINDS = ERROR_KINDS | TRANSPORT_KINDS | SHAPE_KINDS | CDN_KINDS


def answers_with_error(
    rule: FaultRule | None, tokens: TokenRegistry, token_value: str | None
) -> bool:
    """Whether `rule` answers with its own error (error kinds only).

    `expired_token` instead expires the caller's token for good; the route then answers 190/463
    as Graph does.
    """
    if rule is None or rule.kind not in ERROR_KINDS:
        return False
    return not (rule.kind == "expired_token" and tokens.expire_now(token_value))


def retype(body: Any, params: dict[str, Any]) -> Any:
    """The `wrong_type` fault: the named field, wherever the answer or its items carry it."""
    field, value = str(params.get("field", "id")), params.get("value", "oops")
    if isinstance(body, dict):
        if field in body:
            body[field] = value
        for item in body.get("data", []) if isinstance(body.get("data"), list) else []:
            if isinstance(item, dict) and field in item:
                item[field] = value
    return body


@dataclass
class FaultRule:
    """Fire `kind` on requests matching `method` and `path` (a glob on the path or its template)."""

    id: int
    kind: str
    method: str = "*"
    path: str = "*"
    nth: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int = 0
    count: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    matched: int = 0
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        """Check the rule and seed its generator."""
        if self.kind not in KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; valid kinds: {', '.join(sorted(KINDS))}"
            )
        if (
            self.nth is None
            and self.every is None
            and self.probability is None
            and self.count is None
        ):
            self.count = 1
        self._rng = random.Random(self.seed)

    def matches(
        self, method: str, path: str, template: str, query: Mapping[str, str] | None = None
    ) -> bool:
        """Tell whether this request falls under the rule."""
        if self.method not in ("*", method):
            return False
        if self.kind == "reject_metric":
            asked = (query or {}).get("metric", "").split(",")
            if str(self.params.get("metric")) not in asked:
                return False
        return fnmatch.fnmatchcase(path, self.path) or fnmatch.fnmatchcase(template, self.path)

    def should_fire(self) -> bool:
        """Count a match and decide; deterministic for a given seed and request order."""
        self.matched += 1
        if self.nth is not None:
            fire = self.matched == self.nth
        elif self.every is not None:
            fire = self.matched % self.every == 0
        elif self.probability is not None:
            fire = self._rng.random() < self.probability
        else:
            fire = self.fired < (self.count or 0)
        if fire:
            self.fired += 1
        return fire

    def describe(self) -> dict[str, Any]:
        """The rule as the control API lists it."""
        return {
            "id": self.id, "kind": self.kind, "method": self.method, "path": self.path, "nth": self.nth,
            "every": self.every, "probability": self.probability, "seed": self.seed, "count": self.count,
            "params": self.params, "matched": self.matched, "fired": self.fired,
        }  # fmt: skip

    def error(self, account_id: str | None) -> errors.SandboxError:
        """The Graph error this rule answers with (error kinds only)."""
        p = self.params
        if self.kind == "server_error":
            return (
                errors.ServiceUnavailable()
                if p.get("code", 1) == 2
                else errors.UnknownServerError()
            )
        if self.kind == "reduce_data":
            return errors.ReduceData()
        if self.kind == "expired_token":
            return errors.ExpiredAccessToken(expired="Sunday, 01-Nov-26 00:00:00 PDT", now="now")
        if self.kind == "http_429":
            return errors.TooManyRequests()
        if self.kind == "reject_metric":
            return errors.UnknownMetric(
                index=0, valid="(every metric but " + str(p.get("metric")) + ")"
            )
        if self.kind == "unreadable_object":
            return errors.UnreadableObject()
        if self.kind == "deleted_object":
            return errors.UnsupportedGetRequest(object_id=str(p.get("object_id", "0")))
        code = int(p.get("code", 80002))
        err = errors.THROTTLE_ERRORS.get(code, errors.InstagramAccountThrottled)()
        err.status_override = int(p.get("status", 400))
        usage = {"call_count": 100, "total_cputime": 40, "total_time": 60}
        if code == 80002:
            regain = int(p.get("regain_minutes", 1))
            header = {
                account_id or "0": [
                    {"type": "instagram", **usage, "estimated_time_to_regain_access": regain}
                ]
            }
            err.headers["X-Business-Use-Case-Usage"] = json.dumps(header, separators=(",", ":"))
        else:
            err.headers["X-App-Usage"] = json.dumps(usage, separators=(",", ":"))
        return err


class FaultBook:
    """The active rules, consulted once per request and once per batch operation."""

    def __init__(self) -> None:
        """Start with no rules."""
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule from its JSON form."""
        allowed = {
            "kind",
            "method",
            "path",
            "nth",
            "every",
            "probability",
            "seed",
            "count",
            "params",
        }
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        if "kind" not in spec:
            raise ValueError("a fault needs a 'kind'")
        with self._lock:
            rule = FaultRule(
                id=self._next_id, **{**spec, "method": str(spec.get("method", "*")).upper()}
            )
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        """Rules with their counters."""
        return [r.describe() for r in self._rules]

    def pick(
        self,
        method: str,
        path: str,
        template: str,
        *,
        in_batch: bool = False,
        query: Mapping[str, str] | None = None,
    ) -> FaultRule | None:
        """The first matching rule that fires for this request, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.kind in ("batch_null", "batch_unreadable") and not in_batch:
                    continue
                if rule.matches(method, path, template, query) and rule.should_fire():
                    return rule
        return None
