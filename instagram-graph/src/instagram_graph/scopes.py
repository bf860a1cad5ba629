"""Which permission each kind of read needs, and what a token was granted (graph-api.md §1.1, §11).

Permissions are checked per endpoint: a token without the insights scope still reads media. The
tap skips what the token cannot serve; `instagram-auth status` and `tap-instagram --test` list it.
`Grants` is what `debug_token` says the token holds (Facebook Login only: Instagram Login has no
`debug_token`, so there the tap learns a missing permission from the first refusal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from instagram_graph.settings import Login

# The scope each kind of read needs, per login flavour.
SCOPES: dict[str, dict[Login, str]] = {
    "basic": {Login.FACEBOOK: "instagram_basic", Login.INSTAGRAM: "instagram_business_basic"},
    "insights": {
        Login.FACEBOOK: "instagram_manage_insights",
        Login.INSTAGRAM: "instagram_business_manage_insights",
    },
    "comments": {
        Login.FACEBOOK: "instagram_manage_comments",
        Login.INSTAGRAM: "instagram_business_manage_comments",
    },
    "publish": {
        Login.FACEBOOK: "instagram_content_publish",
        Login.INSTAGRAM: "instagram_business_content_publish",
    },
}

# The tap streams each kind of read feeds (tap-instagram's tests check this against its streams).
STREAMS: dict[str, tuple[str, ...]] = {
    "basic": ("accounts", "account_snapshots", "media", "media_children", "media_files", "stories",
              "hashtags", "hashtag_media", "business_discovery", "business_discovery_media",
              "webhook_events", "story_insights_final", "mentions"),
    "insights": ("media_insights", "story_insights", "account_insights", "account_insights_totals",
                 "audience_demographics", "online_followers"),
    "comments": ("comments", "tags"),
    "publish": ("content_publishing_limit",),
}  # fmt: skip


@dataclass(frozen=True)
class Grants:
    """The scopes a token holds, and for granular scopes the Page or IG ids each covers."""

    scopes: frozenset[str]
    targets: Mapping[str, frozenset[str]]

    @classmethod
    def from_debug(cls, info: Mapping[str, Any]) -> Grants | None:
        """From `debug_token` data; None when it lists no scopes (nothing can be concluded)."""
        scopes = info.get("scopes")
        if not isinstance(scopes, list) or not scopes:
            return None
        targets: dict[str, frozenset[str]] = {}
        for entry in info.get("granular_scopes") or []:
            ids = entry.get("target_ids") if isinstance(entry, dict) else None
            if isinstance(ids, list) and ids:
                targets[str(entry.get("scope"))] = frozenset(str(i) for i in ids)
        return cls(frozenset(str(s) for s in scopes), targets)

    def allows(self, scope: str, ids: Iterable[str | None] = ()) -> bool:
        """True when the token holds `scope` (for one of `ids`, when the grant names targets)."""
        if scope not in self.scopes:
            return False
        covered = self.targets.get(scope)
        wanted = {i for i in ids if i}
        return covered is None or not wanted or bool(covered & wanted)

    def missing(self, kind: str, login: Login, ids: Iterable[str | None] = ()) -> str | None:
        """The scope a kind of read needs and the token lacks (for those ids), else None."""
        scope = SCOPES[kind][login]
        return None if self.allows(scope, list(ids)) else scope


def servable(grants: Grants | None, login: Login, ids: Iterable[str | None] = ()) -> dict[str, Any]:
    """For `instagram-auth status` and `--test`: the streams the token can and cannot serve."""
    if grants is None:
        return {"streams_known": False}
    wanted = list(ids)
    can: list[str] = []
    cannot: dict[str, str] = {}
    for kind, names in STREAMS.items():
        lacking = grants.missing(kind, login, wanted)
        for name in names:
            if lacking:
                cannot[name] = f"missing permission {lacking}"
            else:
                can.append(name)
    return {"streams_known": True, "streams_served": can, "streams_not_served": cannot}
