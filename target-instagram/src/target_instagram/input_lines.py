"""Input lines the Singer SDK cannot take go to the reject file; the run goes on.

Such a line is not JSON, has no known message type, or is a RECORD before its SCHEMA. It is
rejected with its line number and the reason. Without this check one malformed line would end
the whole run with exit 1 and nothing rejected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

MESSAGE_TYPES = frozenset({"RECORD", "SCHEMA", "STATE", "ACTIVATE_VERSION", "BATCH"})


class CheckedInput:
    """Iterates over the readable lines of `lines`, handing each unreadable one to `reject`."""

    def __init__(self, lines: Iterable[str], reject: Callable[[int, str, str], None]) -> None:
        """`reject(line_number, line, reason)` is called for each line that is skipped."""
        self.lines = lines
        self.reject = reject
        self.schemas: set[str] = set()

    def __iter__(self) -> Iterator[str]:
        """The lines the SDK can process, in order."""
        for number, line in enumerate(self.lines, 1):
            if not line.strip():
                continue
            problem = self._problem(line)
            if problem is None:
                yield line
            else:
                self.reject(number, line, problem)

    def _problem(self, line: str) -> str | None:
        try:
            message: Any = json.loads(line)
        except ValueError as exc:
            return f"not a JSON line ({exc})"
        if not isinstance(message, dict):
            return "not a JSON object"
        kind, stream = message.get("type"), message.get("stream")
        if kind not in MESSAGE_TYPES:
            return (
                f"unknown message type {kind!r}; expected one of {', '.join(sorted(MESSAGE_TYPES))}"
            )
        if kind == "SCHEMA":
            if not isinstance(stream, str) or not isinstance(message.get("schema"), dict):
                return "SCHEMA without a stream name and a schema object"
            self.schemas.add(stream)
        if kind == "RECORD":
            if stream not in self.schemas:
                return f"RECORD for stream {stream!r} before its SCHEMA"
            if not isinstance(message.get("record"), dict):
                return "RECORD without a record object"
        return None
