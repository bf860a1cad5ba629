"""Insight metrics as data: what each family may ask for, per API version (graph-api.md §4).

Families: `account_daily` (time series), `account_totals` (total_value per day, with breakdowns),
`account_demographics`, `media_feed`, `media_reels`, `media_story`. Each family has presets; the
`metrics` setting may list names instead. `check_metrics` rejects unknown, retired and
wrong-family names at start-up with a message naming the valid choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from instagram_graph import Login, SettingsError

# Retired names and the version from which (or the date after which) they fail everywhere.
RETIRED = {
    "impressions": "retired in v22 and for every version since 2025-04-21; use views",
    "plays": "retired in v22 and for every version since 2025-04-21; use views",
    "clips_replays_count": "retired since 2025-04-21",
    "ig_reels_aggregated_all_plays_count": "retired since 2025-04-21; use views",
    "video_views": "retired in v21 and for every version since 2025-01-08; use views",
    "email_contacts": "retired since v21 / 2025-01-08",
    "phone_call_clicks": "retired since v21 / 2025-01-08",
    "text_message_clicks": "retired since v21 / 2025-01-08",
    "get_directions_clicks": "retired since v21 / 2025-01-08",
    "audience_city": "retired since v18; use follower_demographics with breakdown city",
    "audience_country": "retired since v18; use follower_demographics with breakdown country",
    "audience_gender_age": "retired since v18; use follower_demographics with breakdown age,gender",
    "audience_locale": "retired since v18",
    "engagement": "retired since v18; use total_interactions",
    "exits": "retired since v18; use navigation",
    "taps_forward": "retired since v18; use navigation",
    "taps_back": "retired since v18; use navigation",
}
# Metrics added in a version: unknown before it.
MIN_VERSION = {"views": 22, "link_clicks": 26}  # story link_clicks: 2026-06-22, v26 (§0, §11)
# Metrics only Facebook Login serves (graph-api.md §4.2, §11).
FACEBOOK_ONLY = frozenset({"link_clicks"})

# The breakdown each media metric accepts (a separate call: breakdowns fail on other metrics).
MEDIA_BREAKDOWNS = {"profile_activity": "action_type", "navigation": "story_navigation_action_type"}


@dataclass(frozen=True)
class Family:
    """One insight family: every valid metric, and where a wrong-family metric belongs."""

    name: str
    metrics: tuple[str, ...]
    presets: Mapping[str, tuple[str, ...]]


_FEED = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "reposts",
         "follows", "profile_visits", "profile_activity")  # fmt: skip
_REELS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "reposts",
          "ig_reels_avg_watch_time", "ig_reels_video_view_total_time", "reels_skip_rate")  # fmt: skip
_STORY = ("views", "reach", "shares", "total_interactions", "reposts", "follows", "profile_visits",
          "profile_activity", "navigation", "replies", "link_clicks")  # fmt: skip
_TOTALS = ("reach", "accounts_engaged", "total_interactions", "likes", "comments", "saves", "shares",
           "replies", "reposts", "follows_and_unfollows", "profile_links_taps", "views",
           "profile_views", "website_clicks")  # fmt: skip
_DEMOGRAPHICS = (
    "follower_demographics",
    "engaged_audience_demographics",
    "reached_audience_demographics",
)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("account_daily", ("reach", "follower_count"),
               {"all": ("reach", "follower_count"), "reach": ("reach",)}),
        Family("account_totals", _TOTALS,
               {"all": _TOTALS, "engagement": ("reach", "accounts_engaged", "total_interactions", "likes",
                                               "comments", "saves", "shares", "views")}),
        Family("account_demographics", _DEMOGRAPHICS,
               {"all": _DEMOGRAPHICS, "followers": ("follower_demographics",)}),
        Family("media_feed", _FEED,
               {"all": _FEED, "core": ("views", "reach", "likes", "comments", "saved", "shares",
                                       "total_interactions")}),
        Family("media_reels", _REELS,
               {"all": _REELS, "core": ("views", "reach", "likes", "comments", "saved", "shares",
                                        "total_interactions")}),
        Family("media_story", _STORY,
               {"all": _STORY, "core": ("views", "reach", "shares", "total_interactions", "replies")}),
    )
}  # fmt: skip

# Breakdown groups for account totals: one call per group and day (breakdowns can't be mixed with
# metrics that lack them).
TOTALS_BREAKDOWNS = {
    "media_product_type": (
        "reach",
        "total_interactions",
        "likes",
        "comments",
        "saves",
        "shares",
        "views",
    ),
    "follow_type": ("reach", "follows_and_unfollows"),
    "contact_button_type": ("profile_links_taps",),
}
DEMOGRAPHIC_BREAKDOWNS = ("age", "city", "country", "gender")
DEMOGRAPHIC_TIMEFRAMES = ("this_week", "this_month")
# Where a metric belongs when it is listed under the wrong family.
_HOME = {name: fam.name for fam in reversed(list(FAMILIES.values())) for name in fam.metrics}


def version_number(api_version: str) -> int:
    """`v25.0` → 25."""
    return int(api_version.lstrip("v").split(".")[0])


def valid_metrics(family: str, api_version: str, login: Login = Login.FACEBOOK) -> tuple[str, ...]:
    """Every metric of a family the version (and login flavour) knows."""
    return _served(FAMILIES[family].metrics, api_version, login)


def _served(names: tuple[str, ...], api_version: str, login: Login) -> tuple[str, ...]:
    version = version_number(api_version)
    return tuple(
        m for m in names
        if MIN_VERSION.get(m, 0) <= version and (login is Login.FACEBOOK or m not in FACEBOOK_ONLY)
    )  # fmt: skip


def check_metrics(
    family: str, names: list[str], api_version: str, login: Login = Login.FACEBOOK
) -> tuple[str, ...]:
    """The names, checked; raises SettingsError naming the valid choices."""
    fam = FAMILIES[family]
    valid = valid_metrics(family, api_version, login)
    choices = ", ".join(valid)
    for name in names:
        if name in FACEBOOK_ONLY and login is not Login.FACEBOOK:
            raise SettingsError(f"metrics.{family}", f"{name!r} is served with Facebook Login only",
                                f"remove it, or use login facebook; valid: {choices}")  # fmt: skip
        if name in RETIRED:
            raise SettingsError(
                f"metrics.{family}", f"{name!r} is {RETIRED[name]}", f"use some of: {choices}"
            )
        if name in fam.metrics and name not in valid and name in MIN_VERSION:
            raise SettingsError(
                f"metrics.{family}",
                f"{name!r} needs api_version v{MIN_VERSION[name]}.0 or later (configured: {api_version})",
                f"raise api_version, or use some of: {choices}",
            )
        if name not in fam.metrics:
            home = _HOME.get(name)
            problem = (
                f"{name!r} is not a {family} metric; it needs a different period or metric_type "
                f"and belongs to {home}"
                if home
                else f"{name!r} is not a known metric"
            )
            raise SettingsError(f"metrics.{family}", problem, f"use some of: {choices}")
    return tuple(dict.fromkeys(names))


def resolve_metrics(
    config: Mapping[str, Any], api_version: str, login: Login = Login.FACEBOOK
) -> dict[str, tuple[str, ...]]:
    """The metric list of every family from `metrics` and `preset_metric` (default preset `all`)."""
    explicit = config.get("metrics") or {}
    presets = config.get("preset_metric") or {}
    for key in (*explicit, *presets):
        if key not in FAMILIES:
            raise SettingsError("metrics" if key in explicit else "preset_metric",
                                f"unknown insight family {key!r}", f"use one of: {', '.join(FAMILIES)}")  # fmt: skip
    out: dict[str, tuple[str, ...]] = {}
    for family, fam in FAMILIES.items():
        if family in explicit:
            names = explicit[family]
            if isinstance(names, str):
                names = [n.strip() for n in names.split(",") if n.strip()]
            out[family] = check_metrics(family, list(names), api_version, login)
            continue
        preset = presets.get(family, "all")
        if preset not in fam.presets:
            raise SettingsError(f"preset_metric.{family}", f"unknown preset {preset!r}",
                                f"use one of: {', '.join(fam.presets)}")  # fmt: skip
        out[family] = _served(fam.presets[preset], api_version, login)
    return out


def media_family(media_product_type: str | None) -> str:
    """The insight family of a media item."""
    return {"REELS": "media_reels", "STORY": "media_story"}.get(
        media_product_type or "", "media_feed"
    )


# Metrics some feed videos reject (one field report, graph-api.md §4.2): retried without them.
FEED_VIDEO_DOUBTFUL = ("follows", "profile_visits", "profile_activity")
