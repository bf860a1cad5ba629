"""The spool and the insights plan read ahead in the background: what keeps memory flat and the
streams fed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from instagram_graph import BatchOperation, BatchResult
from instagram_graph.errors import InvalidRequestError, NotFoundError
from tap_instagram.plan import InsightPlan
from tap_instagram.spool import Spool


def test_a_spool_reads_back_in_both_orders_and_while_it_grows() -> None:
    spool = Spool()
    spool.extend({"id": str(n), "text": "é" * n} for n in range(3))
    forward = iter(spool)
    assert next(forward)["id"] == "0"
    spool.extend([{"id": "3"}])
    spool.finish()
    assert [m["id"] for m in forward] == ["1", "2", "3"]  # a reader sees what came meanwhile
    assert [m["id"] for m in spool] == ["0", "1", "2", "3"]
    assert [m["id"] for m in reversed(spool)] == ["3", "2", "1", "0"]
    assert len(spool) == 4 and next(iter(spool))["text"] == ""
    spool.close()


def test_a_reader_waits_for_the_writer_and_meets_its_error_at_the_end() -> None:
    spool = Spool()
    read: list[str] = []
    failure: list[BaseException] = []

    def reader() -> None:
        try:
            read.extend(m["id"] for m in spool)
        except NotFoundError as exc:
            failure.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    spool.extend([{"id": "a"}])
    spool.extend([{"id": "b"}, {"id": "c"}])
    assert thread.is_alive()  # still waiting: the writer has not finished
    spool.finish(NotFoundError("gone", request="GET /1/media"))
    thread.join(5)
    assert read == ["a", "b", "c"] and isinstance(failure[0], NotFoundError)
    with pytest.raises(NotFoundError):
        reversed(spool)  # the whole spool is waited for, and its error raised


def test_a_spool_reads_items_larger_than_its_read_block() -> None:
    spool = Spool()
    big = "x" * (3 << 20)
    spool.extend([{"n": 1}, {"n": 2, "big": big}, {"n": 3}])
    spool.finish()
    assert [m["n"] for m in spool] == [1, 2, 3]
    assert [m["n"] for m in reversed(spool)] == [3, 2, 1]


class Recorder:
    """A client whose batch answers every operation with its path, and records each call."""

    def __init__(self, fail_path: str | None = None) -> None:
        self.calls: list[int] = []
        self.fail_path = fail_path

    def batch(self, ops: list[BatchOperation], *, account: str | None = None) -> list[BatchResult]:
        self.calls.append(len(ops))
        return [
            BatchResult(op, 400, error=InvalidRequestError("refused", code=100))
            if op.path == self.fail_path else BatchResult(op, 200, {"path": op.path})
            for op in ops
        ]  # fmt: skip


def media_ops(count: int) -> Iterator[BatchOperation]:
    for n in range(count):
        yield BatchOperation("GET", f"m{n}/insights", {"metric": "reach"}, insights=True)


def test_the_plan_reads_ahead_in_fetches_and_files_each_answer_to_its_stream() -> None:
    client = Recorder(fail_path="m7/insights")
    plan = InsightPlan(client, "1", {"account": lambda: [BatchOperation("GET", "1/insights")] * 3,  # type: ignore[arg-type]
                                     "media": lambda: media_ops(250)}, per_fetch=100)  # fmt: skip
    assert client.calls == []  # nothing before `read`
    reader = threading.Thread(target=plan.read)
    reader.start()
    media = [r for r in plan.results("media")]
    reader.join(5)
    assert client.calls == [100, 100, 53]  # account operations ride along with the first fetch
    assert [r.operation.path for r in media] == [f"m{n}/insights" for n in range(250)]
    assert (
        media[0].body == {"path": "m0/insights"} and media[0].operation.params["metric"] == "reach"
    )
    assert media[0].operation.insights
    assert isinstance(media[7].error, InvalidRequestError) and media[7].error.code == 100
    assert [r.body["path"] for r in plan.results("account")] == ["1/insights"] * 3
    plan.close()


def test_a_plan_that_fails_fails_every_stream_still_reading() -> None:
    def broken() -> Iterator[BatchOperation]:
        yield from media_ops(2)
        raise NotFoundError("the account went away", request="GET /1/media")

    plan = InsightPlan(Recorder(), "1", {"media": broken, "account": lambda: []}, per_fetch=1)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        plan.read()
    got: list[Any] = []
    with pytest.raises(NotFoundError):
        got.extend(plan.results("media"))
    assert [r.operation.path for r in got] == ["m0/insights"]  # what was answered still comes
    with pytest.raises(NotFoundError):
        list(plan.results("account"))
