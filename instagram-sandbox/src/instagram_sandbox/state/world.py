"""The sandbox's world: every object by id, plus the seeded id factory."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from instagram_sandbox.state.insights import stable
from instagram_sandbox.state.models import (
    App,
    Comment,
    Container,
    FacebookUser,
    Hashtag,
    IgAccount,
    Media,
    Page,
)


class IdFactory:
    """Graph-shaped numeric string ids from a seeded generator, never repeated."""

    def __init__(self, rng: random.Random) -> None:
        """Ids come from `rng`, so a seed always yields the same ids."""
        self._rng = rng
        self._used: set[str] = set()

    def make(self, prefix: str, length: int) -> str:
        """A fresh id of `length` digits starting with `prefix`."""
        while True:
            candidate = prefix + "".join(
                str(self._rng.randrange(10)) for _ in range(length - len(prefix))
            )
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def ig_user(self) -> str:
        """IG professional account id: 17841… with 17 digits (§1.3)."""
        return self.make("17841", 17)

    def media(self) -> str:
        """IG media id: 17 digits, as Graph's ids are today (§11)."""
        return self.make("179", 17)

    def comment(self) -> str:
        """IG comment id: 17 digits (§11)."""
        return self.make("178", 17)

    def container(self) -> str:
        """Publishing container id (17 digits)."""
        return self.make("1788", 17)

    def page(self) -> str:
        """Facebook Page id (15 digits)."""
        return self.make("1", 15)

    def person(self) -> str:
        """A commenter's Instagram-scoped id."""
        return self.make("2", 17)


def hashtag_id(name: str) -> str:
    """Hashtag ids are global and static for every app and seed (§1.3)."""
    return "17843" + str(stable("hashtag", name.lower()) % 10**12).zfill(12)


@dataclass
class World:
    """Every object of a loaded scenario."""

    fb_app: App
    ig_app: App
    fb_users: dict[str, FacebookUser] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    accounts: dict[str, IgAccount] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    hashtags: dict[str, Hashtag] = field(default_factory=dict)
    # account id -> {hashtag id: first searched at}; 30 unique per rolling 7 days (§3.10)
    hashtag_searches: dict[str, dict[str, float]] = field(default_factory=dict)
    # printed on start: (label, account id, token)
    starter_tokens: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def apps(self) -> dict[str, App]:
        """Both apps by id."""
        return {self.fb_app.app_id: self.fb_app, self.ig_app.app_id: self.ig_app}

    def kind_of(self, object_id: str) -> str | None:
        """Graph node type of an id, or None when there is no such object."""
        for kind, table in (
            ("IGUser", self.accounts),
            ("IGMedia", self.media),
            ("IGComment", self.comments),
            ("IGContainer", self.containers),
            ("Page", self.pages),
            ("IGHashtag", self.hashtags),
            ("User", self.fb_users),
        ):
            if object_id in table:
                return kind
        return None
