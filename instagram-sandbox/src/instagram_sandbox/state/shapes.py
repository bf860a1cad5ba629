"""Plausible shapes for the demo's series, still deterministic per seed.

A follower base that grows since the account turned professional, a weekly rhythm (weekends
busiest for a coffee shop), days with posts reaching further, a day-night curve of followers
online (a morning and an evening peak) and ±10 % of noise from a stable hash, never from chance.
"""

from __future__ import annotations

import hashlib
import math

DAY = 86400
# Monday … Sunday (Unix day 0, 1970-01-01, was a Thursday)
WEEKDAY = (0.92, 0.94, 0.97, 1.0, 1.07, 1.28, 1.2)
POST_LIFT = 0.45  # a day's reach rises by this share for each post published that day
# Daily levels per metric, as shares of the day's reach (reach itself: followers × 1.8).
SHARES = {"reach": 1.0, "views": 1.75, "accounts_engaged": 0.08, "profile_views": 0.012,
          "website_clicks": 0.002}  # fmt: skip
OTHER_SHARE = 0.02


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def noise(*parts: object) -> float:
    """A stable factor in 0.9–1.1."""
    return 0.9 + (_hash(*parts) % 2001) / 10000


def weekday(day_key: int) -> float:
    """The weekly rhythm of a day (`day_key`: days since 1970-01-01)."""
    return WEEKDAY[(day_key + 3) % 7]


def trend(converted_at: float, day_key: int) -> float:
    """Growth since the account turned professional: 0.7 then, 1.0 six months on."""
    days = day_key - int(converted_at // DAY)
    return 0.7 + 0.3 * min(1.0, max(0, days) / 180)


def day_figure(metric: str, followers: int, converted_at: float, day_key: int, posts: int,
               seed: object) -> int:  # fmt: skip
    """One day's figure of an account metric (before Meta's late-arriving adjustment)."""
    level = trend(converted_at, day_key) * weekday(day_key) * noise(seed, metric, day_key)
    if (
        metric == "follower_count"
    ):  # new followers: about 0.1 % of followers a day, more on post days
        return round(followers / 1000 * level * (1 + POST_LIFT * posts))
    reach = followers * 1.8 * level * (1 + POST_LIFT * posts)
    return int(reach * SHARES.get(metric, OTHER_SHARE))


def online_share(hour: int) -> float:
    """Share of followers online at an hour (account time): peaks near 8:30 and 19:00."""
    morning = math.exp(-(((hour - 8.5) / 2.2) ** 2))
    evening = math.exp(-(((hour - 19) / 2.6) ** 2))
    return 0.04 + 0.2 * max(morning, 1.15 * evening)
