"""Unit tests of the flows on a scripted client and a fake clock: the container poll loop, the
EXPIRED branch, the attempt limit of an unknown outcome, and `Ledger.applied_as` in reconcile.

The client is a stand-in that answers batch operations from a script; waiting advances the fake
clock, so a five-minute poll takes no time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from instagram_graph import errors
from instagram_graph.batch import BatchOperation, BatchResult
from instagram_graph.client import GraphClient
from instagram_graph.settings import GraphSettings
from target_instagram.context import Clock, Context, WriterOptions
from target_instagram.ledger import APPLIED, DEFERRED, REJECTED, Ledger
from target_instagram.moderation import MAX_ATTEMPTS, Moderation
from target_instagram.operations import Job, Operation
from target_instagram.outcomes import Outcomes
from target_instagram.outputs import Outputs
from target_instagram.publishing import Publishing

Answer = Callable[[BatchOperation], BatchResult]
NOW = 1_780_000_000.0


@dataclass
class FakeClock:
    t: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class ServerClock:
    def now(self) -> float:
        return NOW


@dataclass
class ScriptedClient:
    """Answers each batch operation with `answer(op)`; records every batch sent."""

    answer: Answer
    comments: list[dict[str, Any]] = field(default_factory=list)
    batches: list[list[BatchOperation]] = field(default_factory=list)
    calls: int = 0

    clock: ServerClock = field(default_factory=lambda: ServerClock())

    def batch(self, ops: list[BatchOperation]) -> list[BatchResult]:
        assert len(self.batches) < 10, "sent again and again: a loop without a limit"
        self.batches.append(list(ops))
        return [self.answer(op) for op in ops]

    def items(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from self.comments

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return {"data": [{"quota_usage": 0, "config": {"quota_total": 100}}]}


def make_context(tmp_path: Path, client: ScriptedClient, clock: FakeClock,
                 **options: Any) -> Context:  # fmt: skip
    opts = WriterOptions(tmp_path / "ledger.sqlite", tmp_path / "results.jsonl",
                         tmp_path / "rejects.jsonl", account_id="17841400000000001",
                         **options)  # fmt: skip
    ledger = Ledger(opts.ledger_path)
    outcomes = Outcomes(ledger, Outputs(opts.results_path, opts.reject_path), fail_fast=False)
    settings = GraphSettings.from_config({}, need_token=False)
    return Context(opts, settings, ledger, outcomes, client=cast(GraphClient, client),
                   clock=Clock(monotonic=clock.monotonic, sleep=clock.sleep))  # fmt: skip


def received(ctx: Context, op_id: str, kind: str, payload: dict[str, Any]) -> Job:
    entry = Operation("public-ops", op_id, kind, None, payload).entry()
    ctx.ledger.receive(entry)
    return Job(entry)


def statuses(script: dict[str, list[str]]) -> Answer:
    """Each container answers the next status of its list; the last one repeats."""

    def answer(op: BatchOperation) -> BatchResult:
        codes = script[op.path]
        code = codes.pop(0) if len(codes) > 1 else codes[0]
        return BatchResult(op, 200, {"status_code": code, "status": f"{code} status"})

    return answer


# ---- the poll loop ---------------------------------------------------------------------------


def test_poll_reads_until_finished_waiting_the_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    client = ScriptedClient(statuses({"c1": ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"],
                                      "c2": ["FINISHED"]}))  # fmt: skip
    ctx = make_context(tmp_path, client, clock, poll_interval=10, poll_timeout=300)
    result = Publishing(ctx).poll(["c1", "c2", "c1"], [])
    assert result == {"c1": ("FINISHED", "FINISHED status"), "c2": ("FINISHED", "FINISHED status")}
    assert clock.sleeps == [10, 10]
    # together, once per container; then only the one still in progress
    assert [[op.path for op in b] for b in client.batches] == [["c1", "c2"], ["c1"], ["c1"]]


def test_poll_stops_at_the_timeout_and_the_post_is_deferred(tmp_path: Path) -> None:
    clock = FakeClock()
    client = ScriptedClient(statuses({"c1": ["IN_PROGRESS"]}))
    ctx = make_context(tmp_path, client, clock, poll_interval=20, poll_timeout=50)
    publishing = Publishing(ctx)
    job = received(ctx, "p1", "publish_media", {"media_type": "REELS", "video_url": "v"})
    result = publishing.poll(["c1"], [job])
    assert clock.sleeps == [20, 20, 10] and clock.t == 50  # never past the timeout
    assert len(client.batches) == 4
    assert not publishing.check(job, ["c1"], "container", result)
    assert job.entry.status == DEFERRED and "still processing (IN_PROGRESS" in str(job.entry.reason)


def test_poll_with_no_timeout_reads_once(tmp_path: Path) -> None:
    clock = FakeClock()
    client = ScriptedClient(statuses({"c1": ["IN_PROGRESS"]}))
    ctx = make_context(tmp_path, client, clock, poll_interval=60, poll_timeout=0)
    assert Publishing(ctx).poll(["c1"], [])["c1"][0] == "IN_PROGRESS"
    assert clock.sleeps == [] and len(client.batches) == 1


def test_an_unreadable_status_is_polled_again(tmp_path: Path) -> None:
    clock, answers = FakeClock(), iter([None, "FINISHED"])

    def answer(op: BatchOperation) -> BatchResult:
        code = next(answers)
        if code is None:
            return BatchResult(op, 500, error=errors.TransientError("boom", request="GET"))
        return BatchResult(op, 200, {"status_code": code})

    ctx = make_context(tmp_path, ScriptedClient(answer), clock, poll_interval=5, poll_timeout=60)
    assert Publishing(ctx).poll(["c1"], [])["c1"][0] == "FINISHED"
    assert clock.sleeps == [5]


# ---- EXPIRED and ERROR ------------------------------------------------------------------------


def test_an_expired_container_is_forgotten_so_the_next_run_makes_a_new_one(
    tmp_path: Path,
) -> None:
    ctx = make_context(tmp_path, ScriptedClient(statuses({})), FakeClock())
    job = received(ctx, "p1", "publish_media", {"media_type": "IMAGE", "image_url": "i"})
    ctx.ledger.progress(job.entry, container_id="c1")
    ok = Publishing(ctx).check(job, ["c1"], "container", {"c1": ("EXPIRED", "")})
    stored = ctx.ledger.get("public-ops", "p1")
    assert not ok and stored is not None
    assert stored.status == DEFERRED and stored.progress == {}  # no container id kept
    assert "expired; a new container is made" in str(stored.reason)


def test_an_expired_container_named_by_the_record_is_rejected(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, ScriptedClient(statuses({})), FakeClock())
    job = received(ctx, "p1", "publish_container", {"creation_id": "c1"})
    Publishing(ctx).check(job, ["c1"], "container", {"c1": ("EXPIRED", "")})
    assert job.entry.status == REJECTED and "create a new one" in str(job.entry.reason)


def test_a_container_in_error_rejects_with_its_status(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, ScriptedClient(statuses({})), FakeClock())
    job = received(ctx, "p1", "publish_media", {"media_type": "IMAGE", "image_url": "i"})
    ok = Publishing(ctx).check(job, ["c1", "c2"], "carousel item",
                               {"c1": ("FINISHED", ""), "c2": ("ERROR", "bad file")})  # fmt: skip
    assert not ok and job.entry.status == REJECTED
    assert job.entry.reason == "carousel item c2 ended in ERROR: bad file"


# ---- the attempt limit of an unknown outcome ----------------------------------------------------


def lost(op: BatchOperation) -> BatchResult:
    error = errors.NetworkError("answer lost", sent=True, request=op.label)
    return BatchResult(op, 0, error=error)


@pytest.mark.parametrize("kind", ["comment", "hide_comment"])
def test_a_write_whose_answer_is_always_lost_is_sent_at_most_max_attempts_times(
    tmp_path: Path, kind: str
) -> None:
    client = ScriptedClient(lost)
    ctx = make_context(tmp_path, client, FakeClock())
    payload = {"media_id": "m1", "comment_id": "c1", "message": "Hello"}
    moderation = Moderation(ctx)
    job = received(ctx, "o1", kind, payload)
    moderation.queue(job)
    moderation.flush()
    assert len(client.batches) == MAX_ATTEMPTS == 3
    assert job.entry.status == DEFERRED and job.entry.attempts == 3
    assert job.entry.reason == "outcome unknown after 3 attempts"


def test_a_lost_comment_found_on_instagram_is_applied_not_sent_again(tmp_path: Path) -> None:
    client = ScriptedClient(lost, comments=[
        {"id": "c-earlier", "text": "Hello", "timestamp": "2026-05-28T00:00:00+0000"},
        {"id": "c-made", "text": "Hello", "timestamp": "2026-05-28T20:26:40+0000"},
    ])  # fmt: skip
    ctx = make_context(tmp_path, client, FakeClock())
    moderation = Moderation(ctx)
    job = received(ctx, "o1", "comment", {"media_id": "m1", "message": "Hello"})
    moderation.queue(job)
    moderation.flush()
    assert len(client.batches) == 1  # found, so never sent again
    assert job.entry.status == APPLIED and job.entry.instagram_id == "c-made"


def test_reconcile_skips_a_comment_another_operation_already_accounts_for(
    tmp_path: Path,
) -> None:
    made = {"text": "Same text", "timestamp": "2026-05-28T20:26:40+0000"}
    client = ScriptedClient(lost, comments=[{"id": "c-a", **made}, {"id": "c-b", **made}])
    ctx = make_context(tmp_path, client, FakeClock())
    first = received(ctx, "o1", "comment", {"media_id": "m1", "message": "Same text"})
    ctx.ledger.applied(first.entry, "c-a")
    second = received(ctx, "o2", "comment", {"media_id": "m1", "message": "Same text"})
    ctx.ledger.in_flight(second.entry, "POST /m1/comments", NOW)
    assert not Moderation(ctx).reconcile(second)
    assert second.entry.instagram_id == "c-b"


def test_applied_as_counts_only_applied_operations(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    for op_id, kind in (("a", "comment"), ("b", "comment")):
        ledger.receive(Operation("s", op_id, kind, None, {"message": op_id}).entry())
    a, b = ledger.get("s", "a"), ledger.get("s", "b")
    assert a is not None and b is not None
    ledger.applied(a, "111")
    ledger.in_flight(b, "POST", NOW)
    b.instagram_id = "222"
    ledger.rejected(b, "no", None)
    assert ledger.applied_as("111")
    assert not ledger.applied_as("222") and not ledger.applied_as("333")
