"""Copies of the media files in your own storage (off unless `media_files_url` is set).

Graph's `media_url` and `thumbnail_url` are CDN links that expire, and stories vanish after 24 h,
so the files are copied in the run that read their media: the media of this run's window (their
carousel children too) and the live stories, every run. A file already stored is not downloaded
again. A file that cannot be copied is reported and skipped; the rest of the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from tap_instagram.client import InstagramStream
from tap_instagram.file_copies import FileCopier, FileCopyError, FileJob, Source
from tap_instagram.media_reader import is_part
from tap_instagram.schema_parts import ACCOUNT_ID, MEDIA_ID
from tap_instagram.streams.media_streams import window_media


def jobs_of(
    item: dict[str, Any], account_id: str, kinds: set[str], *, story: bool = False
) -> Iterator[FileJob]:
    """The file jobs of one media item: its own files and its carousel children's."""
    own = "stories" if story else "media"
    yield from _job(item, account_id, None, own, kinds)
    for child in (item.get("children") or {}).get("data", []) if "children" in kinds else []:
        if isinstance(child, dict):
            yield from _job(child, account_id, str(item["id"]), "children", kinds)


def _job(item: dict[str, Any], account_id: str, parent: str | None, kind: str,
         kinds: set[str]) -> Iterator[FileJob]:  # fmt: skip
    sources = []
    if kind in kinds and item.get("media_url"):
        sources.append(Source(str(item["media_url"]), False, kind))
    if "thumbnails" in kinds and item.get("thumbnail_url"):
        sources.append(Source(str(item["thumbnail_url"]), True, "thumbnails"))
    if sources:
        yield FileJob(
            account_id, str(item["id"]), parent, str(item.get("media_type") or ""), tuple(sources)
        )


class MediaFilesStream(InstagramStream):
    """Each stored file and rendition of the account's media, stories and children."""

    name = "media_files"
    primary_keys = ("account_id", "media_id", "rendition")
    replication_key = None

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Copy what is not stored yet (`media_files_concurrency` at a time); a record per file."""
        files = self.run.files
        if files is None:
            return
        data = self.data(context)
        kinds = files.kinds
        jobs: list[FileJob] = []
        for item in window_media(self, context):
            if not is_part(item):
                jobs.extend(jobs_of(item, data.account_id, kinds))
        if "stories" in kinds or "thumbnails" in kinds:
            for story in data.stories():
                jobs.extend(jobs_of(story, data.account_id, kinds, story=True))
        yield from self._copy_all(files.copier(data.client), jobs)

    def _copy_all(self, copier: FileCopier, jobs: list[FileJob]) -> Iterator[dict[str, Any]]:
        """Jobs in a bounded pool; records as each job ends, failures counted and warned once."""
        files = self.run.files
        assert files is not None
        with ThreadPoolExecutor(files.concurrency, thread_name_prefix="media-files") as pool:
            pending: list[tuple[FileJob, Future[Any]]] = []
            for job in jobs:
                pending.append((job, pool.submit(copier.copy, job)))
                if len(pending) >= 2 * files.concurrency:
                    yield from self._settle(*pending.pop(0))
            for job, future in pending:
                yield from self._settle(job, future)

    def _settle(self, job: FileJob, future: Future[Any]) -> Iterator[dict[str, Any]]:
        files = self.run.files
        assert files is not None
        try:
            copied = future.result()
        except FileCopyError as exc:
            self.run.skips.add(f"media files that could not be copied ({exc})")
            return
        files.downloads += copied.downloads
        yield from copied.records

    schema = th.PropertiesList(
        ACCOUNT_ID,
        MEDIA_ID,
        th.Property("rendition", th.StringType, required=True,
                    description="`original`, `thumbnail` (a video's cover), or a rendition's name (`thumbnail.NAME` for a cover's)."),
        th.Property("parent_media_id", th.StringType, description="The carousel, for a child's file."),
        th.Property("kind", th.StringType, description="media, children, stories or thumbnails."),
        th.Property("url", th.StringType, description="The stored object's URL (or local path)."),
        th.Property("key", th.StringType, description="The object's key under media_files_url."),
        th.Property("container", th.StringType, description="The bucket, for object stores."),
        th.Property("filename", th.StringType),
        th.Property("mimetype", th.StringType),
        th.Property("size", th.IntegerType),
        th.Property("width", th.IntegerType),
        th.Property("height", th.IntegerType),
        th.Property("sha256", th.StringType),
        th.Property("source", th.StringType),
        th.Property("source_media_type", th.StringType),
        th.Property("stored_at", th.DateTimeType),
    ).to_dict()  # fmt: skip
