"""Account insights: time series, daily totals with breakdowns, demographics, online followers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers.types import Context

from instagram_graph import BatchOperation
from tap_instagram.client import DAY, InsightStream
from tap_instagram.fetch import AccountData, ok_or_skip
from tap_instagram.metrics import DEMOGRAPHIC_BREAKDOWNS, DEMOGRAPHIC_TIMEFRAMES, TOTALS_BREAKDOWNS
from tap_instagram.run import LOOKBACK_DAYS
from tap_instagram.schema_parts import (
    ACCOUNT_ID,
    BREAKDOWN,
    BREAKDOWN_VALUE,
    SNAPSHOT_DATE,
    TOTAL,
    day_of,
    rfc3339,
    today,
)

log = logging.getLogger(__name__)

MAX_WINDOW = 30 * DAY  # Graph refuses since/until ranges over 30 days
# Still answered but gone from Meta's 2026 reference: asked in a call of its own (graph-api.md §11).
ALONE = ("reached_audience_demographics",)
DEFAULT_HISTORY_DAYS = 30
# Graph answers "since param is not valid" past two years (graph-api.md §10.5): never plan further
# back, whatever start_date or the server's `Date` header say (a far-future Date must not plan
# decades of windows).
MAX_HISTORY_DAYS = 730


def day_floor(seconds: float) -> int:
    """Midnight UTC at or before `seconds`."""
    return int(seconds - seconds % DAY)


class AccountInsightStream(InsightStream):
    """Shared start/end logic: bookmark minus `insights_lookback_days`, else `start_date`."""

    def range_for(self, data: AccountData, *, max_days: int | None = None) -> tuple[int, int]:
        """[start, end) in whole UTC days, ending today at midnight (complete days only)."""
        context = {"account_id": data.account_id}
        now = self.now(context)
        end = day_floor(now)
        if self.end_seconds() is not None:
            end = min(end, day_floor(float(self.end_seconds() or end)))
        lookback = float(self.config.get("insights_lookback_days", LOOKBACK_DAYS))
        start = self.start_seconds(context, back_days=lookback)
        start_day = day_floor(start) if start is not None else end - DEFAULT_HISTORY_DAYS * DAY
        if start_day < end - MAX_HISTORY_DAYS * DAY:
            if not data.history_capped:
                log.warning(
                    "account %s: insights reach back %d days at most (Graph's limit); "
                    "earlier days are not requested", data.account_id, MAX_HISTORY_DAYS,
                )  # fmt: skip
                data.history_capped = True
            start_day = end - MAX_HISTORY_DAYS * DAY
        if max_days is not None:
            start_day = max(start_day, end - max_days * DAY)
        return start_day, end


class AccountInsightsStream(AccountInsightStream):
    """Time-series account metrics (reach, follower_count), one row per metric and day."""

    name = "account_insights"
    primary_keys = ("account_id", "metric", "period", "end_time")
    replication_key = "end_time"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """≤ 30-day windows; follower_count alone, over the last 30 complete days only."""
        metrics = self.run.metrics_for(data.account_id)["account_daily"]
        start, end = self.range_for(data)
        path = f"{data.account_id}/insights"
        ops = []
        series = [m for m in metrics if m != "follower_count"]
        cursor = start
        while series and cursor < end:
            until = min(cursor + MAX_WINDOW, end)
            ops.append(BatchOperation("GET", path, {"metric": ",".join(series), "period": "day",
                                                    "since": cursor, "until": until}, insights=True))  # fmt: skip
            cursor = until
        if "follower_count" in metrics:
            # "last 30 days excluding the current day" — in Graph's (Pacific) day: stop a day early
            f_start, f_end = self.range_for(data, max_days=29)
            f_end -= DAY
            if f_start < f_end:
                ops.append(BatchOperation("GET", path, {"metric": "follower_count", "period": "day",
                                                        "since": f_start, "until": f_end}, insights=True))  # fmt: skip
        return ops

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows sorted by end time; missing days stay missing (never 0)."""
        data = self.data(context)
        rows = {}
        for result in self.insight_results(context):
            body = ok_or_skip(result, data.skips, "account insights")
            for metric in (body or {}).get("data", []):
                for value in metric.get("values", []):
                    row = {"account_id": data.account_id, "metric": metric.get("name"),
                           "period": metric.get("period"), "end_time": rfc3339(value.get("end_time")),
                           "value": value.get("value")}  # fmt: skip
                    rows[(row["metric"], row["end_time"])] = row
        yield from sorted(rows.values(), key=lambda r: (r["end_time"] or "", r["metric"]))

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("metric", th.StringType, required=True),
        th.Property("period", th.StringType, required=True),
        th.Property("end_time", th.DateTimeType, required=True),
        th.Property("value", th.NumberType),
    ).to_dict()


class AccountInsightsTotalsStream(AccountInsightStream):
    """total_value metrics per day, with each breakdown's values as rows."""

    name = "account_insights_totals"
    primary_keys = ("account_id", "metric", "date", "breakdown", "breakdown_value")
    replication_key = "date"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """Per complete day: one call for every metric's total, one per breakdown group.

        Four calls a day is the floor: a total_value over several days is one sum, a breakdown
        fails the whole call for a metric without it, and a combined breakdown is a cross
        product that cannot be summed back for reach (unique accounts). `account_totals_days`
        caps how many days a first sync reads.
        """
        metrics = self.run.metrics_for(data.account_id)["account_totals"]
        cap = self.config.get("account_totals_days")
        first_sync = not self.has_bookmark({"account_id": data.account_id})
        start, end = self.range_for(data, max_days=int(cap) if cap and first_sync else None)
        path = f"{data.account_id}/insights"
        ops = []
        for day in range(start, end, DAY):
            base = {"period": "day", "metric_type": "total_value", "since": day, "until": day + DAY}
            ops.append(
                BatchOperation("GET", path, {**base, "metric": ",".join(metrics)}, insights=True)
            )
            for breakdown, members in TOTALS_BREAKDOWNS.items():
                chosen = [m for m in members if m in metrics]
                if chosen:
                    params = {**base, "metric": ",".join(chosen), "breakdown": breakdown}
                    ops.append(BatchOperation("GET", path, params, insights=True))
        return ops

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows sorted by date; a metric without `total_value` yields no row (never 0)."""
        data = self.data(context)
        rows = []
        for result in data.split_refused(list(self.insight_results(context))):
            metric_names = result.operation.params["metric"]
            body = ok_or_skip(result, data.skips, f"account totals of {metric_names}")
            date = day_of(result.operation.params["since"])
            broken_down = "breakdown" in result.operation.params
            for metric in (body or {}).get("data", []):
                total = metric.get("total_value")
                if not isinstance(total, dict):
                    continue
                base = {"account_id": data.account_id, "metric": metric.get("name"), "date": date}
                if not broken_down:
                    rows.append(
                        {
                            **base,
                            "breakdown": TOTAL,
                            "breakdown_value": TOTAL,
                            "value": total.get("value"),
                        }
                    )
                for breakdown in total.get("breakdowns", []) if broken_down else []:
                    keys = ",".join(breakdown.get("dimension_keys", []))
                    for item in breakdown.get("results", []):
                        rows.append({**base, "breakdown": keys, "value": item.get("value"),
                                     "breakdown_value": ",".join(item.get("dimension_values", []))})  # fmt: skip
        yield from sorted(
            rows, key=lambda r: (r["date"] or "", r["metric"], r["breakdown"], r["breakdown_value"])
        )

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("metric", th.StringType, required=True),
        th.Property("date", th.DateType, required=True),
        BREAKDOWN,
        BREAKDOWN_VALUE,
        th.Property("value", th.NumberType),
    ).to_dict()


class AudienceDemographicsStream(AccountInsightStream):
    """Follower, engaged and reached audiences by age, city, country and gender, per timeframe."""

    name = "audience_demographics"
    primary_keys = ("account_id", "metric", "timeframe", "breakdown", "key", "snapshot_date")
    replication_key = None

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """Breakdown × timeframe, for the metrics that may share a call (a call each otherwise).

        `reached_audience_demographics` is no longer in Meta's reference (graph-api.md §11): it
        goes alone, so a refusal of it costs no other metric. Accounts under 100 followers are
        skipped and counted.
        """
        path = f"{data.account_id}/insights"
        metrics = self.run.metrics_for(data.account_id)["account_demographics"]
        groups = [[m for m in metrics if m not in ALONE], *([m] for m in metrics if m in ALONE)]
        return [
            BatchOperation("GET", path, {"metric": ",".join(group), "period": "lifetime", "metric_type": "total_value",
                                         "timeframe": timeframe, "breakdown": breakdown}, insights=True)
            for group in groups if group
            for breakdown in DEMOGRAPHIC_BREAKDOWNS
            for timeframe in DEMOGRAPHIC_TIMEFRAMES
        ]  # fmt: skip

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """One row per metric, timeframe, breakdown and key.

        A shared call Graph refuses is asked again one metric at a time.
        """
        data, snapshot = self.data(context), today(self.now(context))
        for result in data.split_refused(list(self.insight_results(context))):
            body = ok_or_skip(result, data.skips, "audience demographics")
            for metric in (body or {}).get("data", []):
                for breakdown in (metric.get("total_value") or {}).get("breakdowns", []):
                    keys = breakdown.get("dimension_keys", [])
                    for item in breakdown.get("results", []):
                        values = dict(zip(keys, item.get("dimension_values", []), strict=False))
                        values.pop("timeframe", None)
                        yield {"account_id": data.account_id, "metric": metric.get("name"),
                               "timeframe": result.operation.params["timeframe"],
                               "breakdown": ",".join(k for k in keys if k != "timeframe"),
                               "key": ",".join(values.values()), "value": item.get("value"),
                               "snapshot_date": snapshot}  # fmt: skip

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("metric", th.StringType, required=True),
        th.Property("timeframe", th.StringType, required=True),
        th.Property("breakdown", th.StringType, required=True),
        th.Property("key", th.StringType, required=True),
        SNAPSHOT_DATE,
        th.Property("value", th.NumberType),
    ).to_dict()


class OnlineFollowersStream(AccountInsightStream):
    """Followers online per hour of each day (last 30 days at most)."""

    name = "online_followers"
    primary_keys = ("account_id", "date", "hour")
    replication_key = "date"
    is_sorted = False  # re-reads reach back past the bookmark (lookback / refresh window)

    def build_operations(self, data: AccountData) -> list[BatchOperation]:
        """One call over the days not yet read, within Graph's 30 days."""
        start, end = self.range_for(data, max_days=28)
        if start >= end:
            return []
        return [BatchOperation("GET", f"{data.account_id}/insights", {"metric": "online_followers",
                               "period": "lifetime", "since": start, "until": end}, insights=True)]  # fmt: skip

    def read_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Rows by date and hour; hours Graph did not report are not invented."""
        data = self.data(context)
        rows: list[dict[str, Any]] = []
        for result in self.insight_results(context):
            body = ok_or_skip(result, data.skips, "online followers")
            for metric in (body or {}).get("data", []):
                for value in metric.get("values", []):
                    per_hour = value.get("value")
                    if not isinstance(per_hour, dict):
                        continue
                    date = day_of(value.get("end_time"))
                    rows.extend({"account_id": data.account_id, "date": date, "hour": int(hour), "value": count}
                                for hour, count in per_hour.items())  # fmt: skip
        yield from sorted(rows, key=lambda r: (r["date"] or "", r["hour"]))

    schema = th.PropertiesList(
        ACCOUNT_ID,
        th.Property("date", th.DateType, required=True),
        th.Property("hour", th.IntegerType, required=True),
        th.Property("value", th.IntegerType),
    ).to_dict()
