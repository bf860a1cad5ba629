"""Video files: containers made with `upload_type=resumable` get their bytes by rupload.

A `video_file` (a local path, or a storage URL read through fsspec) is sent in chunks of
`upload_chunk_bytes`, read from the file as they go. The ledger keeps each upload's URI, size
and the offset of the last acknowledged chunk (`progress.uploads`), so a run killed mid-upload
resumes on the next run where Graph stands, never from the start and never with a second
container: the post is published once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlparse

from instagram_graph.errors import GraphError, TransientError
from instagram_graph.redaction import get_logger
from instagram_graph.upload import ResumableUpload
from target_instagram.context import Context
from target_instagram.ledger import IN_FLIGHT, RECEIVED
from target_instagram.operations import Job
from target_instagram.storage_links import LinkError, is_storage_url, object_info, storage_fs

log = get_logger(__name__)


def field_value(payload: dict[str, Any], field: str) -> str:
    """`video_file` or `children[2].video_file` of a publish payload."""
    if field.startswith("children["):
        index, name = field[len("children[") :].split("].", 1)
        return str(payload["children"][int(index)][name])
    return str(payload[field])


def open_video(
    value: str, field: str, options: dict[str, Any]
) -> tuple[Callable[[], IO[bytes]], int]:
    """An opener for the file and its size now; `LinkError` when it cannot be read."""
    if not is_storage_url(value):
        path = value.removeprefix("file://")
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise LinkError(f"{field}: {path} cannot be read ({exc.strerror})") from None
        return (lambda: open(path, "rb")), size  # the uploader closes it
    fs, path = storage_fs(value, field, options)
    size = int(object_info(fs, path, value, field)["size"])
    return (lambda: fs.open(path, "rb")), size


class Uploads:
    """The uploads of one publishing round."""

    def __init__(self, ctx: Context) -> None:
        """Uploads go through the run's client; offsets go to its ledger."""
        self.ctx = ctx

    def run(self, jobs: list[Job]) -> None:
        """Finish every upload the jobs' containers wait for; a failure settles its job only."""
        for job in jobs:
            uploads = job.entry.progress.get("uploads") or {}
            for container, state in uploads.items():
                if state.get("done") or job.entry.status not in (RECEIVED, IN_FLIGHT):
                    continue
                self._settle(job, container, state, uploads)

    def _settle(
        self, job: Job, container: str, state: dict[str, Any], uploads: dict[str, Any]
    ) -> None:
        outcomes, field = self.ctx.outcomes, state["field"]
        try:
            self._upload(job, state, uploads)
        except LinkError as exc:
            if exc.retriable:
                outcomes.deferred(job, str(exc))
            else:
                outcomes.rejected(job, str(exc), None)
        except TransientError as exc:
            outcomes.deferred(job, f"{field}: upload paused at byte {state.get('offset', 0):,} of "
                              f"{state.get('size', 0):,} ({exc}); the next run resumes there")  # fmt: skip
        except GraphError as exc:
            outcomes.rejected(job, f"{field}: {exc.describe()}", exc)

    def _upload(self, job: Job, state: dict[str, Any], uploads: dict[str, Any]) -> None:
        ctx, field = self.ctx, state["field"]
        value = field_value(job.entry.payload, field)
        opener, size = open_video(value, field, ctx.options.links.storage_options)
        if state.get("size") not in (None, size):
            raise LinkError(f"{field}: {_name(value)} is {size:,} bytes now, {state['size']:,} when "
                            "its upload began: the file changed; send it with a new op_id")  # fmt: skip
        state["size"] = size

        def record(offset: int) -> None:
            state["offset"] = offset
            ctx.ledger.progress(job.entry, uploads=uploads)

        resumed = int(state.get("offset") or 0)
        if resumed:
            log.info(
                "%s: resuming the upload of %s at byte %d of %d", job.label, field, resumed, size
            )
        ResumableUpload(ctx.client, state["uri"], opener, size, chunk_bytes=ctx.options.chunk_bytes,
                        on_progress=record).run(resumed)  # fmt: skip
        state["done"] = True
        ctx.ledger.progress(job.entry, uploads=uploads)


def _name(value: str) -> str:
    return os.path.basename(urlparse(value).path) or value
