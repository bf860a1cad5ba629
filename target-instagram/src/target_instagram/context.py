"""What every flow of one target run shares: settings, ledger, outcomes, the client and the clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from instagram_graph import errors
from instagram_graph.accounts import resolve_accounts
from instagram_graph.batch import MAX_BATCH, BatchOperation, BatchResult
from instagram_graph.client import GraphClient
from instagram_graph.config_checks import check_at_least
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.settings import GraphSettings
from instagram_graph.upload import CHUNK_BYTES
from target_instagram.ledger import Ledger, default_path
from target_instagram.operations import Job
from target_instagram.outcomes import Outcomes
from target_instagram.storage_links import LinkOptions, StorageLinks

MIN_CHUNK_BYTES = 64 * 1024
CLOCK_SKEW = 120.0  # seconds of slack when matching a created comment or media by time


@dataclass(frozen=True)
class WriterOptions:
    """The target's own settings."""

    ledger_path: Path
    results_path: Path
    reject_path: Path
    account_id: str | None = None
    fail_fast: bool = False
    dry_run: bool = False
    batch_size: int = MAX_BATCH
    poll_interval: float = 60.0
    poll_timeout: float = 300.0
    ledger_wait: float = 600.0
    links: LinkOptions = field(default_factory=LinkOptions)
    chunk_bytes: int = CHUNK_BYTES

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WriterOptions:
        """Read and check the settings; defaults put every file next to the ledger."""
        ledger = Path(config.get("ledger_path") or default_path())
        size = int(config.get("batch_size") or MAX_BATCH)
        if not 1 <= size <= MAX_BATCH:
            raise SettingsError("batch_size", f"{size} is outside 1–50", "use at most 50")
        check_at_least(config, {"publish_poll_interval_seconds": 1,
                                "publish_poll_timeout_seconds": 0, "ledger_wait_seconds": 0,
                                "upload_chunk_bytes": MIN_CHUNK_BYTES})  # fmt: skip
        poll_timeout = float(config.get("publish_poll_timeout_seconds", 300))
        ids = config.get("ig_user_ids") or []
        return cls(
            ledger_path=ledger,
            results_path=Path(config.get("results_path") or ledger.with_name("target-instagram-results.jsonl")),
            reject_path=Path(config.get("reject_path") or ledger.with_name("target-instagram-rejects.jsonl")),
            account_id=config.get("account_id") or (str(ids[0]) if ids else None),
            fail_fast=bool(config.get("fail_fast", False)),
            dry_run=bool(config.get("dry_run", False)),
            batch_size=size,
            poll_interval=max(1.0, float(config.get("publish_poll_interval_seconds", 60))),
            poll_timeout=max(0.0, poll_timeout),
            ledger_wait=max(0.0, float(config.get("ledger_wait_seconds", 600))),
            links=LinkOptions.from_config(config),
            chunk_bytes=int(config.get("upload_chunk_bytes") or CHUNK_BYTES),
        )  # fmt: skip


def check_writable(options: WriterOptions) -> None:
    """Every file the run writes can be written, before any operation is sent."""
    for setting, path in (("ledger_path", options.ledger_path), ("results_path", options.results_path),
                          ("reject_path", options.reject_path)):  # fmt: skip
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(setting, f"cannot create the folder {path.parent} ({exc.strerror})",
                                "choose a path in a folder this user can write") from None  # fmt: skip
        if path.is_dir():
            raise SettingsError(setting, f"{path} is a folder", "give a file path inside it")
        try:
            # Created empty when new; sqlite takes an empty file as a new ledger.
            with path.open("a"):
                pass
        except OSError as exc:
            raise SettingsError(setting, f"{path} cannot be written ({exc.strerror})",
                                "choose a writable path, or fix the file's permissions") from None  # fmt: skip


@dataclass
class Clock:
    """Elapsed time and waiting, injected so tests wait on a fake clock."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class Context:
    """One run's shared parts. The client is built on first use (a dry run never builds it)."""

    def __init__(
        self, options: WriterOptions, settings: GraphSettings, ledger: Ledger,
        outcomes: Outcomes, *, client: GraphClient | None = None, clock: Clock | None = None,
    ) -> None:  # fmt: skip
        """Keep the parts; nothing is called yet."""
        self.options = options
        self.settings = settings
        self.ledger = ledger
        self.outcomes = outcomes
        self.clock = clock or Clock()
        self.links = StorageLinks(options.links)
        self._client = client
        self._default_account: str | None = None

    @property
    def client(self) -> GraphClient:
        """The Graph client, built on first use."""
        if self._client is None:
            self.settings.check_credentials()
            self._client = GraphClient(self.settings)
        return self._client

    @property
    def calls(self) -> int:
        """HTTP requests made so far."""
        return self._client.calls if self._client else 0

    def now(self) -> float:
        """Server time (local time until the first answer)."""
        return self._client.clock.now() if self._client else time.time()

    def account(self, job: Job) -> str:
        """The record's account_id, else the configured one, else the token's only account."""
        if job.entry.account_id:
            return job.entry.account_id
        if self.options.account_id:
            return self.options.account_id
        if self._default_account is None:
            accounts = resolve_accounts(self.client)
            if len(accounts) != 1:
                raise SettingsError(
                    "account_id",
                    f"the record has none and the token reaches {len(accounts)} accounts",
                    "set account_id in the record or in the target's config",
                )
            self._default_account = accounts[0].id
        return self._default_account

    def send(self, ops: list[BatchOperation], jobs: list[Job]) -> list[BatchResult]:
        """Send as batches (the client goes one by one where a host refuses batches).

        An auth error for the whole batch means nothing ran: its jobs go back to received and
        the error ends the run. Any other error becomes every operation's result.
        """
        try:
            return self.client.batch(ops)
        except errors.AuthError:
            with self.ledger.transaction():
                for job in jobs:
                    self.ledger.back_to_received(job.entry)
            raise
        except GraphError as exc:
            return [BatchResult(op, exc.http_status or 0, error=exc) for op in ops]


def epoch(value: Any) -> float:
    """A Graph timestamp (`2024-05-01T10:00:00+0000`) as seconds; 0 when missing or unreadable."""
    if not value:
        return 0.0
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0


def iso(value: float | None) -> str | None:
    """Seconds as `2024-05-01T10:00:00Z`; None for none."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value)) if value else None
