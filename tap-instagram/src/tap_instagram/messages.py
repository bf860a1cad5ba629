"""How the tap writes Singer messages: msgspec-encoded, flushed at every message but a RECORD.

The SDK's default writer encodes with simplejson and flushes stdout after every message: on a large
account that is a system call per record and most of the framework's time per record. Records are
written to stdout's buffer and reach the target when it fills, and at the latest with the next
STATE (or SCHEMA, BATCH…) message, which is flushed at once: a target never sees a bookmark before
the records it covers, and a tap killed mid-run loses only records no STATE has claimed.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.messages import Message, RecordMessage


class SingerOutput(MsgSpecWriter):
    """The SDK's msgspec writer, flushing stdout only after messages that are not records."""

    def write_message(self, message: Message) -> None:
        """Encode one message to stdout; flush unless it is a RECORD."""
        out, line = sys.stdout, self.format_message(message)
        binary = getattr(out, "buffer", None)
        if binary is not None:
            binary.write(line)
        else:  # a text stream without bytes beneath (stdout captured in memory)
            out.write(line.decode())
        if not isinstance(message, RecordMessage):
            out.flush()
