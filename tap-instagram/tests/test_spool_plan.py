"""The media spool and the lazy insights plan: what keeps the tap's memory flat."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from instagram_graph import BatchOperation, BatchResult
from tap_instagram.plan import InsightPlan
from tap_instagram.spool import Spool


def test_a_spool_reads_back_in_both_orders_and_while_it_grows() -> None:
    spool = Spool()
    spool.extend({"id": str(n), "text": "é" * n} for n in range(3))
    forward = iter(spool)
    assert next(forward)["id"] == "0"
    spool.extend([{"id": "3"}])
    assert [m["id"] for m in forward] == ["1", "2"]  # an iteration keeps its own end
    assert [m["id"] for m in spool] == ["0", "1", "2", "3"]
    assert [m["id"] for m in reversed(spool)] == ["3", "2", "1", "0"]
    assert len(spool) == 4 and next(iter(spool))["text"] == ""
    spool.close()


class Recorder:
    """A client whose batch answers every operation with its path, and records each call."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def batch(self, ops: list[BatchOperation], *, account: str | None = None) -> list[BatchResult]:
        self.calls.append(len(ops))
        return [BatchResult(op, 200, {"path": op.path}) for op in ops]


def test_the_plan_sends_operations_as_results_are_read_and_keeps_others_waiting() -> None:
    built: list[str] = []

    def media_ops() -> Iterator[BatchOperation]:
        for n in range(250):
            built.append(str(n))
            yield BatchOperation("GET", f"m{n}/insights")

    client = Recorder()
    plan = InsightPlan(client, "1", {"account": lambda: [BatchOperation("GET", "1/insights")] * 3,  # type: ignore[arg-type]
                                     "media": media_ops}, per_fetch=100)  # fmt: skip
    assert client.calls == [] and built == []  # nothing before a stream asks
    media = plan.results("media")
    first: Any = next(media)
    assert first.body == {"path": "m0/insights"}
    # one fetch answered (3 account ops ride along) and the next one drawn and in flight
    assert client.calls[0] == 100 and len(built) == 197
    rest = list(media)
    assert len(rest) == 249 and client.calls == [100, 100, 53]
    assert [r.body["path"] for r in plan.results("account")] == ["1/insights"] * 3
    assert client.calls == [100, 100, 53]  # waiting results cost no further request
