"""Graph batch requests (graph-api.md §5.1): encoding operations and decoding the answers.

A batch is one `POST /` with up to 50 operations. The answer is a JSON array in request order;
each entry's `body` is a JSON *string*, errors come per operation, and an entry that timed out is
`null` and must be sent again. `GraphClient.batch` does the sending and the re-sending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from instagram_graph import errors
from instagram_graph.bodies import decode_json
from instagram_graph.error_codes import error_from_body
from instagram_graph.errors import GraphError

MAX_BATCH = 50


@dataclass(frozen=True)
class BatchOperation:
    """One operation: method, path relative to the version root, query or form parameters."""

    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    insights: bool = False  # classify code 10 as "insufficient data" (see error_codes)
    repeatable: bool = False  # a write whose repetition changes nothing (hide, delete)

    @property
    def label(self) -> str:
        """`batch GET /{id}/insights`: how errors of this operation name their request."""
        return f"batch {self.method.upper()} /{self.path.lstrip('/')}"

    @property
    def idempotent(self) -> bool:
        """Reads, and writes marked repeatable, may be sent again blindly."""
        return self.method.upper() == "GET" or self.repeatable

    def encode(self, version: str) -> dict[str, Any]:
        """The operation as Graph expects it inside `batch=[…]`."""
        relative = f"{version}/{self.path.lstrip('/')}"
        op: dict[str, Any] = {"method": self.method.upper()}
        if self.method.upper() in ("GET", "DELETE"):
            op["relative_url"] = f"{relative}?{urlencode(self.params)}" if self.params else relative
        else:
            op["relative_url"] = relative
            if self.params:
                op["body"] = urlencode(self.params)
        if self.name:
            op["name"] = self.name
        return op


@dataclass
class BatchResult:
    """The answer to one operation: its decoded body, or the error it got."""

    operation: BatchOperation
    status: int
    body: Any = None
    error: GraphError | None = None
    # Sent again after an answer that was lost or unreadable: it may have run before.
    resent: bool = False

    @property
    def ok(self) -> bool:
        """True when the operation succeeded."""
        return self.error is None


def unsendable(op: BatchOperation, version: str) -> errors.UnsendableError | None:
    """Why an operation cannot go out (its text cannot be encoded as UTF-8), or None.

    Checked per operation before a batch is built, so one bad operation fails alone and its
    neighbours are sent.
    """
    try:
        json.dumps(op.encode(version)).encode("utf-8")
    except (UnicodeError, TypeError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return errors.UnsendableError(
            f"cannot be encoded for sending ({reason}); it was not sent — fix the text's "
            "encoding", request=op.label)  # fmt: skip
    return None


def encode_batch(operations: list[BatchOperation], version: str) -> str:
    """The `batch` form field."""
    if len(operations) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} operations, got {len(operations)}")
    return json.dumps([op.encode(version) for op in operations], separators=(",", ":"))


def decode_batch(answer: Any, operations: list[BatchOperation]) -> list[BatchResult | None]:
    """One result per operation, in order; None where Graph answered `null` (send it again)."""
    if not isinstance(answer, list) or len(answer) != len(operations):
        size = len(answer) if isinstance(answer, list) else type(answer).__name__
        raise errors.BadResponseError(
            f"batch answer has {size} entries for {len(operations)} operations", request="POST /"
        )
    results: list[BatchResult | None] = []
    for op, entry in zip(operations, answer, strict=True):
        if entry is None:
            results.append(None)
            continue
        label = op.label
        status = int(entry.get("code", 0)) if isinstance(entry, dict) else 0
        raw = entry.get("body") if isinstance(entry, dict) else None
        try:
            body = decode_json(raw) if isinstance(raw, str) else raw
        except ValueError:
            body = raw
        error = error_from_body(status, body, request=label, insights=op.insights)
        if error is None and not isinstance(body, dict | list):
            error = errors.BadResponseError(
                "batch entry without a JSON body", http_status=status, request=label
            )
        results.append(BatchResult(op, status, body, error))
    return results
