"""Copies of an account's media files, taken while Graph's CDN links are fresh.

One job per media: its file (a picture or a video) and, for a video, its cover. A file already in the
store (its manifest entry, and an object of that size) is not downloaded again. A download streams to
a temporary file (never whole in memory) while it is hashed and measured, then goes to the store;
renditions are made from it. A link the CDN refuses as expired (403) is asked of Graph again once. A
failed download is retried with backoff (the client's retry settings), then reported and skipped.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from PIL import Image

from tap_instagram.file_store import FileStore
from tap_instagram.renditions import Rendition

CHUNK = 1 << 20
_EXTENSIONS = {"image/jpeg": "jpg", "video/mp4": "mp4", "image/png": "png", "image/webp": "webp",
               "video/quicktime": "mov"}  # fmt: skip


class FileCopyError(Exception):
    """A file that could not be copied (after its retries); the rest of the run goes on."""


@dataclass(frozen=True)
class Source:
    """One file of a media: the media's own file, or a video's cover (`thumbnail`)."""

    url: str
    thumbnail: bool
    kind: str  # the media_files_kinds entry it counts under: media, children, stories, thumbnails

    @property
    def prefix(self) -> str:
        """Its rendition name when stored as is."""
        return "thumbnail" if self.thumbnail else "original"


@dataclass(frozen=True)
class FileJob:
    """The files of one media to copy."""

    account_id: str
    media_id: str
    parent_media_id: str | None
    source_media_type: str
    sources: tuple[Source, ...]

    def expected_type(self, source: Source) -> str:
        """The content type the file should have, before it is downloaded."""
        return (
            "video/mp4"
            if self.source_media_type == "VIDEO" and not source.thumbnail
            else "image/jpeg"
        )

    @property
    def folder(self) -> str:
        """Where its files go in the store."""
        return f"{self.account_id}/{self.media_id}"


@dataclass(frozen=True)
class FileOptions:
    """What to keep: content types, renditions, the original, a size limit, retries."""

    mimetypes: tuple[str, ...] = ("image/*",)
    renditions: tuple[Rendition, ...] = ()
    keep_original: bool = True
    max_bytes: int = 300 * 1024 * 1024
    attempts: int = 4
    timeout: tuple[float, float] = (10.0, 60.0)

    def wanted(self, mimetype: str) -> bool:
        """Whether a file of this content type passes the filter."""
        return any(fnmatch.fnmatchcase(mimetype, pattern) for pattern in self.mimetypes)


@dataclass
class Copied:
    """What one job stored: records, and which renditions are new this run (for notifications)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # rendition names stored this run
    downloads: int = 0


@dataclass
class _Download:
    path: str
    size: int
    sha256: str
    mimetype: str


class FileCopier:
    """Copies the files of media jobs into a store."""

    def __init__(
        self, store: FileStore, options: FileOptions, *, renew: Callable[[FileJob, Source], str | None],
        wait: Callable[[int], None], now: Callable[[], str], session: requests.Session | None = None,
        announce: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:  # fmt: skip
        """`renew` asks Graph for a fresh link; `wait(attempt)` sleeps before a retry; `now` stamps.

        `announce` is told the records of what a job stored, before its manifest is written: a run
        killed in between stores and announces them again (an announcement is kept once).
        """
        self.store, self.options, self.renew, self.wait, self.now = store, options, renew, wait, now
        self.session = session or requests.Session()
        self.announce = announce

    def copy(self, job: FileJob) -> Copied:
        """Every wanted file of `job`, stored (or found stored); its manifest written last."""
        manifest = self.store.manifest(job.folder)
        done = Copied()
        changed = False
        for source in job.sources:
            if not self.options.wanted(job.expected_type(source)):
                continue
            names = self._names(source, job.expected_type(source))
            if all(n in manifest and self.store.stored(manifest[n]) for n in names):
                continue
            entries = self._store(job, source)
            done.downloads += 1
            manifest.update(entries)
            done.new.extend(entries)
            changed = True
        if changed:
            if self.announce is not None:
                self.announce([self._record(job, n, manifest[n]) for n in done.new])
            self.store.write_manifest(job.folder, manifest)
        kept = [n for s in job.sources if self.options.wanted(job.expected_type(s))
                for n in self._names(s, job.expected_type(s))]  # fmt: skip
        done.records = [self._record(job, n, manifest[n]) for n in kept if n in manifest]
        return done

    def _names(self, source: Source, mimetype: str) -> list[str]:
        names = [source.prefix] if self.options.keep_original else []
        if mimetype.startswith("image/"):
            names += [
                r.name if not source.thumbnail else f"thumbnail.{r.name}"
                for r in self.options.renditions
            ]
        return names

    def _store(self, job: FileJob, source: Source) -> dict[str, dict[str, Any]]:
        """Download one file, store it and its renditions; their manifest entries."""
        got = self._download(job, source)
        try:
            if not self.options.wanted(got.mimetype):
                return {}
            entries: dict[str, dict[str, Any]] = {}
            width, height = _size(got)
            if self.options.keep_original:
                key = f"{job.folder}/{source.prefix}-{got.sha256[:12]}.{_EXTENSIONS.get(got.mimetype, 'bin')}"
                self.store.put_file(got.path, key, got.mimetype)
                entries[source.prefix] = self._entry(
                    key, got.size, got.sha256, got.mimetype, width, height, source
                )
            if got.mimetype.startswith("image/"):
                for rendition in self.options.renditions:
                    with open(got.path, "rb") as picture:
                        data, w, h = rendition.render(picture)
                    sha = hashlib.sha256(data).hexdigest()
                    name = rendition.name if not source.thumbnail else f"thumbnail.{rendition.name}"
                    key = f"{job.folder}/{name}-{sha[:12]}.{rendition.extension}"
                    self.store.put_bytes(data, key, rendition.mimetype)
                    entries[name] = self._entry(
                        key, len(data), sha, rendition.mimetype, w, h, source
                    )
            return entries
        finally:
            os.unlink(got.path)

    def _entry(
        self, key: str, size: int, sha: str, mimetype: str, width: int | None, height: int | None,
        source: Source,
    ) -> dict[str, Any]:  # fmt: skip
        return {"key": key, "size": size, "sha256": sha, "mimetype": mimetype, "width": width,
                "height": height, "kind": source.kind, "stored_at": self.now()}  # fmt: skip

    def _record(self, job: FileJob, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        key = str(entry["key"])
        return {
            "account_id": job.account_id, "media_id": job.media_id, "rendition": name,
            "parent_media_id": job.parent_media_id, "kind": entry.get("kind"),
            "url": self.store.url(key), "key": key, "container": self.store.container,
            "filename": key.rsplit("/", 1)[-1], "mimetype": entry.get("mimetype"),
            "size": entry.get("size"), "width": entry.get("width"), "height": entry.get("height"),
            "sha256": entry.get("sha256"), "source": "Instagram",
            "source_media_type": job.source_media_type, "stored_at": entry.get("stored_at"),
        }  # fmt: skip

    def _download(self, job: FileJob, source: Source) -> _Download:
        """The file at `source`, retried; an expired link renewed from Graph once."""
        url, renewed, last = source.url, False, "no attempt"
        attempt = 0
        while attempt < self.options.attempts:
            attempt += 1
            try:
                with self.session.get(url, stream=True, timeout=self.options.timeout) as answer:
                    if answer.status_code == 403 and not renewed:
                        fresh = self.renew(job, source)
                        renewed, attempt = True, attempt - 1  # a renewal is not a failed attempt
                        if fresh is None:
                            raise FileCopyError(
                                "the CDN refused the link and Graph gave no new one"
                            )
                        url = fresh
                        continue
                    if answer.status_code in (403, 404, 410):
                        raise FileCopyError(
                            f"the CDN answered {answer.status_code} for {_where(url)}"
                        )
                    if answer.status_code == 200:
                        return self._save(answer)
                    last = f"HTTP {answer.status_code}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            if attempt < self.options.attempts:
                self.wait(attempt)
        raise FileCopyError(f"{_where(url)} failed {self.options.attempts} times (last: {last})")

    def _save(self, answer: requests.Response) -> _Download:
        """Stream an answer to a temporary file, hashing it and keeping within the size limit."""
        length = answer.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.options.max_bytes:
            raise FileCopyError(f"{length} bytes is over media_files_max_bytes")
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(prefix="instagram-file-", delete=False)  # noqa: SIM115
        with handle:
            for chunk in answer.iter_content(CHUNK):
                size += len(chunk)
                if size > self.options.max_bytes:
                    handle.close()
                    os.unlink(handle.name)
                    raise FileCopyError(f"over media_files_max_bytes ({self.options.max_bytes})")
                digest.update(chunk)
                handle.write(chunk)
        mimetype = (
            answer.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        )
        return _Download(handle.name, size, digest.hexdigest(), mimetype)


def _size(got: _Download) -> tuple[int | None, int | None]:
    """A picture's width and height (from its header), else None."""
    if not got.mimetype.startswith("image/"):
        return None, None
    try:
        with Image.open(got.path) as picture:
            return picture.width, picture.height
    except OSError:
        return None, None


def _where(url: str) -> str:
    """A CDN link without its signed query string (never logged or stored)."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
