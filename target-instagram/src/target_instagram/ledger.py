"""The ledger: one SQLite row per operation, so every write happens exactly once across runs.

An operation is keyed by its stream (`comments`, `replies`, `media`, `mention_replies`,
`execute`) and the user's `op_id`. Its status moves

    received → in_flight → applied | rejected | deferred

`in_flight` is written (with the request and the server time) *before* the request is sent, so a
run that dies mid-call leaves a trace the next run reconciles before sending anything again.
`progress` holds the steps of a publish (container ids) so it resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECEIVED, IN_FLIGHT, APPLIED, REJECTED, DEFERRED = (
    "received", "in_flight", "applied", "rejected", "deferred",
)  # fmt: skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    stream        TEXT NOT NULL,
    op_id         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    account_id    TEXT,
    payload       TEXT NOT NULL,
    payload_hash  TEXT NOT NULL,
    status        TEXT NOT NULL,
    request       TEXT,
    in_flight_at  REAL,
    progress      TEXT NOT NULL DEFAULT '{}',
    instagram_id  TEXT,
    reason        TEXT,
    error         TEXT,
    due_at        REAL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    PRIMARY KEY (stream, op_id)
);
CREATE INDEX IF NOT EXISTS operations_status ON operations (status);
"""


@dataclass
class Entry:
    """One ledger row."""

    stream: str
    op_id: str
    kind: str
    account_id: str | None
    payload: dict[str, Any]
    payload_hash: str
    status: str
    request: str | None = None
    in_flight_at: float | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    instagram_id: str | None = None
    reason: str | None = None
    error: dict[str, Any] | None = None
    due_at: float | None = None
    attempts: int = 0


def default_path() -> Path:
    """Inside the Meltano project's `.meltano/` when there is one, else the working directory."""
    root = os.environ.get("MELTANO_PROJECT_ROOT")
    if root:
        return Path(root) / ".meltano" / "target-instagram" / "ledger.sqlite"
    if Path(".meltano").is_dir():
        return Path(".meltano") / "target-instagram" / "ledger.sqlite"
    return Path("target-instagram-ledger.sqlite")


class Ledger:
    """The SQLite file; every change is committed (and synced) before the next Graph call."""

    def __init__(self, path: Path) -> None:
        """Open (creating) the ledger at `path`."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several changes into one commit."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, stream: str, op_id: str) -> Entry | None:
        """The row for an operation, if the ledger has seen it."""
        row = self.db.execute(
            "SELECT * FROM operations WHERE stream = ? AND op_id = ?", (stream, op_id)
        ).fetchone()
        return _entry(row) if row else None

    def with_status(self, *statuses: str) -> list[Entry]:
        """Every operation in one of `statuses`, oldest first."""
        marks = ",".join("?" * len(statuses))
        rows = self.db.execute(
            f"SELECT * FROM operations WHERE status IN ({marks}) ORDER BY created_at, rowid",  # noqa: S608
            statuses,
        )
        return [_entry(r) for r in rows]

    def receive(self, entry: Entry) -> None:
        """Record a new operation, or a new payload for one not yet applied."""
        now = time.time()
        self.db.execute(
            """INSERT INTO operations (stream, op_id, kind, account_id, payload, payload_hash,
                   status, due_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (stream, op_id) DO UPDATE SET kind = excluded.kind,
                   account_id = excluded.account_id, payload = excluded.payload,
                   payload_hash = excluded.payload_hash, status = excluded.status,
                   due_at = excluded.due_at, reason = NULL, error = NULL,
                   updated_at = excluded.updated_at""",
            (entry.stream, entry.op_id, entry.kind, entry.account_id, json.dumps(entry.payload),
             entry.payload_hash, RECEIVED, entry.due_at, now, now),
        )  # fmt: skip

    def in_flight(self, entry: Entry, request: str, at: float) -> None:
        """About to send `request` for this operation (server time `at`)."""
        entry.status, entry.request, entry.in_flight_at = IN_FLIGHT, request, at
        entry.attempts += 1
        self._update(entry)

    def progress(self, entry: Entry, **steps: Any) -> None:
        """Remember a step of a multi-call operation (container ids, stage)."""
        entry.progress.update(steps)
        self._update(entry)

    def applied(self, entry: Entry, instagram_id: str | None) -> None:
        """The write happened; `instagram_id` is the created or affected object."""
        entry.status, entry.instagram_id, entry.reason, entry.error = (
            APPLIED, instagram_id, None, None
        )  # fmt: skip
        self._update(entry)

    def rejected(self, entry: Entry, reason: str, error: dict[str, Any] | None) -> None:
        """The operation cannot be applied as given."""
        entry.status, entry.reason, entry.error = REJECTED, reason, error
        self._update(entry)

    def deferred(self, entry: Entry, reason: str, due_at: float | None = None) -> None:
        """Not now: kept pending and tried again on a later run (from `due_at` when given)."""
        entry.status, entry.reason, entry.due_at = DEFERRED, reason, due_at
        self._update(entry)

    def back_to_received(self, entry: Entry) -> None:
        """The request provably did not happen: send it again later."""
        entry.status = RECEIVED
        self._update(entry)

    def applied_as(self, instagram_id: str) -> bool:
        """True when an applied operation already accounts for this Instagram object."""
        row = self.db.execute(
            "SELECT 1 FROM operations WHERE instagram_id = ? AND status = ?",
            (instagram_id, APPLIED),
        ).fetchone()
        return row is not None

    def _update(self, e: Entry) -> None:
        self.db.execute(
            """UPDATE operations SET status = ?, request = ?, in_flight_at = ?, progress = ?,
                   instagram_id = ?, reason = ?, error = ?, due_at = ?, attempts = ?,
                   updated_at = ?
               WHERE stream = ? AND op_id = ?""",
            (e.status, e.request, e.in_flight_at, json.dumps(e.progress), e.instagram_id,
             e.reason, json.dumps(e.error) if e.error else None, e.due_at, e.attempts,
             time.time(), e.stream, e.op_id),
        )  # fmt: skip


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        stream=row["stream"], op_id=row["op_id"], kind=row["kind"], account_id=row["account_id"],
        payload=json.loads(row["payload"]), payload_hash=row["payload_hash"], status=row["status"],
        request=row["request"], in_flight_at=row["in_flight_at"],
        progress=json.loads(row["progress"] or "{}"), instagram_id=row["instagram_id"],
        reason=row["reason"], error=json.loads(row["error"]) if row["error"] else None,
        due_at=row["due_at"], attempts=row["attempts"],
    )  # fmt: skip
