"""`GraphBackend`: owns the world and all behaviour — access, reads, moderation, quotas."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from instagram_sandbox import errors, scenarios
from instagram_sandbox.clock import SandboxClock, graph_time
from instagram_sandbox.state.comment_order import CommentOrder
from instagram_sandbox.state.comment_rules import comment_text_problem
from instagram_sandbox.state.insights import InsightsEngine
from instagram_sandbox.state.models import Comment, Container, IgAccount, Media, Page, Token
from instagram_sandbox.state.ratelimit import RateLimitConfig, RateLimiter
from instagram_sandbox.state.tokens import DAY, TokenRegistry
from instagram_sandbox.state.world import IdFactory, World

STORY_LIFETIME = DAY
HASHTAG_WINDOW = 7 * DAY
HASHTAG_BUDGET = 30

# Permission each kind of call needs, per login flavour (§1.1).
PERMISSIONS = {
    "basic": {"facebook": "instagram_basic", "instagram": "instagram_business_basic"},
    "insights": {
        "facebook": "instagram_manage_insights",
        "instagram": "instagram_business_manage_insights",
    },
    "comments": {
        "facebook": "instagram_manage_comments",
        "instagram": "instagram_business_manage_comments",
    },
    "publish": {
        "facebook": "instagram_content_publish",
        "instagram": "instagram_business_content_publish",
    },
    "contents": {"facebook": "instagram_manage_contents", "instagram": "instagram_manage_contents"},
    "engagement": {
        "facebook": "instagram_manage_engagement",
        "instagram": "instagram_manage_engagement",
    },
    "pages": {"facebook": "pages_show_list", "instagram": "pages_show_list"},
}


@dataclass
class SandboxConfig:
    """Behaviour switches; the control API changes them at run time."""

    default_version: int = 25
    require_appsecret_proof: bool = False
    appsecret_on_instagram: bool = True
    video_processing_seconds: int = 30
    image_processing_seconds: int = 0
    strict_feed_video: bool = True
    last_page_cursors: bool = True
    echo_header_token_in_next: bool = False
    instagram_batch: bool = True
    # Page-linked accounts whose /media needs pages_read_engagement (§11; which accounts is unknown)
    media_requires_page_permission: bool = False
    # Media whose video is gone: their copyright_check_information answers 9005 (§11)
    video_gone_media_ids: list[str] = field(default_factory=list)
    # A read whose answer holds more objects than this answers code 1 "Please reduce the amount
    # of data" (§11; Meta publishes no figure, so this is a switch). 0 turns the rule off.
    max_answer_objects: int = 2000
    # How long a media_url / thumbnail_url stays valid before the CDN answers 403 (§11)
    cdn_url_lifetime_seconds: int = 2 * 86400
    # Fetch image_url / video_url at container creation as Meta does (9004 unless 200; images
    # must be JPEG bytes). Off by default: the sandbox usually has no network to fetch from.
    fetch_media_urls: bool = False
    # How Graph tells a resumed upload its offset (§6.1, unconfirmed): "query" answers GET on the
    # upload URI; "mismatch" refuses it, and only a chunk sent at a wrong offset is told the offset.
    rupload_resume: str = "mismatch"
    # Comment text rules of the retired v1 API (300 characters, 4 hashtags, 1 URL, not all
    # capitals; §11: current references state none). On: Graph refuses such comments (code 100).
    comment_text_rules: bool = True
    ratelimit: RateLimitConfig = field(default_factory=RateLimitConfig)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a control-API patch; unknown keys are an error naming the valid ones."""
        for key, value in values.items():
            if hasattr(self.ratelimit, key):
                setattr(self.ratelimit, key, type(getattr(self.ratelimit, key))(value))
            elif key in self.__dataclass_fields__ and key != "ratelimit":
                setattr(self, key, type(getattr(self, key))(value))
            else:
                valid = sorted([*self.__dataclass_fields__, *RateLimitConfig.__dataclass_fields__])
                raise ValueError(f"unknown setting {key!r}; valid settings: {', '.join(valid)}")


class GraphBackend:
    """The emulated Graph service. Routes call it; it raises `SandboxError`s."""

    def __init__(
        self, scenario: str, seed: int, clock: SandboxClock, config: SandboxConfig | None = None
    ) -> None:
        """Load `scenario` with `seed`, laid out relative to the clock's start."""
        self.scenario = scenario
        self.seed = seed
        self.clock = clock
        self.config = config or SandboxConfig()
        self.lock = threading.RLock()
        self.load()

    def load(self) -> None:
        """(Re)build the world from the scenario; all runtime state starts afresh."""
        with self.lock:
            self.tokens = TokenRegistry(self.clock, self.seed)
            self.world: World = scenarios.build(
                self.scenario, self.seed, self.clock.start, self.tokens
            )
            self.ids = IdFactory(random.Random(f"runtime:{self.scenario}:{self.seed}"))
            self.insights = InsightsEngine(self.seed, self._post_times)
            self.rate = RateLimiter(self.config.ratelimit)
            self.writes: list[dict[str, Any]] = []
            self.changes: list[dict[str, Any]] = []  # webhook changes not yet delivered
            self.uploads: dict[str, Any] = {}  # container id → its resumable upload
            self.likes: set[tuple[str, str]] = set()  # (account id, media or comment id)
            self.after_only_sessions: dict[str, int] = {}
            self.comment_order = CommentOrder(self.world.comments)
            self.cdn_secret = f"cdn:{self.scenario}:{self.seed}"  # signs CDN links (`oh`)
            self._trace = 0

    def _post_times(self, acct: IgAccount) -> Iterable[float]:
        return (self.world.media[m].timestamp for m in acct.media_ids)

    def now(self) -> float:
        """Sandbox time."""
        return self.clock.now()

    def fbtrace_id(self) -> str:
        """A fresh trace id for an error body or the `x-fb-trace-id` header."""
        with self.lock:
            self._trace += 1
            return f"Sbx{self.seed:04d}{self._trace:08d}"

    # --- access --------------------------------------------------------------------------

    def require(self, token: Token, need: str, account_id: str | None = None) -> None:
        """Raise the permission error a token without the scope for `need` (for that account) gets."""
        scope = PERMISSIONS[need][token.flavour]
        targets = token.scope_targets.get(scope)
        if scope not in token.scopes or (targets is not None and account_id not in targets):
            if need == "insights":
                raise errors.PermissionDenied()
            raise errors.MissingPermission(permission=scope)

    def reachable_accounts(self, token: Token) -> set[str]:
        """IG accounts a token may act for."""
        w = self.world
        if token.kind.startswith("ig_"):
            return {token.subject_id}
        if token.kind == "page":
            page = w.pages.get(token.subject_id)
            return {page.ig_account_id} if page and page.ig_account_id else set()
        user = w.fb_users.get(token.subject_id)
        if user is None:
            return set()
        return {acct for p in user.page_ids if (acct := w.pages[p].ig_account_id) is not None}

    def pages_of(self, token: Token) -> list[Page]:
        """Pages on a Facebook user token's `/me/accounts`."""
        user = self.world.fb_users.get(token.subject_id)
        return [self.world.pages[p] for p in user.page_ids] if user else []

    def account(self, account_id: str, token: Token) -> IgAccount:
        """An IG account the token can act for."""
        acct = self.world.accounts.get(account_id)
        if acct is None or acct.id not in self.reachable_accounts(token):
            raise errors.UnsupportedGetRequest(object_id=account_id)
        return acct

    def media(self, media_id: str, token: Token, *, write: bool = False) -> Media:
        """Media the token's accounts own, are tagged in or mentioned in (read-only for those)."""
        item = self.world.media.get(media_id)
        reachable = self.reachable_accounts(token)
        if item is None or item.deleted or (item.is_story and not self.story_active(item)):
            raise errors.UnsupportedGetRequest(object_id=media_id)
        if item.owner_id in reachable:
            return item
        visible = any(
            media_id
            in self.world.accounts[a].tagged_media_ids + self.world.accounts[a].mentioned_media_ids
            for a in reachable
        )
        if visible and not write:
            return item
        raise errors.UnsupportedGetRequest(object_id=media_id)

    def comment(self, comment_id: str, token: Token) -> Comment:
        """A live comment on media the token can see."""
        comment = self.world.comments.get(comment_id)
        if comment is None or comment.deleted:
            raise errors.UnsupportedGetRequest(object_id=comment_id)
        self.media(comment.media_id, token)
        return comment

    def container(self, container_id: str, token: Token) -> Container:
        """A publishing container of one of the token's accounts."""
        box = self.world.containers.get(container_id)
        if box is None or box.owner_id not in self.reachable_accounts(token):
            raise errors.UnsupportedGetRequest(object_id=container_id)
        return box

    # --- edges ---------------------------------------------------------------------------

    def story_active(self, item: Media) -> bool:
        """Stories are visible for 24 h of sandbox time (§3.5)."""
        return self.now() - item.timestamp < STORY_LIFETIME

    def media_of(self, acct: IgAccount) -> list[Media]:
        """Top-level feed/reels media, newest first, without deleted ones."""
        items = [self.world.media[m] for m in acct.media_ids]
        live = [m for m in items if not m.deleted and m.timestamp <= self.now()]
        return sorted(live, key=lambda m: (m.timestamp, m.id), reverse=True)

    def stories_of(self, acct: IgAccount) -> list[Media]:
        """Active stories, newest first."""
        items = [self.world.media[s] for s in acct.story_ids]
        live = [
            s for s in items if not s.deleted and self.story_active(s) and s.timestamp <= self.now()
        ]
        return sorted(live, key=lambda m: (m.timestamp, m.id), reverse=True)

    def tagged_of(self, acct: IgAccount) -> list[Media]:
        """Media the account is tagged in, newest first."""
        items = [
            self.world.media[m] for m in acct.tagged_media_ids if not self.world.media[m].deleted
        ]
        return sorted(items, key=lambda m: (m.timestamp, m.id), reverse=True)

    def comments_of(self, item: Media) -> list[Comment]:
        """Top-level comments, reverse chronological (§3.6)."""
        return self.comment_order.thread(item.id, item.comment_ids)

    def replies_of(self, comment: Comment) -> list[Comment]:
        """Replies, reverse chronological."""
        return self.comment_order.thread(comment.id, comment.reply_ids)

    def comment_count(self, item: Media) -> int:
        """`comments_count`: top-level comments plus replies (§3.3)."""
        top = self.comments_of(item)
        return len(top) + sum(len(self.replies_of(c)) for c in top)

    # --- moderation writes (§6.2, §6.3) ----------------------------------------------------

    def record_write(
        self, kind: str, account_id: str, object_id: str, **details: Any
    ) -> dict[str, Any]:
        """Append to the write log that `GET /__sandbox/writes` shows."""
        entry = {
            "seq": len(self.writes) + 1,
            "at": graph_time(self.now()),
            "kind": kind,
            "account_id": account_id,
            "object_id": object_id,
            **details,
        }
        self.writes.append(entry)
        return entry

    def create_comment(
        self, token: Token, item: Media, message: str, parent: Comment | None = None
    ) -> Comment:
        """A comment (or reply) by the token's account."""
        self.require(token, "comments")
        if not message:
            raise errors.MissingParameter(name="message")
        if not item.comment_enabled:
            raise errors.CommentsDisabled()
        if self.config.comment_text_rules and (problem := comment_text_problem(message)):
            raise errors.InvalidParameter(detail=f"The comment could not be posted: {problem}")
        if parent is not None and parent.parent_id is not None:
            raise errors.ReplyNotAllowed(detail="Replies can only be made to top-level comments")
        if parent is not None and parent.hidden:
            raise errors.ReplyNotAllowed(detail="Cannot reply to a hidden comment")
        actor = self._actor(token, item)
        comment = Comment(
            id=self.ids.comment(), media_id=item.id, text=message, timestamp=self.now(),
            from_id=actor.id, username=actor.username, parent_id=parent.id if parent else None,
            by_owner=actor.id == item.owner_id,
        )  # fmt: skip
        self.world.comments[comment.id] = comment
        (parent.reply_ids if parent else item.comment_ids).append(comment.id)
        kind = "comment.reply" if parent else "comment.create"
        self.record_write(
            kind, actor.id, parent.id if parent else item.id, result_id=comment.id, message=message
        )
        self.emit_change(item.owner_id, "comments", self.comment_change(comment, item))
        return comment

    def _actor(self, token: Token, item: Media) -> IgAccount:
        reachable = self.reachable_accounts(token)
        if item.owner_id in reachable:
            return self.world.accounts[item.owner_id]
        return self.world.accounts[sorted(reachable)[0]]

    def set_hidden(self, token: Token, comment: Comment, hidden: bool) -> None:
        """Hide or unhide; the media owner's own comments always stay shown (§6.2)."""
        self.require(token, "comments")
        item = self.media(comment.media_id, token, write=True)
        if not comment.by_owner:
            comment.hidden = hidden
        self.record_write(
            "comment.hide" if hidden else "comment.unhide",
            item.owner_id,
            comment.id,
            hidden=comment.hidden,
        )

    def delete_comment(self, token: Token, comment: Comment) -> None:
        """Only the media owner can delete comments (§6.2)."""
        self.require(token, "comments")
        item = self.world.media[comment.media_id]
        if item.owner_id not in self.reachable_accounts(token):
            raise errors.NotMediaOwner()
        comment.deleted = True
        for reply in comment.reply_ids:
            self.world.comments[reply].deleted = True
        self.comment_order.deleted()
        self.record_write("comment.delete", item.owner_id, comment.id)

    def set_comment_enabled(self, token: Token, item: Media, enabled: bool) -> None:
        """`comment_enabled` on media the account owns."""
        self.require(token, "comments")
        self.media(item.id, token, write=True)
        item.comment_enabled = enabled
        self.record_write("media.comment_enabled", item.owner_id, item.id, comment_enabled=enabled)

    def delete_media(self, token: Token, item: Media, flavour: str) -> None:
        """Media delete: Facebook Login only; whole carousels; not ads or children (§6.3)."""
        if flavour != "facebook":
            raise errors.UnsupportedDeleteRequest(object_id=item.id)
        self.require(token, "contents")
        self.media(item.id, token, write=True)
        if item.media_product_type == "AD" or item.parent_id is not None:
            raise errors.MediaTypeNotSupportedForDelete()
        item.deleted = True
        for child in item.children:
            self.world.media[child].deleted = True
        self.record_write("media.delete", item.owner_id, item.id)

    def mention_reply(
        self, token: Token, acct: IgAccount, media_id: str, comment_id: str | None, message: str
    ) -> Comment:
        """Reply to a mention: a comment on the mentioning media, or a reply to the comment (§6.2)."""
        self.require(token, "comments")
        if media_id not in acct.mentioned_media_ids and media_id not in acct.tagged_media_ids:
            raise errors.InvalidParameter(
                detail=f"The account is not mentioned in media {media_id}"
            )
        item = self.world.media[media_id]
        if comment_id:
            parent = self.world.comments.get(comment_id)
            if parent is None or parent.media_id != media_id or parent.deleted:
                raise errors.UnsupportedGetRequest(object_id=comment_id)
            comment = self.create_comment(
                token, item, message, parent if parent.parent_id is None else None
            )
        else:
            comment = self.create_comment(token, item, message)
        self.writes[-1]["kind"] = "mention.reply"
        return comment

    # --- hashtags (§3.10) ------------------------------------------------------------------

    def search_hashtag(self, acct: IgAccount, hashtag_id: str) -> None:
        """Count a unique hashtag against the account's 30-per-7-days budget."""
        now = self.now()
        searches = self.world.hashtag_searches.setdefault(acct.id, {})
        for tag, at in list(searches.items()):
            if now - at >= HASHTAG_WINDOW:
                del searches[tag]
        if hashtag_id in searches:
            return  # repeat queries inside the window are free and keep their timer
        if len(searches) >= HASHTAG_BUDGET:
            raise errors.HashtagLimitReached()
        searches[hashtag_id] = now

    # --- webhooks (§8) -----------------------------------------------------------------------

    def comment_change(self, comment: Comment, item: Media) -> dict[str, Any]:
        """The `comments` webhook value for a comment."""
        value: dict[str, Any] = {
            "id": comment.id,
            "text": comment.text,
            "from": {"id": comment.from_id, "username": comment.username},
            "media": {"id": item.id, "media_product_type": item.media_product_type},
        }
        if comment.parent_id:
            value["parent_id"] = comment.parent_id
        return value

    def emit_change(
        self, account_id: str, field_name: str, value: dict[str, Any], at: float | None = None
    ) -> None:
        """Queue a change (that happened `at`, default now) when the account subscribed to it."""
        acct = self.world.accounts.get(account_id)
        if acct is not None and field_name in acct.subscribed_fields:
            when = int(self.now() if at is None else at)
            self.changes.append(
                {"account_id": account_id, "field": field_name, "value": value, "time": when}
            )
