"""Run target-instagram and kill the process (exit 137, no clean-up) at a named point.

Usage: crash_runner.py POINT [target options]. POINT is empty (no crash) or one of
`records:N` (after N records were handed to the writer), `container_created` (after the first
container id is written to the ledger), `published` (after a publish answered, before the ledger
records it), `applied` (after the first moderation batch answered, before the ledger records it),
`uploaded:N` (after the ledger recorded the Nth acknowledged chunk of a video upload).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from target_instagram import ledger, sinks
from target_instagram.target import TargetInstagram


def _die() -> None:
    sys.stdout.flush()
    os._exit(137)


def install(point: str) -> None:
    if point.startswith("records:"):
        limit, seen = int(point.split(":")[1]), [0]
        original = sinks.OperationSink.process_record

        def counting(self: Any, record: dict[str, Any], context: dict[str, Any]) -> None:
            original(self, record, context)
            seen[0] += 1
            if seen[0] >= limit:
                _die()

        sinks.OperationSink.process_record = counting  # type: ignore[method-assign]
    elif point == "container_created":
        progress = ledger.Ledger.progress

        def dying_progress(self: Any, entry: ledger.Entry, **steps: Any) -> None:
            progress(self, entry, **steps)
            if "container_id" in steps:
                _die()

        ledger.Ledger.progress = dying_progress  # type: ignore[method-assign]
    elif point.startswith("uploaded:"):
        chunks, recorded = int(point.split(":")[1]), [0]
        progress = ledger.Ledger.progress

        def dying_after_chunks(self: Any, entry: ledger.Entry, **steps: Any) -> None:
            progress(self, entry, **steps)
            if any(u.get("offset") for u in (steps.get("uploads") or {}).values()):
                recorded[0] += 1
                if recorded[0] >= chunks:
                    _die()

        ledger.Ledger.progress = dying_after_chunks  # type: ignore[method-assign]
    elif point in ("published", "applied"):
        applied = ledger.Ledger.applied
        kinds = ("publish_media", "publish_container") if point == "published" else None

        def dying_applied(self: Any, entry: ledger.Entry, instagram_id: str | None) -> None:
            if kinds is None or entry.kind in kinds:
                _die()
            applied(self, entry, instagram_id)

        ledger.Ledger.applied = dying_applied  # type: ignore[method-assign]


if __name__ == "__main__":
    install(sys.argv[1])
    sys.argv = ["target-instagram", *sys.argv[2:]]
    TargetInstagram.cli()
