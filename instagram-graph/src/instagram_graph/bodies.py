"""Reading an answer's body within the response timeout, however slowly the server sends it.

`requests` applies its read timeout to each socket read, so a server that sends one byte a
second never trips it. The client streams the body instead and stops once the whole answer has
taken longer than `response_timeout_millis` (graph-api.md §11). Bodies are decoded once, by
`decode_json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import requests
import urllib3

CHUNK = 64 * 1024
_decode = msgspec.json.Decoder().decode


def decode_json(raw: bytes | str) -> Any:
    """JSON text as Python values; a `ValueError` when it is not JSON.

    msgspec reads it several times faster than the standard library; what msgspec refuses but
    the standard library reads (a float beyond a double's range, say) is read the standard way.
    """
    try:
        return _decode(raw)
    except msgspec.DecodeError:
        return json.loads(raw)


def read_within(response: requests.Response, deadline: float, now: Callable[[], float]) -> None:
    """Read the whole body by `deadline` (on the `now` clock), or close it and raise ReadTimeout."""
    chunks: list[bytes] = []
    while chunk := _next_chunk(response.raw):
        chunks.append(chunk)
        if now() > deadline:
            response.close()
            raise requests.ReadTimeout(
                "the answer was still arriving when response_timeout_millis ran out"
            )
    response._content = b"".join(chunks)  # what `response.json()` and `.content` read
    release = getattr(response.raw, "release_conn", None)
    if release is not None:
        release()  # the connection goes back to the pool for the next call


def _next_chunk(raw: Any) -> bytes:
    """Whatever part of the body has arrived (b"" at its end); a broken stream is a ConnectionError."""
    try:
        return bytes(raw.read1(CHUNK, decode_content=True))
    except (OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
        raise requests.ConnectionError(f"the answer broke off: {type(exc).__name__}") from None
