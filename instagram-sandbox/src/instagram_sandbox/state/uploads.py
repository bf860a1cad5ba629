"""Resumable video upload on rupload.facebook.com (graph-api.md §6.1): chunks at offsets.

A container made with `upload_type=resumable` waits for its bytes. Each `POST` names the
`offset` it starts at and the whole `file_size`; the sandbox takes the bytes as they arrive, so a
connection cut mid-chunk leaves the bytes received so far (the offset Graph then holds is ahead of
what the client saw acknowledged). A chunk must start where the received bytes end; offset 0
starts over. How Graph tells the offset after an interruption is unconfirmed, so it is a switch:
`rupload_resume = "query"` answers `GET` on the upload URI with the offset; `"mismatch"` (the
default) refuses that `GET`, and only the refusal of a chunk at a wrong offset names the offset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import Container

REELS_MAX_BYTES = 300 * 1024 * 1024
STORY_VIDEO_MAX_BYTES = 100 * 1024 * 1024


@dataclass
class Upload:
    """The bytes one container has received."""

    file_size: int
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


class Uploads:
    """Every container's upload, kept beside the world (reset with it)."""

    def __init__(self, backend: GraphBackend) -> None:
        """Work on `backend`'s world, clock and write log."""
        self.backend = backend
        self.uploads: dict[str, Upload] = backend.uploads

    def status(self, box: Container) -> dict[str, Any]:
        """`GET` on the upload URI: the offset Graph holds (only when the switch allows it)."""
        if self.backend.config.rupload_resume != "query":
            raise errors.UploadFailed(detail="Unsupported request method on the upload URI")
        upload = self.uploads.get(box.id)
        return {
            "id": box.id,
            "offset": upload.received if upload else 0,
            "file_size": upload.file_size if upload else None,
        }

    def begin(self, box: Container, headers: Mapping[str, str]) -> tuple[Upload, int]:
        """The upload and the chunk's offset, checked against what was received (0 starts over)."""
        if not box.awaiting_upload:
            raise errors.UploadFailed(detail="The container does not take an upload")
        try:
            offset, size = int(headers.get("offset", "0")), int(headers["file_size"])
        except (KeyError, ValueError):
            raise errors.UploadFailed(detail="offset and file_size headers are required") from None
        limit = STORY_VIDEO_MAX_BYTES if box.media_type == "STORIES" else REELS_MAX_BYTES
        if not 0 < size <= limit:
            raise errors.UploadFailed(detail=f"file_size {size} is outside 1–{limit} bytes")
        upload = self.uploads.get(box.id)
        if offset == 0 or upload is None:
            if offset != 0:
                raise errors.UploadMismatch(expected=0, offset=offset)
            upload = self.uploads[box.id] = Upload(size)
        elif upload.file_size != size:
            raise errors.UploadFailed(detail=f"file_size {size} differs from {upload.file_size}")
        elif offset != upload.received:
            raise errors.UploadMismatch(expected=upload.received, offset=offset)
        return upload, offset

    def take(self, upload: Upload, data: bytes) -> None:
        """Bytes of the body as they arrive (kept even if the connection is cut afterwards)."""
        if upload.received + len(data) > upload.file_size:
            raise errors.UploadFailed(detail="More bytes than file_size")
        upload.digest.update(data)
        upload.received += len(data)

    def end(self, box: Container, upload: Upload, offset: int) -> dict[str, Any]:
        """The chunk's answer; the last chunk starts processing."""
        b = self.backend
        b.record_write("container.upload_chunk", box.owner_id, box.id, offset=offset,
                       bytes=upload.received - offset)  # fmt: skip
        if upload.received < upload.file_size:
            return {"success": True, "message": "Chunk received."}
        self.finish(box, upload.file_size, sha256=upload.digest.hexdigest())
        return {"success": True, "message": "Upload successful."}

    def from_url(self, box: Container, url: str) -> dict[str, Any]:
        """`file_url` header: Meta fetches a public file itself."""
        if not box.awaiting_upload:
            raise errors.UploadFailed(detail="The container does not take an upload")
        self.finish(box, 0, file_url=url)
        return {"success": True, "message": "Upload successful."}

    def finish(self, box: Container, size: int, **details: Any) -> None:
        """Every byte is in: the container starts processing."""
        b = self.backend
        box.awaiting_upload = False
        box.ready_at = b.now() + b.config.video_processing_seconds
        b.record_write("container.upload", box.owner_id, box.id, bytes=size, **details)
