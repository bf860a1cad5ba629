"""The store of received changes: SQLite by default, PostgreSQL by URL.

Every change of a delivery is one row, written before the delivery is answered, keyed by a
digest of (entry id, entry time, field, value): Meta's replay of a delivery, or the same change
sent twice, is stored once. Rows are numbered (`seq`) in the order they were committed, so a
reader that remembers the last `seq` it read misses nothing and reads nothing twice: SQLite has
one writer at a time, and PostgreSQL writers take one advisory lock per delivery.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

COLUMNS = "seq, id, object, account_id, field, object_id, event_time, received_at, value"
_LOCK_KEY = 4_170_912  # PostgreSQL advisory lock of the writers: commits in seq order


@dataclass(frozen=True)
class Event:
    """One stored change."""

    seq: int
    id: str  # digest of entry id, time, field and value: the dedupe key
    object: str  # "instagram"
    account_id: str
    field: str  # comments, mentions, story_insights, …
    object_id: str | None  # the comment, media or story the change is about
    event_time: int | None  # the entry's `time` (Unix seconds)
    received_at: float
    value: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """A change as received, before it has a `seq`."""

    id: str
    object: str
    account_id: str
    field: str
    object_id: str | None
    event_time: int | None
    value: dict[str, Any]


def changes_of(payload: Mapping[str, Any]) -> list[Change]:
    """The changes of a delivery `{"object", "entry": [{"id", "time", "changes": [{field, value}]}]}`."""
    found = []
    for entry in payload.get("entry") or []:
        account, when = str(entry.get("id") or ""), entry.get("time")
        for change in entry.get("changes") or []:
            field = str(change.get("field") or "")
            value = change.get("value") if isinstance(change.get("value"), dict) else {}
            canonical = json.dumps(
                [account, when, field, value], sort_keys=True, separators=(",", ":")
            )
            found.append(Change(hashlib.sha256(canonical.encode()).hexdigest(), str(payload.get("object") or ""),
                                account, field, object_id(field, value),
                                int(when) if isinstance(when, int | float) else None, value))  # fmt: skip
    return found


def object_id(field: str, value: Mapping[str, Any]) -> str | None:
    """What a change is about: the comment of a comment or comment mention, else the media."""
    for key in ("comment_id", "id", "media_id") if field == "mentions" else ("id", "media_id"):
        if value.get(key):
            return str(value[key])
    media = value.get("media")
    return str(media["id"]) if isinstance(media, dict) and media.get("id") else None


class Store(ABC):
    """Where changes are kept."""

    @abstractmethod
    def add(self, changes: list[Change]) -> int:
        """Keep the changes not kept yet, in one transaction; how many were new."""

    @abstractmethod
    def read(self, after: int, limit: int = 1000, fields: tuple[str, ...] = ()) -> list[Event]:
        """Events with `seq` above `after`, oldest first (only those `fields`, when given)."""

    @abstractmethod
    def count(self) -> int:
        """Events kept."""

    def events(self, after: int = 0, fields: tuple[str, ...] = ()) -> Iterator[Event]:
        """Every event after `after`, page by page."""
        while page := self.read(after, fields=fields):
            yield from page
            after = page[-1].seq

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""


class SqliteStore(Store):
    """A SQLite file in WAL mode, every commit synced (`synchronous=FULL`)."""

    def __init__(self, path: Path) -> None:
        """Open (and create) the file; its folder is made when missing."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS webhook_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "id TEXT NOT NULL UNIQUE, object TEXT, account_id TEXT, field TEXT, object_id TEXT, "
            "event_time INTEGER, received_at REAL NOT NULL, value TEXT NOT NULL)"
        )

    def add(self, changes: list[Change]) -> int:
        """Insert, ignoring keys already kept; one transaction per delivery."""
        rows = _rows(changes)
        with self._lock:
            before = self._db.total_changes
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR IGNORE INTO webhook_events (id, object, account_id, field, object_id,"
                    " event_time, received_at, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return self._db.total_changes - before

    def read(self, after: int, limit: int = 1000, fields: tuple[str, ...] = ()) -> list[Event]:
        """A page of events after `after`."""
        where = f" AND field IN ({','.join('?' * len(fields))})" if fields else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM webhook_events WHERE seq > ?{where} ORDER BY seq LIMIT ?",  # noqa: S608
                (after, *fields, limit),
            ).fetchall()
        return [_event(row) for row in rows]

    def count(self) -> int:
        """Rows kept."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM webhook_events").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()


class PostgresStore(Store):
    """A PostgreSQL table (`webhook_events`, in the connection's search path)."""

    def __init__(self, dsn: str) -> None:
        """Connect and create the table when missing."""
        import psycopg

        self._lock = threading.Lock()
        self._db = psycopg.connect(dsn, autocommit=False)
        with self._db.transaction():
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS webhook_events (seq BIGSERIAL PRIMARY KEY, "
                "id TEXT NOT NULL UNIQUE, object TEXT, account_id TEXT, field TEXT, object_id TEXT, "
                "event_time BIGINT, received_at DOUBLE PRECISION NOT NULL, value JSONB NOT NULL)"
            )

    def add(self, changes: list[Change]) -> int:
        """Insert under the writers' advisory lock, ignoring keys already kept."""
        rows = _rows(changes)
        with self._lock, self._db.transaction(), self._db.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            new = 0
            for row in rows:
                cur.execute(
                    "INSERT INTO webhook_events (id, object, account_id, field, object_id, event_time,"
                    " received_at, value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
                    "ON CONFLICT (id) DO NOTHING", row)  # fmt: skip
                new += cur.rowcount
            return new

    def read(self, after: int, limit: int = 1000, fields: tuple[str, ...] = ()) -> list[Event]:
        """A page of events after `after`."""
        where = " AND field = ANY(%s)" if fields else ""
        args: tuple[Any, ...] = (after, list(fields), limit) if fields else (after, limit)
        with self._lock, self._db.transaction():
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM webhook_events WHERE seq > %s{where} ORDER BY seq LIMIT %s",  # noqa: S608
                args,
            ).fetchall()
        return [_event(row) for row in rows]

    def count(self) -> int:
        """Rows kept."""
        with self._lock, self._db.transaction():
            row = self._db.execute("SELECT count(*) FROM webhook_events").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the connection."""
        self._db.close()


def _rows(changes: list[Change]) -> list[tuple[Any, ...]]:
    """The insert rows of some changes, received now."""
    now = time.time()
    return [(c.id, c.object, c.account_id, c.field, c.object_id, c.event_time, now,
             json.dumps(c.value, separators=(",", ":"))) for c in changes]  # fmt: skip


def _event(row: Any) -> Event:
    value = row[8] if isinstance(row[8], dict) else json.loads(row[8])
    return Event(int(row[0]), row[1], row[2] or "", row[3] or "", row[4] or "", row[5],
                 row[6], float(row[7]), value)  # fmt: skip


def open_store(url: str) -> Store:
    """`postgresql://…` (or `postgres://…`), `sqlite:///path` (SQLAlchemy's form), or a file path."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(url)
    if scheme == "sqlite":
        return SqliteStore(Path(url.removeprefix("sqlite:///")))  # sqlite:////abs or sqlite:///rel
    if scheme in ("", "file"):
        return SqliteStore(Path(url.removeprefix("file://")).expanduser())
    raise ValueError(f"webhook store {url!r}: use a file path, sqlite:///path or postgresql://…")
