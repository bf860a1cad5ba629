"""Opt-in reads of other people's content: configured hashtags and Business Discovery profiles.

Each is read once per run and account, and shared by the streams that emit it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from instagram_graph import GraphClient
from instagram_graph.errors import SkippableError
from tap_instagram.skips import Skips

DISCOVERY_FIELDS = "id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count"
DISCOVERY_MEDIA_FIELDS = "id,caption,like_count,comments_count,media_type,media_product_type,permalink,timestamp,view_count"


def discovery_expression(username: str, after: str | None) -> str:
    """`business_discovery.username(x){…,media.limit(50)[.after(c)]{…}}`."""
    media = "media.limit(50)" + (f".after({after})" if after else "")
    return f"business_discovery.username({username}){{{DISCOVERY_FIELDS},{media}{{{DISCOVERY_MEDIA_FIELDS}}}}}"


class Discovery:
    """Hashtag ids and discovered profiles, per account, read on first use."""

    def __init__(
        self, client_for: Callable[[str], GraphClient], config: Mapping[str, Any], skips: Skips
    ) -> None:
        """Nothing is read until a stream asks; each account is read with its own credential."""
        self.client_for, self.skips = client_for, skips
        self.hashtags: list[str] = list(config.get("hashtags") or [])
        self.usernames: list[str] = list(config.get("business_discovery_usernames") or [])
        self._hashtags: dict[str, list[dict[str, str]]] = {}
        self._discovered: dict[str, dict[str, dict[str, Any] | None]] = {}

    def hashtag_ids(self, account_id: str) -> list[dict[str, str]]:
        """The configured hashtags' ids (searched once per run)."""
        if account_id not in self._hashtags:
            found: list[dict[str, str]] = []
            for name in self.hashtags:
                try:
                    answer = self.client_for(account_id).get("ig_hashtag_search", user_id=account_id,
                                             q=name.lstrip("#"), account=account_id)  # fmt: skip
                except SkippableError as exc:
                    self.skips.add(f"hashtag {name!r} not found", exc)
                    continue
                found.extend(  # Graph's own spelling of the name when it gives one (§11)
                    {"id": str(item["id"]), "name": str(item.get("name") or name.lstrip("#"))}
                    for item in answer.get("data", [])
                    if isinstance(item, dict) and item.get("id")
                )
            self._hashtags[account_id] = found
        return self._hashtags[account_id]

    def profiles(self, account_id: str) -> dict[str, dict[str, Any] | None]:
        """Business Discovery profiles with their first media page (read once per run)."""
        if account_id not in self._discovered:
            out: dict[str, dict[str, Any] | None] = {}
            for username in self.usernames:
                try:
                    answer = self.client_for(account_id).get(account_id, fields=discovery_expression(username, None),
                                             account=account_id)  # fmt: skip
                    out[username] = answer.get("business_discovery")
                except SkippableError as exc:
                    self.skips.add(f"business discovery of {username!r}", exc)
                    out[username] = None
            self._discovered[account_id] = out
        return self._discovered[account_id]

    def media(
        self, account_id: str, username: str, profile: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """All media of a discovered profile: further pages via `.after(cursor)` (cursors only)."""
        edge = profile.get("media") or {}
        items = list(edge.get("data", []))
        after = (edge.get("paging") or {}).get("cursors", {}).get("after")
        while after and edge.get("data"):
            answer = self.client_for(account_id).get(
                account_id, fields=discovery_expression(username, after), account=account_id
            )
            edge = (answer.get("business_discovery") or {}).get("media") or {}
            items.extend(edge.get("data", []))
            nxt = (edge.get("paging") or {}).get("cursors", {}).get("after")
            after = nxt if nxt != after else None
        return items
