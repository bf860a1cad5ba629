"""The floor: a bare singer-sdk tap emitting recorded records from memory, with the same schemas,
keys and replication keys (so the framework does the same work per record, state included).

`tap_large.py` runs it on the output of tap-instagram's own run, so the two emit the same records
through the same framework; the ratio of their records per second is what our reads cost.

    python bench/floor_tap.py --config '{"input": "recorded.singer"}'   (or a config file)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.types import Context


class MemoryStream(Stream):
    """One recorded stream, its records held in memory."""

    is_sorted = False  # as most of tap-instagram's incremental streams

    def __init__(self, tap: Tap, name: str, message: dict[str, Any],
                 records: list[dict[str, Any]]) -> None:  # fmt: skip
        """A stream named and shaped like the recorded one: schema, keys and bookmark."""
        super().__init__(tap, schema=message["schema"], name=name)
        self.primary_keys = message["key_properties"]
        self.replication_key = (message.get("bookmark_properties") or [None])[0]
        self.records = records

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The recorded records, as they were."""
        return iter(self.records)


class FloorTap(Tap):
    """Emits the SCHEMA and RECORD messages of a recorded Singer file."""

    name = "floor-tap"
    config_jsonschema = th.PropertiesList(
        th.Property("input", th.StringType, required=True)
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        """One stream per SCHEMA message of the input, records loaded before any is emitted."""
        started = time.perf_counter()
        schemas: dict[str, dict[str, Any]] = {}
        records: dict[str, list[dict[str, Any]]] = {}
        with Path(self.config["input"]).open() as lines:
            for line in lines:
                message = json.loads(line)
                if message["type"] == "SCHEMA":
                    schemas[message["stream"]] = message
                    records.setdefault(message["stream"], [])
                elif message["type"] == "RECORD":
                    records[message["stream"]].append(message["record"])
        # Loading is not emitting: the benchmark takes this time off the floor's wall time.
        print(f"floor-tap loaded in {time.perf_counter() - started:.3f} s", file=sys.stderr)
        return [MemoryStream(self, name, message, records[name])
                for name, message in schemas.items()]  # fmt: skip


if __name__ == "__main__":
    FloorTap.cli()
