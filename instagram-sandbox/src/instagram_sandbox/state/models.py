"""Plain model classes of the sandbox's world; behaviour lives in the backend, not here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Flavour = Literal["facebook", "instagram"]

FB_SCOPES = (
    "instagram_basic",
    "instagram_manage_insights",
    "instagram_manage_comments",
    "instagram_content_publish",
    "instagram_manage_messages",
    "instagram_manage_contents",
    "instagram_manage_engagement",
    "pages_show_list",
    "pages_read_engagement",
)
IG_SCOPES = (
    "instagram_business_basic",
    "instagram_business_manage_insights",
    "instagram_business_manage_comments",
    "instagram_business_content_publish",
    "instagram_business_manage_messages",
)


@dataclass
class App:
    """A Meta app: Facebook-Login apps and Instagram-Login apps have their own ids and secrets."""

    app_id: str
    secret: str
    name: str
    flavour: Flavour


@dataclass
class FacebookUser:
    """The person whose Facebook user token lists Pages on `/me/accounts`."""

    id: str
    name: str
    page_ids: list[str]


@dataclass
class Page:
    """A Facebook Page, optionally linked to an IG professional account."""

    id: str
    name: str
    category: str
    ig_account_id: str | None
    tasks: list[str] = field(
        default_factory=lambda: [
            "ANALYZE",
            "ADVERTISE",
            "MESSAGING",
            "MODERATE",
            "CREATE_CONTENT",
            "MANAGE",
        ]
    )


@dataclass
class IgAccount:
    """An Instagram professional account (or a public one reachable only by business discovery)."""

    id: str
    ig_id: str
    username: str
    name: str
    biography: str
    website: str
    followers_count: int
    follows_count: int
    account_type: str  # "BUSINESS" or "MEDIA_CREATOR"
    login: Flavour
    created_at: float
    converted_at: float
    app_scoped_id: str = ""
    public_only: bool = False
    page_id: str | None = None
    impressions: int = 1000
    quota_total: int = 100
    insights_seed: int = 0
    media_ids: list[str] = field(default_factory=list)
    story_ids: list[str] = field(default_factory=list)
    tagged_media_ids: list[str] = field(default_factory=list)
    mentioned_media_ids: list[str] = field(default_factory=list)
    subscribed_fields: list[str] = field(default_factory=list)
    # media of other accounts naming this one as collaborator → pending, accepted or declined
    collab_invites: dict[str, str] = field(default_factory=dict)

    @property
    def profile_picture_url(self) -> str:
        """A stable CDN-style picture URL."""
        return f"https://scontent.cdninstagram.example/v/t51/{self.id}_profile.jpg"


@dataclass
class Media:
    """A post, reel, story or carousel child."""

    id: str
    owner_id: str
    media_type: str  # IMAGE, VIDEO, CAROUSEL_ALBUM
    media_product_type: str  # FEED, REELS, STORY, AD
    timestamp: float
    caption: str = ""
    shortcode: str = ""
    like_count: int = 0
    likes_hidden: bool = False
    comment_enabled: bool = True
    is_shared_to_feed: bool = False
    shared_to_facebook: bool = False
    media_audio_type: str | None = None
    alt_text: str | None = None
    children: list[str] = field(default_factory=list)
    parent_id: str | None = None
    comment_ids: list[str] = field(default_factory=list)
    viewers: int = 100
    reach_base: int = 100
    saved_count: int = 0
    shares_count: int = 0
    reposts_count: int = 0
    view_count: int = 0
    collaborators: list[str] = field(default_factory=list)
    is_ai_generated: bool = False
    published_via_api: bool = False
    deleted: bool = False
    expiry_notified: bool = False

    @property
    def is_story(self) -> bool:
        """Stories live on `/stories` only and expire after 24 h."""
        return self.media_product_type == "STORY"


@dataclass
class Comment:
    """A top-level comment or a reply (`parent_id` set)."""

    id: str
    media_id: str
    text: str
    timestamp: float
    from_id: str
    username: str
    parent_id: str | None = None
    like_count: int = 0
    hidden: bool = False
    by_owner: bool = False
    reply_ids: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Container:
    """A publishing container: create → IN_PROGRESS → FINISHED/ERROR → PUBLISHED, or EXPIRED."""

    id: str
    owner_id: str
    media_type: str  # IMAGE, VIDEO, REELS, STORIES, CAROUSEL
    created_at: float
    ready_at: float
    params: dict[str, str]
    is_carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    error_subcode: int | None = None
    awaiting_upload: bool = False
    published_media_id: str | None = None


@dataclass
class Token:
    """An issued access token and what it may do."""

    value: str
    kind: str  # fb_user_short, fb_user_long, page, ig_short, ig_long
    app_id: str
    subject_id: str  # Facebook user id, Page id or IG account id
    issued_at: float
    expires_at: float | None  # None: never
    scopes: tuple[str, ...]
    invalid_reason: int | None = None  # 458, 460
    # Granular grants: a scope listed here covers only these Page / IG ids (debug_token shows it).
    scope_targets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def flavour(self) -> Flavour:
        """Which host the token belongs to."""
        return "instagram" if self.kind.startswith("ig_") else "facebook"


@dataclass
class Hashtag:
    """A global hashtag node: ids are static across apps (§1.3)."""

    id: str
    name: str
    top_media: list[str] = field(default_factory=list)
    recent_media: list[str] = field(default_factory=list)
