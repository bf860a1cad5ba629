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
from itertools import islice

from instagram_graph import BatchOperation, BatchResult, GraphClient
from instagram_graph.batch import MAX_BATCH

Builder = Callable[[], Iterable[BatchOperation]]


class InsightPlan:
    """Operations drawn from `builders` in order; results handed to the stream that asked for them."""

    def __init__(
        self, client: GraphClient, account_id: str, builders: Mapping[str, Builder], *,
        per_fetch: int = MAX_BATCH,
    ) -> None:  # fmt: skip
        """Nothing is built or sent until a stream asks for its results."""
        self.client, self.account_id, self.per_fetch = client, account_id, per_fetch
        self._waiting: dict[str, deque[BatchResult]] = {name: deque() for name in builders}
        self._operations = ((name, op) for name, build in builders.items() for op in build())
        self._drained = False

    def results(self, stream: str) -> Iterator[BatchResult]:
        """The results of `stream`'s operations, in the order they were built."""
        waiting = self._waiting[stream]
        while True:
            while waiting:
                yield waiting.popleft()
            if self._drained:
                return
            self._fetch()

    def _fetch(self) -> None:
        """Send the next `per_fetch` operations (as batches of 50, some in flight together)."""
        named = list(islice(self._operations, self.per_fetch))
        self._drained = len(named) < self.per_fetch
        if not named:
            return
        answers = self.client.batch([op for _, op in named], account=self.account_id)
        for (stream, _), result in zip(named, answers, strict=True):
            self._waiting[stream].append(result)
