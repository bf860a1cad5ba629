"""The results file and the reject file (JSON lines), and the end-of-run summary."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from instagram_graph.errors import GraphError
from instagram_graph.redaction import redact


def graph_error(error: GraphError | None) -> dict[str, Any] | None:
    """The fields of a Graph error worth keeping (never a token: messages are redacted)."""
    if error is None:
        return None
    return {
        "type": type(error).__name__, "code": error.code, "subcode": error.subcode,
        "http_status": error.http_status, "message": redact(error.message),
        "user_msg": error.user_msg, "fbtrace_id": error.fbtrace_id,
    }  # fmt: skip


class Outputs:
    """Appends one line per outcome; every line is flushed so a crash loses none."""

    def __init__(self, results_path: Path, reject_path: Path) -> None:
        """Open (appending) both files lazily."""
        self.paths = {"results": results_path, "rejects": reject_path}
        self._files: dict[str, TextIO] = {}
        self.tally: Counter[str] = Counter()

    def _write(self, which: str, line: dict[str, Any]) -> None:
        handle = self._files.get(which)
        if handle is None:
            self.paths[which].parent.mkdir(parents=True, exist_ok=True)
            handle = self._files[which] = self.paths[which].open("a", encoding="utf-8")
        text = json.dumps(line, default=str, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a rejected record may hold text UTF-8 cannot carry
            text = json.dumps(line, default=str)  # \u escapes keep every character
        handle.write(redact(text) + "\n")
        handle.flush()

    def result(
        self, stream: str, op_id: str | None, operation: str, status: str, *,
        instagram_id: str | None = None, error: str | None = None, **extra: Any,
    ) -> None:  # fmt: skip
        """One outcome: applied, skipped, rejected, deferred or planned."""
        self.tally[status] += 1
        self._write("results", {
            "at": _now(), "stream": stream, "op_id": op_id, "operation": operation,
            "status": status, "instagram_id": instagram_id, "error": error, **extra,
        })  # fmt: skip

    def reject(
        self, stream: str, op_id: str | None, record: dict[str, Any], reason: str,
        error: dict[str, Any] | None,
    ) -> None:  # fmt: skip
        """A record that was not applied, with the reason and Graph's error when there was one."""
        self._write("rejects", {
            "at": _now(), "stream": stream, "op_id": op_id, "reason": reason,
            "graph_error": error, "record": record,
        })  # fmt: skip

    def summary(self) -> str:
        """`3 applied, 1 rejected, …` in a fixed order."""
        order = ("applied", "skipped", "rejected", "deferred", "planned")
        parts = [f"{self.tally[s]} {s}" for s in order if self.tally[s]]
        return ", ".join(parts) or "no operations"

    def close(self) -> None:
        """Close both files."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
