"""Insights: validation with Graph's exact errors, and deterministic values (graph-api.md §4)."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from instagram_sandbox import errors
from instagram_sandbox.clock import graph_time
from instagram_sandbox.state import metrics as m
from instagram_sandbox.state import shapes
from instagram_sandbox.state.models import Flavour, IgAccount, Media

DAY = 86400
MAX_RANGE = 30 * DAY
HISTORY = 2 * 365 * DAY
SETTLE_SECONDS = 48 * 3600
PACIFIC = ZoneInfo("America/Los_Angeles")


def stable(*parts: object) -> int:
    """A deterministic 64-bit number from any parts (no process-seeded `hash`)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pacific_midnight_at_or_before(ts: float) -> float:
    """Start of the Pacific day containing `ts`: day buckets end at 07:00 or 08:00 UTC (§4.1)."""
    local = datetime.fromtimestamp(ts, PACIFIC)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def day_ends_between(since: float, until: float) -> list[float]:
    """Pacific-midnight bucket ends `e` with since < e <= until."""
    ends: list[float] = []
    day = datetime.fromtimestamp(pacific_midnight_at_or_before(since), PACIFIC).date()
    while True:
        day += timedelta(days=1)
        end = datetime(day.year, day.month, day.day, tzinfo=PACIFIC).timestamp()
        if end > until:
            return ends
        if end > since:
            ends.append(end)


def parse_time_param(value: str, name: str) -> float:
    """`since`/`until`: Unix seconds or an ISO date/time (the strtotime forms Graph takes)."""
    try:
        return float(int(value))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidParameter(detail=f"{name} param is not valid") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


PostTimes = Callable[[IgAccount], Iterable[float]]  # an account's media publishing times


class InsightsEngine:
    """Computes account and media insights for the backend."""

    def __init__(self, seed: int, post_times: PostTimes = lambda account: ()) -> None:
        """`seed` makes every figure repeatable; `post_times` gives an account's media times."""
        self.seed = seed
        self._reads: Counter[tuple[str, str, float]] = Counter()
        self._post_times = post_times
        self._post_days: dict[str, tuple[int, Counter[int]]] = {}

    def posts_on(self, account: IgAccount, day_key: int) -> int:
        """Media the account published on a day (days since 1970-01-01, UTC)."""
        known = self._post_days.get(account.id)
        if known is None or known[0] != len(account.media_ids):
            days = Counter(int(t // DAY) for t in self._post_times(account))
            known = self._post_days[account.id] = (len(account.media_ids), days)
        return known[1][day_key]

    # --- account insights (§4.1) ---------------------------------------------------------

    def user_insights(
        self, account: IgAccount, params: Mapping[str, str], version: int, now: float
    ) -> tuple[list[dict[str, Any]], tuple[float, float] | None]:
        """Validate a `/{ig-user-id}/insights` call; return data and the time window it covered."""
        names = _metric_list(params)
        known = m.user_metric_names(version)
        for index, name in enumerate(names):
            if name not in known:
                raise errors.UnknownMetric(index=index, valid=", ".join(known))
        period = params.get("period")
        if not period:
            raise errors.MissingParameter(name="period")
        wanted = [m.USER_METRICS[n] for n in names]
        metric_type = params.get("metric_type", "time_series")
        if metric_type not in ("time_series", "total_value"):
            raise errors.InvalidParameter(
                detail="metric_type must be one of: time_series, total_value"
            )
        if metric_type == "time_series":
            tv_only = [w.name for w in wanted if "time_series" not in w.metric_types]
            if tv_only:
                raise errors.TotalValueRequired(metrics=",".join(tv_only))
        else:
            ts_only = [w.name for w in wanted if "total_value" not in w.metric_types]
            if ts_only:
                raise errors.TimeSeriesOnly(metrics=",".join(ts_only))
        for w in wanted:
            allowed = w.periods if metric_type == "time_series" else (w.periods[:1])
            if period not in allowed:
                raise errors.PeriodNotSupported(metric=w.name, period=period)
        breakdown = [b for b in params.get("breakdown", "").split(",") if b]
        if breakdown and metric_type == "total_value":
            for w in wanted:
                if any(b not in w.breakdowns for b in breakdown):
                    raise errors.UnsupportedBreakdown(breakdown=",".join(breakdown), metric=w.name)
        for w in wanted:
            if w.needs_100_followers and account.followers_count < 100:
                raise errors.NotEnoughFollowers(metric=w.name)
        if any(w.demographic for w in wanted):
            return self._demographics(account, wanted, params, breakdown), None

        since, until = self._window(params, now)
        if until - since > MAX_RANGE:
            raise errors.RangeTooLong()
        if since < now - HISTORY:
            raise errors.SinceNotValid()
        today = pacific_midnight_at_or_before(now)
        if any(w.name == "follower_count" for w in wanted) and (
            since < today - MAX_RANGE or until > today
        ):
            raise errors.FollowerCountWindow()
        # No data before the account existed, nor for days that have not started yet.
        ends = [e for e in day_ends_between(since, until) if account.created_at <= e - DAY < now]
        data = []
        for w in wanted:
            if metric_type == "total_value":
                item = self._total_value(account, w, period, ends, breakdown, now, since)
            else:
                item = self._time_series(account, w, period, ends, now)
            if item is not None:
                data.append(item)
        return data, (since, until)

    def _window(self, params: Mapping[str, str], now: float) -> tuple[float, float]:
        today = pacific_midnight_at_or_before(now)
        since_raw, until_raw = params.get("since"), params.get("until")
        until = parse_time_param(until_raw, "until") if until_raw else (now if since_raw else today)
        since = parse_time_param(since_raw, "since") if since_raw else until - 2 * DAY
        if since >= until:
            raise errors.InvalidParameter(detail="since must be before until")
        return since, until

    def day_value(self, account: IgAccount, metric: str, end: float, now: float) -> int | None:
        """One day's figure, or None for a day with no data; recent days still move (§4.1)."""
        day_key = int(end) // DAY
        if stable(self.seed, account.insights_seed, "gap", day_key) % 89 == 0:
            return None
        value = shapes.day_figure(metric, account.followers_count, account.converted_at, day_key - 1,
                                  self.posts_on(account, day_key - 1),
                                  (self.seed, account.insights_seed))  # fmt: skip
        age = now - end
        if age < SETTLE_SECONDS:
            # Late-arriving data: the figure grows until it settles, and moves on every read.
            key = (account.id, metric, end)
            self._reads[key] += 1
            moved = self._reads[key] - 1 if value else 0  # a day with nothing stays at nothing
            value = int(value * (0.6 + 0.4 * max(0.0, age) / SETTLE_SECONDS)) + moved
        return value

    def _time_series(
        self, account: IgAccount, w: m.UserMetric, period: str, ends: list[float], now: float
    ) -> dict[str, Any] | None:
        values: list[dict[str, Any]] = []
        for end in ends:
            if w.name == "online_followers":
                if end < now - 31 * DAY:
                    continue
                hours = {
                    str(h): int(account.followers_count * shapes.online_share(h)
                                * shapes.noise(self.seed, account.id, "online", int(end), h))
                    for h in range(24)
                }  # fmt: skip
                values.append({"value": hours, "end_time": graph_time(end)})
                continue
            width = {"day": 1, "week": 7, "days_28": 28}[period]
            daily = [self.day_value(account, w.name, end - i * DAY, now) for i in range(width)]
            if daily[0] is None:
                continue
            values.append({"value": sum(v or 0 for v in daily), "end_time": graph_time(end)})
        if not values:
            return None
        return _metric_item(account.id, w.name, period) | {"values": values}

    def _total_value(
        self,
        account: IgAccount,
        w: m.UserMetric,
        period: str,
        ends: list[float],
        breakdown: list[str],
        now: float,
        since: float,
    ) -> dict[str, Any] | None:
        daily = [self.day_value(account, w.name, end, now) for end in ends]
        present = [v for v in daily if v is not None]
        if not present:
            return None
        item = _metric_item(account.id, w.name, period)
        if w.name == "follows_and_unfollows" and stable(self.seed, account.id, int(since)) % 5 == 0:
            return item  # observed: total_value sometimes missing entirely (§4.1)
        total = sum(present)
        total_value: dict[str, Any] = {"value": total}
        if breakdown:
            total_value["breakdowns"] = [self._split(account.id, w.name, breakdown, total)]
        item["total_value"] = total_value
        return item

    def _split(self, key: str, metric: str, dims: list[str], total: int) -> dict[str, Any]:
        combos = list(itertools.product(*(m.BREAKDOWN_VALUES[d] for d in dims)))
        weights = [stable(self.seed, key, metric, c) % 100 + 1 for c in combos]
        scale = sum(weights)
        results = []
        remaining = total
        for i, (combo, weight) in enumerate(zip(combos, weights, strict=True)):
            share = remaining if i == len(combos) - 1 else total * weight // scale
            remaining -= share
            if share:
                results.append({"dimension_values": list(combo), "value": share})
        return {"dimension_keys": dims, "results": results}

    def _demographics(
        self,
        account: IgAccount,
        wanted: list[m.UserMetric],
        params: Mapping[str, str],
        breakdown: list[str],
    ) -> list[dict[str, Any]]:
        timeframe = params.get("timeframe")
        data = []
        for w in wanted:
            if not timeframe:
                raise errors.TimeframeRequired(metric=w.name)
            valid = (
                m.FOLLOWER_TIMEFRAMES
                if w.name == "follower_demographics"
                else m.AUDIENCE_TIMEFRAMES
            )
            if timeframe not in valid:
                raise errors.InvalidTimeframe(valid=", ".join(valid))
            if not breakdown:
                raise errors.MissingParameter(name="breakdown")
            split = self._split(
                account.id, f"{w.name}:{timeframe}", breakdown, account.followers_count
            )
            split["results"] = sorted(split["results"], key=lambda r: -r["value"])[:45]
            data.append(
                _metric_item(account.id, w.name, "lifetime")
                | {"total_value": {"breakdowns": [split]}}
            )
        return data

    # --- media insights (§4.2) -----------------------------------------------------------

    def media_insights(
        self,
        media: Media,
        account: IgAccount,
        params: Mapping[str, str],
        version: int,
        flavour: Flavour,
        comment_count: int,
        now: float,
        *,
        strict_feed_video: bool,
    ) -> list[dict[str, Any]]:
        """Validate a media insights call; one bad metric fails the whole call (§4.2)."""
        if media.parent_id is not None:
            raise errors.NoInsightsForChildren()
        names = _metric_list(params)
        known = m.media_metric_names(version)
        for index, name in enumerate(names):
            if name not in known:
                raise errors.UnknownMetric(index=index, valid=", ".join(known))
        product = media.media_product_type
        allowed = m.MEDIA_METRICS_BY_PRODUCT[product]
        for name in names:
            if name == "impressions":
                if version >= 22 and product == "FEED":
                    raise errors.ImpressionsRemovedInV22()
                raise errors.MetricNotSupportedForProductType(metric=name)
            if (
                name not in allowed
                or (
                    strict_feed_video
                    and product == "FEED"
                    and media.media_type == "VIDEO"
                    and name in m.FEED_VIDEO_REJECTED
                )
                or (flavour == "instagram" and name in m.FACEBOOK_ONLY_MEDIA_METRICS)
                or version < m.MEDIA_METRIC_SINCE.get(name, 0)
            ):
                raise errors.MetricNotSupportedForProductType(metric=name)
            if name in m.FACEBOOK_SHARE_METRICS and not media.shared_to_facebook:
                raise errors.NotSharedToFacebook(metric=name)
        breakdown = params.get("breakdown")
        refused = [n for n in names if m.MEDIA_BREAKDOWNS.get(n, ("",))[0] != breakdown]
        if breakdown and refused:
            raise errors.UnsupportedBreakdown(breakdown=breakdown, metric=refused[0])
        if media.timestamp < account.converted_at:
            raise errors.MediaPredatesConversion()
        if media.is_story and media.viewers < 5:
            raise errors.NotEnoughViewers()
        data = []
        for name in names:
            value = self.media_value(media, name, comment_count, now)
            item = _metric_item(media.id, name, "lifetime") | {"values": [{"value": value}]}
            if breakdown:
                item["total_value"] = {
                    "value": value,
                    "breakdowns": [self._media_split(media.id, name, breakdown, int(value))],
                }
            data.append(item)
        return data

    def _media_split(self, key: str, metric: str, dim: str, total: int) -> dict[str, Any]:
        values = m.MEDIA_BREAKDOWNS[metric][1]
        # Some actions never happen (weight 0): real answers list only the non-zero buckets (§11).
        weights = [stable(self.seed, key, metric, v) % 7 for v in values]
        weights[0] = weights[0] or 1
        results, remaining = [], total
        for i, (v, weight) in enumerate(zip(values, weights, strict=True)):
            last = i == max(j for j, w in enumerate(weights) if w)
            share = remaining if last else total * weight // sum(weights)
            remaining -= share
            if share:
                results.append({"dimension_values": [v], "value": share})
        return {"dimension_keys": [dim], "results": results}

    def media_value(self, media: Media, name: str, comment_count: int, now: float) -> int | float:
        """Lifetime figure of a media metric: grows over the first week, then holds."""
        growth = min(1.0, max(0.05, (now - media.timestamp) / (7 * DAY)))
        reach = int(media.reach_base * growth)
        views = int(reach * 1.6)
        avg_watch = 3000 + stable(self.seed, media.id, "watch") % 9000
        table: dict[str, int | float] = {
            "reach": reach,
            "views": views,
            "likes": media.like_count,
            "comments": comment_count,
            "saved": media.saved_count,
            "shares": media.shares_count,
            "reposts": media.reposts_count,
            "total_interactions": media.like_count
            + comment_count
            + media.saved_count
            + media.shares_count,
            "follows": reach // 50,
            "profile_visits": reach // 20,
            "profile_activity": reach // 40,
            "navigation": views // 2,
            "replies": media.viewers // 20,
            "ig_reels_avg_watch_time": avg_watch,
            "ig_reels_video_view_total_time": avg_watch * views,
            "reels_skip_rate": round(20 + stable(self.seed, media.id, "skip") % 400 / 10, 1),
            "facebook_views": views // 5,
            "crossposted_views": views // 4,
            "total_likes": media.like_count + media.like_count // 10,
            "total_comments": comment_count,
            "total_views": views + views // 5,
            "link_clicks": reach // 30,
        }
        return table[name]


def _metric_list(params: Mapping[str, str]) -> list[str]:
    names = [n.strip() for n in params.get("metric", "").split(",") if n.strip()]
    if not names:
        raise errors.MissingParameter(name="metric")
    return names


def _metric_item(object_id: str, name: str, period: str) -> dict[str, Any]:
    title = name.replace("_", " ").capitalize()
    return {
        "name": name,
        "period": period,
        "title": title,
        "description": f"{title} ({period}), computed by the sandbox.",
        "id": f"{object_id}/insights/{name}/{period}",
    }
