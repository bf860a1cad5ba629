"""The `media_files_*` settings of a run: where copies go, what is kept, and the copier per account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from instagram_graph import GraphClient, GraphSettings, retry
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.redaction import register_option_secrets
from tap_instagram.file_copies import FileCopier, FileJob, FileOptions, Source
from tap_instagram.file_store import FileStore
from tap_instagram.notifications import Notifications
from tap_instagram.renditions import parse_renditions

KINDS = ("media", "children", "stories", "thumbnails")
MAX_BYTES = 300 * 1024 * 1024  # the largest reel Graph takes (graph-api.md §6.1)
CONCURRENCY = 4


class MediaFiles:
    """The run's media-file copying: its store, options and counters."""

    def __init__(
        self, config: Mapping[str, Any], settings: GraphSettings,
        notifications: Notifications | None = None,
    ) -> None:  # fmt: skip
        """Checked settings; a bad one raises `SettingsError` naming it."""
        self.store = FileStore(str(config["media_files_url"]), _options(config))
        self.kinds = set(_strings(config, "media_files_kinds", KINDS))
        unknown = sorted(self.kinds - set(KINDS))
        if unknown:
            raise SettingsError("media_files_kinds", f"{unknown[0]!r} is not a kind",
                                f"use some of {', '.join(KINDS)}")  # fmt: skip
        self.options = FileOptions(
            mimetypes=tuple(_strings(config, "media_files_mimetypes", ("image/*",))),
            renditions=tuple(parse_renditions(config.get("media_files_renditions"))),
            keep_original=bool(config.get("media_files_keep_original", True)),
            max_bytes=int(config.get("media_files_max_bytes") or MAX_BYTES),
            attempts=settings.maximum_retries + 1,
            timeout=(settings.connect_timeout_millis / 1000, settings.response_timeout_millis / 1000),
        )  # fmt: skip
        self.concurrency = int(config.get("media_files_concurrency") or CONCURRENCY)
        self.downloads = 0
        self.notifications = notifications

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], settings: GraphSettings,
        notifications: Notifications | None = None,
    ) -> MediaFiles | None:  # fmt: skip
        """The run's media files, or None when `media_files_url` is not set."""
        return cls(config, settings, notifications) if config.get("media_files_url") else None

    def copier(self, client: GraphClient) -> FileCopier:
        """A copier that renews links and waits with `client` (its retry settings, its clock)."""

        def renew(job: FileJob, source: Source) -> str | None:
            name = "thumbnail_url" if source.thumbnail else "media_url"
            try:
                node = client.get(job.media_id, fields=name, account=job.account_id)
            except GraphError:
                return None
            return str(node[name]) if node.get(name) else None

        def wait(attempt: int) -> None:
            client.pacer.sleep(retry.jitter(retry.backoff_interval(attempt, client.policy)))

        def now() -> str:
            return datetime.fromtimestamp(client.clock.now(), UTC).isoformat()

        return FileCopier(self.store, self.options, renew=renew, wait=wait, now=now,
                          announce=self._announce if self.notifications else None)  # fmt: skip

    def _announce(self, records: list[dict[str, Any]]) -> None:
        """`media_file.stored` for a file as it came, `media_file.converted` for a rendition."""
        assert self.notifications is not None
        for record in records:
            original = record["rendition"] in ("original", "thumbnail")
            action = "media_file.stored" if original else "media_file.converted"
            self.notifications.announce(action, f"{record['url']}#{record['sha256']}", record)


def _strings(config: Mapping[str, Any], name: str, default: tuple[str, ...]) -> list[str]:
    value = config.get(name)
    if value in (None, "", []):
        return list(default)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SettingsError(name, "expected a list of strings", f'write it as ["{default[0]}"]')
    return list(value)


def _options(config: Mapping[str, Any]) -> dict[str, Any]:
    value = config.get("media_files_storage_options") or {}
    if not isinstance(value, Mapping):
        raise SettingsError("media_files_storage_options", "expected an object",
                            'write it as {"key": "…", "secret": "…"} (fsspec storage options)')  # fmt: skip
    register_option_secrets(value)
    return dict(value)
