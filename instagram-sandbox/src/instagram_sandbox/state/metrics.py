"""Insights metric tables per API version and media product type (graph-api.md §4.1, §4.2)."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_VERSIONS = (21, 22, 23, 24, 25, 26, 27)  # v26 and v27 exist (§0, §11)
NEWEST_VERSION = 27

# Every media metric name the API recognises (the "must be one of" list, §4.2, not filtered by
# media type). v21 does not know `views` yet (added in v22).
MEDIA_METRIC_NAMES_V22 = (
    "impressions", "reach", "replies", "saved", "likes", "comments", "shares",
    "total_interactions", "follows", "profile_visits", "profile_activity", "navigation",
    "ig_reels_video_view_total_time", "ig_reels_avg_watch_time", "views", "reels_skip_rate",
    "reposts", "facebook_views", "crossposted_views", "total_views", "total_likes",
    "total_comments", "link_clicks",
)  # fmt: skip
MEDIA_METRIC_NAMES_V21 = tuple(m for m in MEDIA_METRIC_NAMES_V22 if m != "views")

_FEED = frozenset({
    "views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "reposts",
    "follows", "profile_visits", "profile_activity", "facebook_views", "total_likes",
    "total_comments", "total_views",
})  # fmt: skip
_REELS = frozenset({
    "views", "reach", "likes", "comments", "saved", "shares", "total_interactions", "reposts",
    "ig_reels_avg_watch_time", "ig_reels_video_view_total_time", "reels_skip_rate",
    "crossposted_views", "facebook_views", "total_likes", "total_comments", "total_views",
})  # fmt: skip
_STORY = frozenset({
    "views", "reach", "shares", "total_interactions", "reposts", "follows", "profile_visits",
    "profile_activity", "navigation", "replies", "facebook_views", "total_views", "link_clicks",
})  # fmt: skip
# Metrics a version introduced for some media (story `link_clicks`: 2026-06-22, v26; §0, §11).
MEDIA_METRIC_SINCE = {"link_clicks": 26}

MEDIA_METRICS_BY_PRODUCT = {"FEED": _FEED, "REELS": _REELS, "STORY": _STORY, "AD": _FEED}

# One field report: follows / profile_visits / profile_activity rejected on feed VIDEO posts
# (§4.2, unconfirmed). The sandbox applies it when `strict_feed_video` is on (the default).
FEED_VIDEO_REJECTED = frozenset({"follows", "profile_visits", "profile_activity"})

# Metrics needing Facebook Login (§4.2).
FACEBOOK_ONLY_MEDIA_METRICS = frozenset(
    {"total_likes", "total_comments", "total_views", "link_clicks"}
)
# Metrics that error unless the media was shared to Facebook.
FACEBOOK_SHARE_METRICS = frozenset({"facebook_views", "crossposted_views"})

MEDIA_BREAKDOWNS = {
    "profile_activity": (
        "action_type",
        ("bio_link_clicked", "call", "direction", "email", "other", "text"),  # lower case (§11)
    ),
    "navigation": (
        "story_navigation_action_type",
        ("tap_forward", "tap_back", "tap_exit", "swipe_forward"),
    ),
}


@dataclass(frozen=True)
class UserMetric:
    """One account metric: periods, metric types and breakdowns it accepts."""

    name: str
    periods: tuple[str, ...]
    metric_types: tuple[str, ...]  # "time_series", "total_value"
    breakdowns: tuple[str, ...] = ()
    min_version: int = 21
    demographic: bool = False
    needs_100_followers: bool = False


_TV = ("total_value",)
USER_METRICS: dict[str, UserMetric] = {
    m.name: m
    for m in (
        UserMetric("reach", ("day", "week", "days_28"), ("time_series", "total_value"),
                   ("media_product_type", "follow_type")),
        UserMetric("follower_count", ("day",), ("time_series",), needs_100_followers=True),
        UserMetric("online_followers", ("lifetime",), ("time_series",), needs_100_followers=True),
        UserMetric("accounts_engaged", ("day",), _TV),
        UserMetric("total_interactions", ("day",), _TV, ("media_product_type",)),
        UserMetric("likes", ("day",), _TV, ("media_product_type",)),
        UserMetric("comments", ("day",), _TV, ("media_product_type",)),
        UserMetric("saves", ("day",), _TV, ("media_product_type",)),
        UserMetric("shares", ("day",), _TV, ("media_product_type",)),
        UserMetric("replies", ("day",), _TV),
        UserMetric("reposts", ("day",), _TV),
        UserMetric("follows_and_unfollows", ("day",), _TV, ("follow_type",), needs_100_followers=True),
        UserMetric("profile_links_taps", ("day",), _TV, ("contact_button_type",)),
        UserMetric("views", ("day",), _TV, ("follower_type", "follow_type", "media_product_type"),
                   min_version=22),
        UserMetric("profile_views", ("day",), _TV),
        UserMetric("website_clicks", ("day",), _TV),
        UserMetric("follower_demographics", ("lifetime",), _TV, ("age", "city", "country", "gender"),
                   demographic=True, needs_100_followers=True),
        UserMetric("engaged_audience_demographics", ("lifetime",), _TV,
                   ("age", "city", "country", "gender"), demographic=True, needs_100_followers=True),
        UserMetric("reached_audience_demographics", ("lifetime",), _TV,
                   ("age", "city", "country", "gender"), demographic=True, needs_100_followers=True),
    )
}  # fmt: skip

FOLLOWER_TIMEFRAMES = (
    "last_14_days", "last_30_days", "last_90_days", "prev_month", "this_week", "this_month",
)  # fmt: skip
AUDIENCE_TIMEFRAMES = ("this_week", "this_month")

BREAKDOWN_VALUES: dict[str, tuple[str, ...]] = {
    "media_product_type": ("AD", "CAROUSEL_CONTAINER", "POST", "REEL", "STORY"),  # Meta's list (§11)
    "follow_type": ("FOLLOWER", "NON_FOLLOWER", "UNKNOWN"),
    "follower_type": ("FOLLOWER", "NON_FOLLOWER", "UNKNOWN"),
    "contact_button_type": (
        "BOOK_NOW", "CALL", "DIRECTION", "EMAIL", "INSTANT_EXPERIENCE", "TEXT", "UNDEFINED",
    ),
    "age": ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("F", "M", "U"),
    "country": (
        "US", "GB", "DE", "FR", "IT", "ES", "NL", "BR", "MX", "CA", "AU", "JP", "IN", "SE", "PL",
        "PT", "IE", "BE", "AT", "CH", "DK", "NO", "FI", "AR", "CL", "CO", "ZA", "NZ", "KR", "TR",
        "GR", "CZ", "HU", "RO", "SG", "PH", "ID", "TH", "VN", "MY", "IL", "AE", "SA", "EG", "NG",
        "KE", "UA",
    ),
    "city": tuple(
        f"{c}, {r}" for c, r in (
            ("Seattle", "Washington"), ("Portland", "Oregon"), ("Brooklyn", "New York"),
            ("Austin", "Texas"), ("Chicago", "Illinois"), ("Denver", "Colorado"),
            ("Boston", "Massachusetts"), ("Oakland", "California"), ("Atlanta", "Georgia"),
            ("Miami", "Florida"), ("London", "England"), ("Berlin", "Berlin"),
            ("Paris", "Ile-de-France"), ("Madrid", "Madrid"), ("Milan", "Lombardy"),
            ("Amsterdam", "North Holland"), ("Toronto", "Ontario"), ("Sydney", "New South Wales"),
            ("Tokyo", "Tokyo"), ("Mexico City", "Distrito Federal"),
        )
    ),
}  # fmt: skip


def user_metric_names(version: int) -> tuple[str, ...]:
    """Account metric names a version knows, in table order."""
    return tuple(n for n, m in USER_METRICS.items() if m.min_version <= version)


def media_metric_names(version: int) -> tuple[str, ...]:
    """Media metric names a version knows."""
    return MEDIA_METRIC_NAMES_V21 if version < 22 else MEDIA_METRIC_NAMES_V22
