"""Procedures: token steps and the publishing-limit check, each run once when its record arrives.

A procedure does not repeat safely and cannot be looked up afterwards, so one interrupted
while running is rejected on the next run with advice instead of being run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instagram_graph.auth import TokenExchanger
from instagram_graph.errors import GraphError, SettingsError
from target_instagram.context import Context, iso
from target_instagram.operations import Job
from target_instagram.publishing import publishing_limit

Outcome = tuple[str | None, dict[str, Any]]  # instagram id, extra fields of the results line
Procedure = Callable[[Context, Job], Outcome]


def _authorization_url(ctx: Context, job: Job) -> Outcome:
    state = job.entry.payload.get("state") or job.entry.op_id
    return None, {"url": TokenExchanger(ctx.settings).authorization_url(state)}


def _exchange_code(ctx: Context, job: Job) -> Outcome:
    if not ctx.settings.token_store:
        raise SettingsError("token_store", "exchange_code has nowhere to keep the token",
                            "set token_store to a file path")  # fmt: skip
    token = TokenExchanger(ctx.settings).exchange_code(job.entry.payload["code"])
    ctx.client.auth.adopt(token)
    return None, {"expires_at": iso(token.expires_at)}


def _refresh(ctx: Context, job: Job) -> Outcome:
    token = ctx.client.auth.refresh()
    return None, {"expires_at": iso(token.expires_at)}


def _publishing_limit(ctx: Context, job: Job) -> Outcome:
    account = ctx.account(job)
    limit = publishing_limit(ctx.client, account)
    total = (limit.get("config") or {}).get("quota_total")
    return account, {"quota_usage": limit.get("quota_usage"), "quota_total": total}


PROCEDURES: dict[str, Procedure] = {
    "get_authorization_url": _authorization_url,
    "exchange_code": _exchange_code,
    "refresh_access_token": _refresh,
    "check_publishing_limit": _publishing_limit,
}


def run(ctx: Context, job: Job) -> None:
    """Run one procedure and record its outcome."""
    ctx.ledger.in_flight(job.entry, job.entry.kind, ctx.now())
    try:
        instagram_id, extra = PROCEDURES[job.entry.kind](ctx, job)
    except GraphError as exc:
        ctx.outcomes.rejected(job, exc.describe(), exc)
    except SettingsError as exc:
        ctx.outcomes.rejected(job, str(exc), None)
    else:
        ctx.outcomes.applied(job, instagram_id, **extra)


def interrupted(ctx: Context, job: Job) -> None:
    """A procedure a previous run left in flight: its outcome is unknown."""
    ctx.outcomes.rejected(job, "interrupted while running; its outcome is unknown — check it "
                          "(`instagram-auth status`) and send it again with a new op_id", None)  # fmt: skip
