"""The tap's settings checked at start, before any call: each error names the setting and the fix."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from instagram_graph.config_checks import check_at_least, unknown_settings
from instagram_graph.errors import SettingsError
from instagram_graph.settings import GraphSettings, Login

MAX_HASHTAGS = 30


def check_config(
    config: Mapping[str, Any],
    settings: list[GraphSettings],
    known: Iterable[str],
    log: logging.Logger,
) -> None:
    """Raise the first bad setting; warn once per key that no setting reads."""
    for line in unknown_settings(config, known):
        log.warning("%s", line)
    start = _instant(config, "start_date")
    end = _instant(config, "end_date")
    if start is not None and end is not None and end <= start:
        raise SettingsError("end_date", f"{config['end_date']} is not after start_date "
                            f"{config['start_date']}", "move end_date later, or remove it")  # fmt: skip
    if len(config.get("hashtags") or []) > MAX_HASHTAGS:
        raise SettingsError("hashtags", "Instagram allows 30 unique hashtags per account per 7 days",
                            "list at most 30")  # fmt: skip
    if config.get("business_discovery_usernames") and all(
        s.login is Login.INSTAGRAM for s in settings
    ):
        raise SettingsError("business_discovery_usernames", "Business Discovery needs Facebook Login",
                            "remove it, or use login facebook")  # fmt: skip
    check_batch_with_maps(config)
    check_at_least(config, {"page_size": 1, "insights_lookback_days": 0,
                            "media_insights_window_days": 0, "account_totals_days": 1,
                            "max_concurrent_accounts": 1})  # fmt: skip
    check_partition(config)
    bad_ids = [str(i) for i in config.get("ig_user_ids") or [] if not str(i).isdigit()]
    if bad_ids:
        raise SettingsError("ig_user_ids", f"{bad_ids[0]!r} is not an Instagram account id (digits)",
                            "list the numeric ids `instagram-auth accounts` prints")  # fmt: skip


def check_partition(config: Mapping[str, Any]) -> None:
    """partition_index must name one of partition_count shares."""
    count, index = config.get("partition_count"), config.get("partition_index")
    if count in (None, "") and index in (None, ""):
        return
    check_at_least(config, {"partition_count": 1, "partition_index": 0})
    if int(index or 0) >= int(count or 1):
        raise SettingsError("partition_index", f"{index} is not one of the {count or 1} shares "
                            "(0 to partition_count - 1)", "lower it, or raise partition_count")  # fmt: skip


def check_batch_with_maps(config: Mapping[str, Any]) -> None:
    """BATCH files carry records as read: the SDK applies no stream map or flattening to them."""
    if not config.get("batch_config"):
        return
    for name in ("stream_maps", "flattening_enabled"):
        if config.get(name):
            raise SettingsError(
                "batch_config",
                f"BATCH messages would ignore {name}: the SDK writes batch files before stream "
                "maps and flattening apply (meltano/sdk#1117), so mapped columns would land empty "
                "and dropped ones would land anyway",
                f"remove batch_config to send RECORD messages, or remove {name}",
            )


def _instant(config: Mapping[str, Any], name: str) -> datetime | None:
    """A date or date-time setting, parsed now so a bad one fails before the sync."""
    value = config.get(name)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(name, f"{value!r} is not a date",
                            "write a date such as 2026-11-01 or 2026-11-01T00:00:00Z") from None  # fmt: skip
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
