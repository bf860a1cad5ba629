"""One account's insights plan: the operations of every selected insight stream, sent lazily.

Operations of all insight streams share batch requests (50 to a request, so the few calls of the
account-level streams ride along with the many of media insights). They are drawn from each
stream's builder in turn and sent `per_fetch` at a time, as a stream asks for its results: media
insights are never all planned or answered at once, so memory stays flat in the account's size.
Results of a stream that has not asked yet wait for it (the account-level streams: a handful of
calls per day of history).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from instagram_graph import BatchOperation, BatchResult, GraphClient
from instagram_graph.batch import MAX_BATCH

Builder = Callable[[], Iterable[BatchOperation]]


class InsightPlan:
    """Operations drawn from `builders` in order; results handed to the stream that asked for them.

    While a stream emits one fetch's results, the next fetch is already in flight (one ahead, so
    memory stays bounded): the wait for Graph overlaps the work of writing records.
    """

    def __init__(
        self, client: GraphClient, account_id: str, builders: Mapping[str, Builder], *,
        per_fetch: int = MAX_BATCH,
    ) -> None:  # fmt: skip
        """Nothing is built or sent until a stream asks for its results."""
        self.client, self.account_id, self.per_fetch = client, account_id, per_fetch
        self._waiting: dict[str, deque[BatchResult]] = {name: deque() for name in builders}
        self._operations = ((name, op) for name, build in builders.items() for op in build())
        self._drained = False
        self._ahead: _Fetch | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-plan")

    def results(self, stream: str) -> Iterator[BatchResult]:
        """The results of `stream`'s operations, in the order they were built."""
        waiting = self._waiting[stream]
        while True:
            while waiting:
                yield waiting.popleft()
            if self._drained and self._ahead is None:
                return
            self._fetch()

    def _fetch(self) -> None:
        """Take the fetch in flight (or send one), send the next, and file the answers."""
        current = self._ahead or self._send()
        self._ahead = None if self._drained else self._send()
        if self._ahead is None:
            self._pool.shutdown(wait=False)  # nothing more to send: let the worker go
        if current is None:
            return
        named, answers = current.named, current.answers.result()
        for (stream, _), result in zip(named, answers, strict=True):
            self._waiting[stream].append(result)

    def _send(self) -> _Fetch | None:
        """The next `per_fetch` operations (drawn here, in the caller's thread), sent in the pool."""
        named = list(islice(self._operations, self.per_fetch))
        self._drained = len(named) < self.per_fetch
        if not named:
            return None
        operations = [op for _, op in named]
        future = self._pool.submit(self.client.batch, operations, account=self.account_id)
        return _Fetch(named, future)


@dataclass
class _Fetch:
    """One fetch: the (stream, operation) pairs drawn and their answers to come."""

    named: list[tuple[str, BatchOperation]]
    answers: Future[list[BatchResult]]
