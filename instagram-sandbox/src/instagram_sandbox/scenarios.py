"""Seeded scenarios: `demo`, `large`, `xlarge`, `agency` and `empty` worlds, laid out relative to the clock's start."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import accumulate

from instagram_sandbox.state.models import (
    FB_SCOPES,
    IG_SCOPES,
    App,
    Comment,
    FacebookUser,
    IgAccount,
    Media,
    Page,
    Token,
)
from instagram_sandbox.state.tokens import DAY, LONG_LIVED_SECONDS, TokenRegistry
from instagram_sandbox.state.world import IdFactory, World

HOUR = 3600
_WORDS = [
    "coffee",
    "latte",
    "espresso",
    "morning",
    "roast",
    "beans",
    "barista",
    "cozy",
    "weekend",
    "pastry",
    "oat",
    "flat-white",
    "pour-over",
    "sunrise",
    "friends",
    "new",
    "menu",
    "autumn",
    "cold-brew",
    "crema",
    "cup",
]
_TAGS = ("coffee", "latteart", "espresso", "coffeetime", "barista", "acmecoffee", "specialtycoffee")
_NAMES = (
    "mia", "noah", "lena", "omar", "sofia", "liam", "ava", "kai", "zoe", "ravi", "ines", "tom",
    "yuki", "ana", "ben", "chloe", "dev", "emma", "finn", "gia",
)  # fmt: skip
_REPLIES = ("Thank you!", "See you soon ☕", "So glad you liked it", "Come by this weekend!")


class _Builder:
    """Shared generators for all scenarios."""

    def __init__(self, seed: int, now: float, tokens: TokenRegistry, name: str) -> None:
        self.rng = random.Random(f"{name}:{seed}")
        self.ids = IdFactory(self.rng)
        self.now = now
        self.tokens = tokens
        fb_app = App(self.ids.make("8", 15), self._hex(32), "Sandbox Demo App", "facebook")
        ig_app = App(self.ids.make("9", 15), self._hex(32), "Sandbox Instagram App", "instagram")
        self.world = World(fb_app=fb_app, ig_app=ig_app)
        self.people = [(self.ids.person(), f"{n}.{self.rng.randrange(10, 99)}") for n in _NAMES * 2]

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def caption(self) -> str:
        words = " ".join(self.rng.choice(_WORDS) for _ in range(self.rng.randrange(4, 12)))
        tags = " ".join(f"#{t}" for t in self.rng.sample(_TAGS, self.rng.randrange(0, 4)))
        return f"{words.capitalize()} {tags}".strip()

    def account(self, username: str, name: str, followers: int, *, login: str = "facebook",
                account_type: str = "BUSINESS", public_only: bool = False, age_days: int = 900,
                converted_days: int | None = None) -> IgAccount:  # fmt: skip
        acct = IgAccount(
            id=self.ids.ig_user(),
            ig_id=self.ids.make("5", 11),
            username=username,
            name=name,
            biography=f"{name} · sandbox account",
            website=f"https://{username}.example",
            followers_count=followers,
            follows_count=self.rng.randrange(50, 900),
            account_type=account_type,
            login="instagram" if login == "instagram" else "facebook",
            created_at=self.now - age_days * DAY,
            converted_at=self.now
            - (converted_days if converted_days is not None else age_days) * DAY,
            app_scoped_id=self.ids.make("2", 17),
            public_only=public_only,
            impressions=max(1, followers // 10),
            insights_seed=self.rng.randrange(10**9),
        )
        self.world.accounts[acct.id] = acct
        return acct

    def page(self, name: str, account: IgAccount | None) -> Page:
        page = Page(self.ids.page(), name, "Coffee shop", account.id if account else None)
        self.world.pages[page.id] = page
        if account:
            account.page_id = page.id
        return page

    def media(self, owner: IgAccount, kinds: list[str], span_days: float, *,
              newest_age: float = 3 * HOUR, oldest_age: float | None = None) -> list[Media]:  # fmt: skip
        """Media of the given kinds (IMAGE, VIDEO, CAROUSEL, REELS), newest first."""
        oldest = oldest_age if oldest_age is not None else span_days * DAY
        ages = sorted(self.rng.uniform(newest_age, oldest) for _ in kinds)
        if ages:
            ages[0], ages[-1] = newest_age, oldest
        made = []
        for kind, age in zip(self.rng.sample(kinds, len(kinds)), ages, strict=True):
            made.append(self._one_media(owner, kind, self.now - age))
        owner.media_ids.extend(x.id for x in made)
        return made

    def _one_media(
        self, owner: IgAccount, kind: str, ts: float, product: str | None = None
    ) -> Media:
        media_type = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO"}.get(kind, kind)
        reach = self.rng.randrange(200, 5000) * max(1, owner.followers_count // 5000)
        reach = int(reach * {"REELS": 2.5, "CAROUSEL": 1.3}.get(kind, 1.0))  # reels reach furthest
        item = Media(
            id=self.ids.media(),
            owner_id=owner.id,
            media_type=media_type,
            media_product_type=product or ("REELS" if kind == "REELS" else "FEED"),
            timestamp=ts,
            caption=self.caption(),
            shortcode=self._shortcode(),
            like_count=reach // self.rng.randrange(5, 20),
            likes_hidden=self.rng.random() < 0.05,
            is_shared_to_feed=kind == "REELS" and self.rng.random() < 0.7,
            shared_to_facebook=kind == "REELS" and self.rng.random() < 0.5,
            media_audio_type=("MUSIC" if self.rng.random() < 0.5 else "ORIGINAL_SOUND")
            if media_type == "VIDEO" else None,
            alt_text="A cup of coffee on a wooden table" if media_type == "IMAGE" else None,
            reach_base=reach,
            saved_count=reach // 40,
            shares_count=reach // 60,
            reposts_count=reach // 300,
            view_count=reach * 2 if kind == "REELS" else 0,
        )  # fmt: skip
        self.world.media[item.id] = item
        if media_type == "CAROUSEL_ALBUM":
            for i in range(3):
                child_type = "VIDEO" if i == 2 and self.rng.random() < 0.3 else "IMAGE"
                child = Media(
                    id=self.ids.media(), owner_id=owner.id, media_type=child_type,
                    media_product_type="FEED", timestamp=ts, shortcode=self._shortcode(),
                    parent_id=item.id, comment_enabled=False,
                )  # fmt: skip
                self.world.media[child.id] = child
                item.children.append(child.id)
        return item

    def _shortcode(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        return "".join(self.rng.choice(alphabet) for _ in range(11))

    def comments(
        self, owner: IgAccount, media: list[Media], count: int, *, reply_share: float = 1 / 3
    ) -> None:
        """`count` top-level comments, a share of them with replies, about 5% hidden."""
        if not media:
            return
        weights = [1.0 / (1 + i / 10) for i in range(len(media))]  # recent media get more
        cumulative = list(accumulate(weights))  # what `choices` builds from weights, built once
        for _ in range(count):
            target = self.rng.choices(media, cum_weights=cumulative)[0]
            person_id, username = self.rng.choice(self.people)
            ts = self.rng.uniform(target.timestamp, self.now - 60)
            top = self._comment(target, person_id, username, ts, None)
            top.hidden = self.rng.random() < 0.05
            if self.rng.random() < reply_share:
                for _ in range(self.rng.randrange(1, 3)):
                    by_owner = self.rng.random() < 0.6
                    pid, uname = (
                        (owner.id, owner.username) if by_owner else self.rng.choice(self.people)
                    )
                    reply = self._comment(
                        target, pid, uname, self.rng.uniform(ts, self.now - 30), top.id
                    )
                    reply.by_owner = by_owner
                    reply.text = self.rng.choice(_REPLIES) if by_owner else self.caption()[:80]

    def _comment(
        self, media: Media, from_id: str, username: str, ts: float, parent: str | None
    ) -> Comment:
        comment = Comment(
            id=self.ids.comment(), media_id=media.id, text=self.caption()[:120], timestamp=ts,
            from_id=from_id, username=username, parent_id=parent,
            like_count=self.rng.randrange(0, 25),
        )  # fmt: skip
        self.world.comments[comment.id] = comment
        if parent:
            self.world.comments[parent].reply_ids.append(comment.id)
        else:
            media.comment_ids.append(comment.id)
        return comment

    def stories(self, owner: IgAccount, ages_hours: list[float], viewers: list[int]) -> None:
        for age, seen in zip(ages_hours, viewers, strict=True):
            kind = "IMAGE" if self.rng.random() < 0.6 else "VIDEO"
            story = self._one_media(owner, kind, self.now - age * HOUR, product="STORY")
            story.caption = ""
            story.viewers = seen
            story.alt_text = None
            owner.story_ids.append(story.id)

    def facebook_user(self, name: str, pages: list[Page], label_accounts: list[IgAccount]) -> Token:
        user = FacebookUser(self.ids.make("10", 15), name, [p.id for p in pages])
        self.world.fb_users[user.id] = user
        token = self.tokens.issue(
            "fb_user_long", self.world.fb_app, user.id, FB_SCOPES,
            lifetime=LONG_LIVED_SECONDS, issued_at=self.now - DAY,
        )  # fmt: skip
        for page in pages:
            self.tokens.issue(
                "page",
                self.world.fb_app,
                page.id,
                FB_SCOPES,
                lifetime=None,
                issued_at=self.now - DAY,
            )
        for acct in label_accounts:
            self.world.starter_tokens.append(
                (f"{acct.username} (Facebook Login)", acct.id, token.value)
            )
        return token

    def instagram_login_token(self, acct: IgAccount, *, age_days: float = 2) -> None:
        token = self.tokens.issue(
            "ig_long", self.world.ig_app, acct.id, IG_SCOPES,
            lifetime=LONG_LIVED_SECONDS, issued_at=self.now - age_days * DAY,
        )  # fmt: skip
        self.world.starter_tokens.append(
            (f"{acct.username} (Instagram Login)", acct.id, token.value)
        )


def build_demo(b: _Builder) -> None:
    """The demo world described in the README."""
    acme = b.account("acmecoffee", "Acme Coffee", 12840, converted_days=118)
    kinds = ["IMAGE"] * 40 + ["CAROUSEL"] * 10 + ["REELS"] * 10
    media = b.media(acme, kinds, 120, oldest_age=119.5 * DAY)
    media[1].timestamp = max(
        media[1].timestamp, b.now - 20 * HOUR
    )  # two API posts in the last 24 h
    for recent in media[:2]:
        recent.published_via_api = True
    media[5].comment_enabled = False
    b.comments(acme, media, 300)
    b.stories(acme, [2, 8, 20, 30, 50], [250, 3, 120, 90, 60])  # the last two have expired
    taggers = [
        b.account(f"{n}.roasts", f"{n.title()} Roasts", 900, public_only=True) for n in _NAMES[:4]
    ]
    for i, tagger in enumerate(taggers):
        tagged = b.media(tagger, ["IMAGE", "IMAGE"], 60, newest_age=(i + 1) * 5 * HOUR)
        acme.tagged_media_ids.extend(t.id for t in tagged)
        b.comments(tagger, tagged, 3, reply_share=0)
    acme.mentioned_media_ids.extend(acme.tagged_media_ids[:2])
    bakery = b.account("acmebakery", "Acme Bakery", 80, age_days=200)
    bakery_media = b.media(bakery, ["IMAGE"] * 10 + ["REELS"] * 2, 30)
    b.comments(bakery, bakery_media, 20)
    creator = b.account(
        "lena.creates", "Lena Creates", 5400, login="instagram", account_type="MEDIA_CREATOR"
    )
    creator_media = b.media(creator, ["IMAGE"] * 10 + ["REELS"] * 5, 45)
    b.comments(creator, creator_media, 40)
    b.stories(creator, [5], [40])
    bluebottle = b.account("bluebottle", "Blue Bottle Coffee", 267788, public_only=True)
    b.media(bluebottle, ["IMAGE"] * 30 + ["REELS"] * 7 + ["CAROUSEL"] * 3, 90)
    blackbird = b.account("blackbirdcoffee", "Blackbird Coffee", 4100, public_only=True)
    invited = b.media(blackbird, ["IMAGE"] * 8, 20)
    acme.collab_invites = {m.id: "pending" for m in invited[:3]}  # blackbird named acme
    pages = [
        b.page("Acme Coffee", acme),
        b.page("Acme Bakery", bakery),
        b.page("Acme Fan Club", None),
    ]
    b.facebook_user("Dana Demo", pages, [acme, bakery])
    b.instagram_login_token(creator)


def build_large(b: _Builder) -> None:
    """One account with 5,000 media and 50,000 comments, for benchmarks."""
    big = b.account("bigbrand", "Big Brand", 250000, converted_days=1200, age_days=1200)
    kinds = ["IMAGE"] * 3500 + ["CAROUSEL"] * 500 + ["REELS"] * 1000
    media = b.media(big, kinds, 1100)
    b.comments(big, media, 50000, reply_share=0.1)
    b.stories(big, [1, 6, 12], [900, 800, 700])
    b.facebook_user("Bea Bench", [b.page("Big Brand", big)], [big])


def build_xlarge(b: _Builder) -> None:
    """One account with 15,000 media (Graph lists the newest 10,000) and 150,000 comments."""
    big = b.account("hugebrand", "Huge Brand", 900000, converted_days=3300, age_days=3300)
    kinds = ["IMAGE"] * 10500 + ["CAROUSEL"] * 1500 + ["REELS"] * 3000
    media = b.media(big, kinds, 3300)
    b.comments(big, media, 150000, reply_share=0.1)
    b.stories(big, [2, 9], [900, 800])
    b.facebook_user("Hal Huge", [b.page("Huge Brand", big)], [big])


AGENCY_FACEBOOK, AGENCY_INSTAGRAM = 150, 50


def build_agency(b: _Builder) -> None:
    """An agency's 200 client accounts, of mixed sizes and login kinds.

    150 come through one Facebook Login user, 50 are creators each with an Instagram Login token.
    Mostly small, twenty medium, four big. The agency's token was not granted insights for five of
    its accounts, and one creator's token expired 10 days ago.
    """
    clients = [_agency_account(b, i, "facebook") for i in range(AGENCY_FACEBOOK)]
    token = b.facebook_user("Avery Agency", [b.page(f"{a.name} Page", a) for a in clients], clients)
    forbidden = {clients[i].id for i in (7, 33, 61, 88, 140)}
    token.scope_targets["instagram_manage_insights"] = tuple(
        a.id for a in clients if a.id not in forbidden
    )
    for i in range(AGENCY_INSTAGRAM):
        creator = _agency_account(b, AGENCY_FACEBOOK + i, "instagram")
        b.instagram_login_token(creator, age_days=70 if i == 12 else 2)  # 60-day tokens


def _agency_account(b: _Builder, i: int, login: str) -> IgAccount:
    """Client `i`: big every 50th, medium every 10th, else small; a few under 100 followers."""
    media, comments = (
        (600, 3000) if i % 50 == 0 else (120, 600) if i % 10 == 5 else (8 + i * 7 % 30, 40)
    )
    followers = 80 if i % 7 == 3 else 500 + i * 37 % 20000
    acct = b.account(f"client{i:03d}", f"Client {i:03d}", followers, login=login,
                     account_type="MEDIA_CREATOR" if login == "instagram" else "BUSINESS",
                     age_days=400, converted_days=400)  # fmt: skip
    kinds = ["IMAGE"] * (media * 7 // 10) + ["CAROUSEL"] * (media // 10)
    made = b.media(acct, kinds + ["REELS"] * (media - len(kinds)), 360)
    b.comments(acct, made, comments, reply_share=0.1)
    if i % 10 == 0:
        b.stories(acct, [3, 11], [400, 60])
    return acct


def build_empty(b: _Builder) -> None:
    """An account with no media, stories or comments."""
    quiet = b.account("quietshop", "Quiet Shop", 150, age_days=40)
    b.facebook_user("Quinn Quiet", [b.page("Quiet Shop", quiet)], [quiet])


SCENARIOS: dict[str, Callable[[_Builder], None]] = {
    "demo": build_demo,
    "large": build_large,
    "xlarge": build_xlarge,
    "agency": build_agency,
    "empty": build_empty,
}


def build(name: str, seed: int, now: float, tokens: TokenRegistry) -> World:
    """Build a scenario's world; the same name, seed and start time give the same world."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    builder = _Builder(seed, now, tokens, name)
    SCENARIOS[name](builder)
    return builder.world
