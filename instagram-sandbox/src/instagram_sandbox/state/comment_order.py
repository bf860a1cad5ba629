"""Comments and replies in Graph's order (newest first, §3.6), sorted once per change.

A media page with comments expanded, and every later comment page, asks for a thread in order;
sorting the thread on each ask made long threads cost their length squared. The order is kept
per thread and sorted again only when the thread grew or a comment was deleted.
"""

from __future__ import annotations

from collections.abc import Mapping

from instagram_sandbox.state.models import Comment


class CommentOrder:
    """Threads in reverse chronological order, cached until a comment is added or deleted."""

    def __init__(self, comments: Mapping[str, Comment]) -> None:
        """Order the comments of `comments` (the world's comments by id)."""
        self._comments = comments
        self._sorted: dict[str, tuple[tuple[int, int], list[Comment]]] = {}
        self._deletions = 0

    def deleted(self) -> None:
        """A comment was deleted somewhere: every thread is sorted again when next asked."""
        self._deletions += 1

    def thread(self, owner_id: str, ids: list[str]) -> list[Comment]:
        """The live comments among `ids` (the thread of `owner_id`), newest first."""
        key = (len(ids), self._deletions)
        cached = self._sorted.get(owner_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        live = [self._comments[c] for c in ids if not self._comments[c].deleted]
        ordered = sorted(live, key=lambda c: (c.timestamp, c.id), reverse=True)
        self._sorted[owner_id] = (key, ordered)
        return ordered
