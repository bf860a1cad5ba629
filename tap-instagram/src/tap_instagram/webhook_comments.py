"""Comments that arrived by webhook, merged into the `comments` stream (when `webhook_store` is set).

A `comments` webhook tells of a new comment on any post, also one far outside the media window
the stream reads. Those the window did not bring are read from Graph (50 per batch, with their
replies) and emitted as the stream's own records: same keys, same fields, so a comment is never
emitted with fewer fields than a normal read gives. Events from before the stream's bookmark are
not read again; a comment that is gone is counted in the run summary and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from instagram_graph import BatchOperation
from tap_instagram.media_reader import COMMENT_FIELDS, COMMENTS_PER_PAGE
from tap_instagram.run import Run

FIELDS = f"{COMMENT_FIELDS},media{{id}},replies.limit({COMMENTS_PER_PAGE}){{{COMMENT_FIELDS}}}"
MARGIN = 900.0  # seconds before the bookmark still looked at (clock skew, late deliveries)


class CommentsReader(Protocol):
    """What is needed of the comments stream."""

    @property
    def run(self) -> Run:
        """The run's reads."""


def webhook_comments(
    stream: CommentsReader, account_id: str, since: float | None, seen: set[str],
    record: Callable[[dict[str, Any], str, str, str | None], dict[str, Any]],
) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Comment records (made by `record`) for the account's `comments` events not yet emitted."""
    run = stream.run
    if not run.webhooks.enabled:
        return
    start = (since or 0) - MARGIN
    wanted = []
    for event in run.webhooks.of_account("comments", account_id):
        new = event.object_id and event.object_id not in seen
        if new and (event.event_time or event.received_at) >= start:
            wanted.append(str(event.object_id))
            seen.add(str(event.object_id))
    client = run.client_for(account_id)
    for begin in range(0, len(wanted), 50):
        ops = [BatchOperation("GET", cid, {"fields": FIELDS}) for cid in wanted[begin : begin + 50]]
        for result in client.batch(ops):
            body = result.body if result.ok and isinstance(result.body, dict) else None
            if body is None:
                run.skips.add("comments from webhooks that are gone (deleted or hidden from the token)",
                              result.error)  # fmt: skip
                continue
            media_id = str((body.get("media") or {}).get("id") or "")
            parent = body.get("parent_id")
            yield record(body, media_id, account_id, str(parent) if parent else None)
            for reply in (body.get("replies") or {}).get("data", []):
                yield record(reply, media_id, account_id, str(body["id"]))
