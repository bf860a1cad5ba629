"""One account's insights plan: the operations of every selected insight stream, read ahead.

Operations of all insight streams share batch requests (50 to a request, so the few calls of the
account-level streams ride along with the many of media insights). `read` runs in the background:
it draws operations from each stream's builder in turn (media insights as the media listing is
spooled), sends them `per_fetch` at a time with the next fetch already in flight, and writes each
answer to its stream's spool on disk, so memory stays flat in the account's size and no stream
waits for Graph once its answers are in. A stream reads its results in the order they were built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any

from instagram_graph import BatchOperation, BatchResult, GraphClient
from instagram_graph.batch import MAX_BATCH
from instagram_graph.errors import GraphError
from tap_instagram.spool import Spool

Builder = Callable[[], Iterable[BatchOperation]]


class InsightPlan:
    """Operations drawn from `builders` in order, answered in the background into spools."""

    def __init__(
        self, client: GraphClient, account_id: str, builders: Mapping[str, Builder], *,
        per_fetch: int = MAX_BATCH,
    ) -> None:  # fmt: skip
        """Nothing is built or sent until `read` runs."""
        self.client, self.account_id, self.per_fetch = client, account_id, per_fetch
        self._builders = builders
        self._spools = {name: Spool() for name in builders}
        self._errors: dict[int, GraphError] = {}  # answers that are errors stay in memory (few)

    def results(self, stream: str) -> Iterator[BatchResult]:
        """The results of `stream`'s operations, in the order they were built (waiting for them)."""
        for entry in self._spools[stream]:
            yield self._result(entry)

    def read(self) -> None:
        """Build, send and spool every operation; a failure reaches each stream still reading."""
        try:
            self._read()
        except BaseException as exc:
            for spool in self._spools.values():
                spool.finish(exc)
            raise
        for spool in self._spools.values():
            spool.finish()

    def stop(self, error: BaseException) -> None:
        """No more results: a stream still reading meets `error` after what was spooled."""
        for spool in self._spools.values():
            spool.finish(error)

    def close(self) -> None:
        """Delete the spools (once nothing writes them)."""
        for spool in self._spools.values():
            spool.close()

    def _read(self) -> None:
        operations = ((name, op) for name, build in self._builders.items() for op in build())
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-plan") as sender:
            ahead = self._send(sender, operations)
            while ahead is not None:
                current, ahead = ahead, self._send(sender, operations)
                self._file(*current)

    def _send(
        self, sender: ThreadPoolExecutor, operations: Iterator[tuple[str, BatchOperation]]
    ) -> tuple[list[tuple[str, BatchOperation]], Future[list[BatchResult]]] | None:
        """The next `per_fetch` operations (drawn in this thread), sent by `sender`."""
        named = list(islice(operations, self.per_fetch))
        if not named:
            return None
        ops = [op for _, op in named]
        return named, sender.submit(self.client.batch, ops, account=self.account_id)

    def _file(
        self, named: list[tuple[str, BatchOperation]], answers: Future[list[BatchResult]]
    ) -> None:
        """Write one fetch's answers to their streams' spools."""
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for (stream, _), result in zip(named, answers.result(), strict=True):
            by_stream.setdefault(stream, []).append(self._entry(result))
        for stream, entries in by_stream.items():
            self._spools[stream].extend(entries)

    def _entry(self, result: BatchResult) -> dict[str, Any]:
        op = result.operation
        entry = {"method": op.method, "path": op.path, "params": op.params,
                 "insights": op.insights, "status": result.status, "body": result.body}  # fmt: skip
        if result.error is not None:
            entry["error"] = key = len(self._errors)
            self._errors[key] = result.error
        return entry

    def _result(self, entry: dict[str, Any]) -> BatchResult:
        op = BatchOperation(
            entry["method"], entry["path"], entry["params"], insights=entry["insights"]
        )
        error = self._errors.get(entry["error"]) if "error" in entry else None
        return BatchResult(op, entry["status"], entry["body"], error=error)
