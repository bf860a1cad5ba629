"""Resumable video upload to rupload.facebook.com (graph-api.md §6.1): chunks that survive a crash.

A container made with `upload_type=resumable` answers an upload `uri`. The file goes there in
chunks, each a `POST` with `offset` and `file_size` headers and `Authorization: OAuth <token>`;
each chunk is read from the source as it is sent, so a file of any size never sits in memory.
After each acknowledged chunk `on_progress(offset)` is called, so the caller can record it.

Where to go on after an interruption (a killed run, a cut connection) is asked of Graph, because
Graph may hold more bytes than were acknowledged. How Graph tells it is unconfirmed, so both ways
work: a `GET` on the `uri` answering `offset` is used when it answers; otherwise the chunk is sent
at the recorded offset, and a refusal naming the expected offset ("expected offset N") moves the
upload there. A refusal naming none starts the file over from 0.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlsplit

import requests

from instagram_graph import errors, retry
from instagram_graph.bodies import decode_json
from instagram_graph.client import GraphClient
from instagram_graph.redaction import get_logger, redact

log = get_logger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024
MAX_MISMATCHES = 3  # refused offsets in a row before giving up
_EXPECTED = re.compile(r"expected offset (\d+)", re.IGNORECASE)

Opener = Callable[[], IO[bytes]]


class UploadError(errors.InvalidRequestError):
    """rupload refused the upload for good (`debug_info` with `retriable: false`)."""


class _Window(io.RawIOBase):
    """`length` bytes of a file from its current position; `len()` gives requests a Content-Length."""

    def __init__(self, source: IO[bytes], length: int) -> None:
        super().__init__()
        self.source, self.left = source, length

    def __len__(self) -> int:
        return self.left

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.source.read(size) if size else b""
        self.left -= len(data)
        return data


class ResumableUpload:
    """Send one file to one container's upload `uri`, from `offset`, in chunks."""

    def __init__(
        self, client: GraphClient, uri: str, opener: Opener, size: int, *,
        chunk_bytes: int = CHUNK_BYTES, on_progress: Callable[[int], None] | None = None,
    ) -> None:  # fmt: skip
        """`opener` opens the file for reading (once per `run`: a resumed upload opens it again)."""
        if not uri.startswith(client.settings.endpoints.rupload + "/"):
            raise errors.BadResponseError(
                f"refusing to send the token to an upload URI on another host ({urlsplit(uri).netloc})"
            )
        self.client, self.uri, self.opener, self.size = client, uri, opener, size
        self.chunk_bytes = max(1, chunk_bytes)
        self.on_progress = on_progress or (lambda offset: None)
        self.label = "POST rupload/{container-id}"

    def run(self, offset: int = 0) -> int:
        """Upload from `offset` (asking Graph where it stands when resuming); the requests made."""
        sent, failures, mismatches = 0, 0, 0
        if offset:
            offset, asked = self._ask(offset)
            sent += asked
        with self.opener() as source:
            self._check_size(source)
            while offset < self.size:
                length = min(self.chunk_bytes, self.size - offset)
                source.seek(offset)
                sent += 1
                try:
                    answer = self._post(_Window(source, length), offset)
                    moved = self._read(answer, offset, length)
                except errors.TransientError as exc:  # cut, timed out or 5xx: where are we now?
                    failures = self._failed(failures, exc)
                    offset, asked = self._ask(offset)
                    sent += asked
                    continue
                if moved is None:  # Graph holds another offset: go on from there, no wait
                    mismatches += 1
                    if mismatches > MAX_MISMATCHES:
                        raise UploadError("the upload's offset kept being refused",
                                          request=self.label)  # fmt: skip
                    offset = self._where_told(answer)
                    continue
                offset, failures, mismatches = moved, 0, 0
                self.on_progress(offset)
        return sent

    def _check_size(self, source: IO[bytes]) -> None:
        """The file still has the size the upload announced (a changed file would hang a chunk)."""
        source.seek(0, io.SEEK_END)
        if source.tell() != self.size:
            raise UploadError(f"the file is {source.tell()} bytes now, not {self.size} as when the "
                              "upload began: it changed; send it again with a new op_id",
                              request=self.label)  # fmt: skip

    def _post(self, body: _Window, offset: int) -> requests.Response:
        headers = {"Authorization": f"OAuth {self._token()}", "offset": str(offset),
                   "file_size": str(self.size), "Content-Type": "application/octet-stream"}  # fmt: skip
        return self._send("POST", headers, body)

    def _send(self, method: str, headers: dict[str, str], body: Any = None) -> requests.Response:
        self.client.calls += 1
        try:
            return self.client.session.request(method, self.uri, headers=headers, data=body,
                                               timeout=self.client.timeout, allow_redirects=False)  # fmt: skip
        except requests.RequestException as exc:
            raise errors.NetworkError(f"upload interrupted: {type(exc).__name__}: "
                                      f"{redact(str(exc))[:200]}", sent=True, request=self.label) from None  # fmt: skip

    def _token(self) -> str:
        auth = self.client.auth
        if not auth.is_token_valid():
            auth.update_access_token()
        return str(auth.access_token)

    def _read(self, answer: requests.Response, offset: int, length: int) -> int | None:
        """The new offset after an acknowledged chunk; None when Graph refused the offset."""
        body = _json(answer)
        if answer.status_code == 200 and body.get("success") is True:
            return offset + length
        info = _info(body)
        message = str(info.get("message") or answer.text[:200])
        if "offset" in message.lower() and info.get("retriable", True):
            return None
        if answer.status_code >= 500 or info.get("retriable") is True:
            raise errors.TransientError(f"upload failed: {redact(message)}", request=self.label,
                                        http_status=answer.status_code)  # fmt: skip
        raise UploadError(f"upload refused: {redact(message)}", request=self.label,
                          http_status=answer.status_code)  # fmt: skip

    def _where_told(self, answer: requests.Response) -> int:
        """The offset a refusal names; 0 (start over) when it names none."""
        found = _EXPECTED.search(str(_info(_json(answer)).get("message", "")))
        if found is None:
            log.warning("the upload's offset was refused without saying where it stands; "
                        "starting the file over")  # fmt: skip
            return 0
        return int(found.group(1))

    def _ask(self, offset: int) -> tuple[int, int]:
        """(where Graph says the upload stands, requests made); `offset` if Graph will not say."""
        try:
            answer = self._send("GET", {"Authorization": f"OAuth {self._token()}"})
        except errors.NetworkError:
            return offset, 1
        told = _json(answer).get("offset")
        if answer.status_code == 200 and isinstance(told, int) and 0 <= told <= self.size:
            return told, 1
        return offset, 1

    def _failed(self, failures: int, error: errors.GraphError) -> int:
        """Count a failed chunk; wait before the next try, or give up after the retry budget."""
        policy = self.client.policy
        if failures >= policy.maximum_retries:
            raise error
        log.warning("%s: %s; resuming (attempt %d of %d)", self.label, error, failures + 2,
                    policy.maximum_retries + 1)  # fmt: skip
        self.client.pacer.sleep(retry.backoff_interval(failures + 1, policy))
        return failures + 1


def _json(answer: requests.Response) -> dict[str, Any]:
    """The answer's JSON object; {} when the body is not one."""
    try:
        body = decode_json(answer.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _info(body: dict[str, Any]) -> dict[str, Any]:
    """The `debug_info` of a rupload answer, or a Graph `error` object, or nothing."""
    for key in ("debug_info", "error"):
        value = body.get(key)
        if isinstance(value, dict):
            return value
    return {}
