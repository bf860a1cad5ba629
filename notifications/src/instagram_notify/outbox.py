"""The outbox: events and their deliveries, in SQLite, so retries due hours later survive the process.

Each event is kept once (its id), with one delivery per receiver URL. A delivery is `pending` until a
receiver answers 200, 201 or 204 (`delivered`, never sent again) or its last retry fails
(`undelivered`). Retries come at fixed offsets from the first attempt (by default 5 minutes, 1 hour
and 12 hours after it). A delivery being sent is leased for a while, so two processes delivering
from one outbox (a tap and a cron job) do not send it twice at once.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from instagram_notify.events import Event

LEASE_SECONDS = 120

_SCHEMA = """
create table if not exists events (
    id text primary key, action text not null, body blob not null, created_at real not null
);
create table if not exists deliveries (
    event_id text not null references events(id), url text not null,
    state text not null default 'pending', attempts integer not null default 0,
    first_attempt_at real, next_at real not null, leased_until real not null default 0,
    last_status text, primary key (event_id, url)
);
create index if not exists deliveries_due on deliveries(state, next_at);
"""


@dataclass(frozen=True)
class Delivery:
    """One event to one receiver, due now."""

    event_id: str
    url: str
    body: bytes
    attempts: int
    first_attempt_at: float | None


class Outbox:
    """Events and deliveries in a SQLite file (its folder 0700, the file 0600)."""

    def __init__(self, path: Path) -> None:
        """Open (or make) the outbox at `path`."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.executescript(_SCHEMA)  # its own transaction
        os.chmod(path, 0o600)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.execute("pragma journal_mode=wal")
            db.execute("begin immediate")
            try:
                yield db
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise

    def add(self, event: Event, urls: Sequence[str], now: float) -> bool:
        """Keep `event` for each receiver (once: an event seen before is left as it is)."""
        with self._db() as db:
            added = db.execute("insert or ignore into events values (?, ?, ?, ?)",
                               (event.id, event.action, event.body(), now)).rowcount  # fmt: skip
            db.executemany("insert or ignore into deliveries (event_id, url, next_at) values (?, ?, ?)",
                           [(event.id, url, now) for url in urls])  # fmt: skip
        return bool(added)

    def lease_due(self, now: float, limit: int = 100) -> list[Delivery]:
        """Pending deliveries due by `now`, leased to the caller for `LEASE_SECONDS`."""
        with self._db() as db:
            rows = db.execute(
                "select d.event_id, d.url, e.body, d.attempts, d.first_attempt_at from deliveries d "
                "join events e on e.id = d.event_id where d.state = 'pending' and d.next_at <= ? "
                "and d.leased_until <= ? order by d.next_at limit ?", (now, now, limit),
            ).fetchall()  # fmt: skip
            db.executemany("update deliveries set leased_until = ? where event_id = ? and url = ?",
                           [(now + LEASE_SECONDS, r[0], r[1]) for r in rows])  # fmt: skip
        return [Delivery(r[0], r[1], bytes(r[2]), r[3], r[4]) for r in rows]

    def settle(self, delivery: Delivery, *, ok: bool, status: str, now: float,
               schedule: Sequence[float]) -> str:  # fmt: skip
        """Record an attempt; the delivery's state after it."""
        attempts = delivery.attempts + 1
        first = delivery.first_attempt_at if delivery.first_attempt_at is not None else now
        if ok:
            state, next_at = "delivered", now
        elif attempts > len(schedule):
            state, next_at = "undelivered", now
        else:
            state, next_at = "pending", first + schedule[attempts - 1]
        with self._db() as db:
            db.execute("update deliveries set state = ?, attempts = ?, first_attempt_at = ?, "
                       "next_at = ?, leased_until = 0, last_status = ? where event_id = ? and url = ?",
                       (state, attempts, first, next_at, status, delivery.event_id, delivery.url))  # fmt: skip
        return state

    def counts(self) -> dict[str, int]:
        """Deliveries per state."""
        with self._db() as db:
            rows = db.execute("select state, count(*) from deliveries group by state").fetchall()
        return {str(state): int(n) for state, n in rows}

    def next_due(self) -> float | None:
        """When the next pending delivery is due (None: nothing pending)."""
        with self._db() as db:
            row = db.execute(
                "select min(next_at) from deliveries where state = 'pending'"
            ).fetchone()
        return float(row[0]) if row and row[0] is not None else None
