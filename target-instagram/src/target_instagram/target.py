"""target-instagram: settings and the stream-to-sink mapping; the writer does the work."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any, cast

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.sinks import Sink

from instagram_graph import SETTINGS_SCHEMA, GraphError, GraphSettings, SettingsError
from instagram_graph.batch import MAX_BATCH
from instagram_graph.config_checks import unknown_settings
from instagram_graph.redaction import install as install_redaction
from instagram_notify import SETTINGS_JSON_SCHEMA as NOTIFY_SETTINGS
from target_instagram.announce import notifications_of
from target_instagram.context import WriterOptions, check_writable
from target_instagram.input_lines import CheckedInput
from target_instagram.sinks import (
    IGNORED_STREAMS,
    SINKS,
    IgnoredSink,
    NotAContractSink,
    UnknownStreamSink,
)
from target_instagram.stopping import StopOnSignal, Stopped
from target_instagram.writer import Writer

TARGET_SETTINGS = th.PropertiesList(
    th.Property("account_id", th.StringType, description="Instagram account for records without an account_id (default: the first of ig_user_ids, else the token's only account)."),
    th.Property("ledger_path", th.StringType, description="SQLite ledger of every op_id (default: .meltano/target-instagram/ledger.sqlite in a Meltano project, else ./target-instagram-ledger.sqlite)."),
    th.Property("results_path", th.StringType, description="JSON-lines file of outcomes: op_id, operation, status, instagram_id, error (default: next to the ledger)."),
    th.Property("reject_path", th.StringType, description="JSON-lines file of rejected records with the reason and Graph's error (default: next to the ledger)."),
    th.Property("fail_fast", th.BooleanType, default=False, description="Stop at the first rejected record instead of continuing."),
    th.Property("dry_run", th.BooleanType, default=False, description="Check every record and write the plan (the calls per op) to the results file; call nothing."),
    th.Property("batch_size", th.IntegerType, default=MAX_BATCH, description="Moderation operations per Graph batch request (1–50)."),
    th.Property("publish_poll_interval_seconds", th.IntegerType, default=60, description="Seconds between container status reads while publishing."),
    th.Property("ledger_wait_seconds", th.IntegerType, default=600, description="How long a run waits for another run of the same ledger to finish before stopping (runs of one ledger never overlap; keep the ledger on a local disk)."),
    th.Property("publish_poll_timeout_seconds", th.IntegerType, default=300, description="How long to wait for containers to finish before deferring the post to the next run."),
    th.Property("media_storage_options", th.ObjectType(additional_properties=th.AnyType()), secret=True, description="fsspec options for storage URLs in image_url / video_url / cover_url (s3://, gs://, az://), e.g. {\"endpoint_url\": …}; credentials may instead come from the environment."),
    th.Property("comment_prechecks", th.BooleanType, default=True, description="Check comments and replies against the old Instagram rules (at most 300 characters, 4 hashtags, 1 URL, not all capitals) before sending; off sends them and lets Graph decide, its error code going to the results file."),
    th.Property("upload_chunk_bytes", th.IntegerType, default=8388608, description="Bytes per chunk of a video_file upload (at least 65536); the ledger records the offset after each chunk, so a killed run resumes there."),
    th.Property("presigned_url_expiry_seconds", th.IntegerType, default=3600, description="Lifetime of the presigned HTTPS links made for storage URLs (60 s – 7 days); a link is made each time a container is created."),
)  # fmt: skip


class TargetInstagram(Target):
    """Singer target that comments, replies, moderates and publishes on Instagram, exactly once."""

    name = "target-instagram"
    package_name = (
        "instagram-connector-target-instagram"  # the distribution, for --about and --version
    )
    config_jsonschema = th.PropertiesList(
        *SETTINGS_SCHEMA.wrapped.values(), *TARGET_SETTINGS.wrapped.values()
    ).to_dict()
    config_jsonschema["properties"].update(NOTIFY_SETTINGS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Check the settings before reading any input; sinks share one writer."""
        install_redaction()
        super().__init__(*args, **kwargs)
        GraphSettings.from_config(self.config, need_token=False)
        check_writable(WriterOptions.from_config(self.config))
        notifications_of(self.config)  # a bad notification setting stops the run before input
        for line in unknown_settings(self.config, self.config_jsonschema["properties"]):
            self.logger.warning("%s", line)
        self.max_parallelism = 1  # one writer, one ledger: sinks drain in order
        self._writer: Writer | None = None
        self._has_op_id: dict[str, bool] = {}

    @property
    def writer(self) -> Writer:
        """The run's writer, opened on first use."""
        if self._writer is None:
            self._writer = Writer(self.config)
        return self._writer

    def get_sink(
        self, stream_name: str, *, record: dict[str, Any] | None = None,
        schema: dict[str, Any] | None = None, key_properties: Sequence[str] | None = None,
    ) -> Sink:  # fmt: skip
        """The SDK's; whether the stream has an op_id (column or key) is kept for the sink class."""
        if schema is not None:
            columns = set(schema.get("properties", {})) | set(key_properties or ())
            self._has_op_id[stream_name] = "op_id" in columns
        return super().get_sink(stream_name, record=record, schema=schema,
                                key_properties=key_properties)  # fmt: skip

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """Match the last dash-separated part of the stream name (`public-replies` → replies).

        A stream with no `op_id` (neither a column nor its key) is refused even when its name
        matches.
        """
        contract = stream_name.rsplit("-", 1)[-1].lower()
        if contract in SINKS:
            return SINKS[contract] if self._has_op_id.get(stream_name, True) else NotAContractSink
        if stream_name.lower() in IGNORED_STREAMS or contract in IGNORED_STREAMS:
            return IgnoredSink
        return UnknownStreamSink

    # Final for typing in the SDK, which offers no hook for errors that end a run: extended here.
    def listen(self, file_input: IO[str] | None = None) -> None:  # type: ignore[misc]
        """Read the input; an error that stops the run is one line and exit code 1, no traceback."""

        def reject(number: int, line: str, reason: str) -> None:
            self.writer.reject_line(number, line, reason)  # the writer opens on first use

        lines = StopOnSignal(CheckedInput(file_input or sys.stdin, reject))
        try:
            super().listen(cast(IO[str], lines))
        except Stopped as stop:
            self.logger.error("target-instagram stopped by %s: operations not yet sent stay in "
                              "the ledger for the next run; no STATE was emitted after it", stop)  # fmt: skip
            raise SystemExit(stop.exit_code) from None
        except (SettingsError, GraphError) as exc:
            text = exc.describe() if isinstance(exc, GraphError) else str(exc)
            self.logger.error("target-instagram stopped: %s", text)
            raise SystemExit(1) from None

    def process_endofpipe(self) -> None:
        """Apply what is left (and what earlier runs left pending), emit STATE, log the summary."""
        self.writer.resume()
        super().process_endofpipe()
        self.writer.finish()


if __name__ == "__main__":
    TargetInstagram.cli()
