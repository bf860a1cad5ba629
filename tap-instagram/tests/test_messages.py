"""How the tap writes Singer messages: msgspec lines, stdout flushed at each message but a RECORD."""

from __future__ import annotations

import io
import json
import sys

import pytest
from singer_sdk.singerlib.messages import RecordMessage, SchemaMessage, StateMessage

from tap_instagram.messages import SingerOutput


class CountingStdout(io.TextIOWrapper):
    """A text stdout over bytes that counts its flushes."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_records_wait_in_the_buffer_and_every_other_message_flushes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = CountingStdout()
    monkeypatch.setattr(sys, "stdout", out)
    writer = SingerOutput()
    writer.write_message(SchemaMessage("media", {"type": "object"}, ["id"]))
    assert out.flushes == 1
    for n in range(3):
        writer.write_message(RecordMessage("media", {"id": str(n), "text": "café ☕"}))
    assert out.flushes == 1  # no system call per record
    writer.write_message(StateMessage({"bookmarks": {"media": {"n": 3}}}))
    assert out.flushes == 2  # the records reach the target before their bookmark
    lines = out.buffer.getvalue().decode().splitlines()  # type: ignore[attr-defined]
    messages = [json.loads(line) for line in lines]
    assert [m["type"] for m in messages] == ["SCHEMA", "RECORD", "RECORD", "RECORD", "STATE"]
    assert messages[1]["record"] == {"id": "0", "text": "café ☕"}


def test_a_captured_text_stdout_gets_text(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    SingerOutput().write_message(RecordMessage("media", {"id": "1"}))
    assert json.loads(out.getvalue())["record"] == {"id": "1"}
