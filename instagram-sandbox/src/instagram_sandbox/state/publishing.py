"""Content publishing: container validation, the status state machine, quota (graph-api.md §6.1)."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlparse

from instagram_sandbox import errors
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import Container, IgAccount, Media, Token
from instagram_sandbox.state.tokens import DAY

CONTAINER_LIFETIME = DAY
CONTAINERS_PER_DAY = 400
CAPTION_MAX = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20
ALT_TEXT_MAX = 1000
COLLABORATORS_MAX = 3
_IMAGE_EXTENSIONS = (".jpg", ".jpeg")
_VIDEO_EXTENSIONS = (".mp4", ".mov")
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
# Media URLs the sandbox "cannot fetch": it has no network, so reachability is declared by name.
UNREACHABLE_HOSTS = ("unreachable.example", "localhost.invalid")
FETCH_TIMEOUT = 10.0  # seconds, when `fetch_media_urls` is on


def fetch_head(url: str, timeout: float = FETCH_TIMEOUT) -> bytes | None:
    """The first bytes at `url` as Meta's fetcher gets them; None unless it answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (http(s) only)
            return bytes(answer.read(16)) if answer.status == 200 else None
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return None


TRIAL_STRATEGIES = ("MANUAL", "SS_PERFORMANCE")
# Container parameters the publish write log repeats, so tests see what a post was made with.
LABEL_PARAMS = ("is_ai_generated", "trial_params", "is_paid_partnership",
                "branded_content_sponsor_ids", "collaborators", "share_to_feed")  # fmt: skip
REELS_ONLY = ("share_to_feed", "trial_params", "cover_url", "thumb_offset", "audio_name")


def check_2026_params(
    params: Mapping[str, str], media_type: str, is_item: bool, flavour: str
) -> None:
    """Trial reels, the AI label, the paid-partnership label and where each may go."""
    for name in REELS_ONLY:
        if name in params and media_type != "REELS":
            raise errors.InvalidParameter(detail=f"{name} is only available for REELS")
    if "trial_params" in params:
        try:
            trial = json.loads(params["trial_params"])
        except json.JSONDecodeError:
            trial = None
        if not isinstance(trial, dict) or trial.get("graduation_strategy") not in TRIAL_STRATEGIES:
            raise errors.InvalidParameter(
                detail='trial_params must be {"graduation_strategy": "MANUAL" or "SS_PERFORMANCE"}'
            )
    if "is_ai_generated" in params:
        if is_item:
            raise errors.InvalidParameter(
                detail="is_ai_generated is set on the carousel container, not on its items"
            )
        if params["is_ai_generated"].lower() not in ("true", "false"):
            raise errors.InvalidParameter(detail="is_ai_generated must be true or false")
    partnership = {"is_paid_partnership", "branded_content_sponsor_ids"} & set(params)
    if partnership and (is_item or flavour != "facebook"):
        raise errors.InvalidParameter(
            detail="The paid partnership label is set on the post's container, with Facebook Login"
        )
    if "branded_content_sponsor_ids" in params:
        ids = [
            i.strip()
            for i in params["branded_content_sponsor_ids"].strip("[]").replace('"', "").split(",")
        ]
        if (
            not all(i.isdigit() for i in ids)
            or params.get("is_paid_partnership", "").lower() != "true"
        ):
            raise errors.InvalidParameter(
                detail="branded_content_sponsor_ids takes Instagram user ids, with is_paid_partnership=true"
            )
    if "collaborators" in params and (is_item or flavour != "facebook"):
        raise errors.InvalidParameter(
            detail="collaborators are set on the post's container, with Facebook Login"
        )


class Publisher:
    """Create containers, report their status, publish them, and count the quota."""

    def __init__(self, backend: GraphBackend) -> None:
        """Work on `backend`'s world and clock."""
        self.backend = backend

    def status(self, box: Container) -> tuple[str, str]:
        """(`status_code`, `status`) of a container at the current sandbox time."""
        now = self.backend.now()
        if box.published_media_id:
            return "PUBLISHED", "Published: Media has been published."
        if box.error_subcode is not None and now >= box.ready_at:
            return "ERROR", f"Error: Media upload has failed with error code {box.error_subcode}"
        if now - box.created_at >= CONTAINER_LIFETIME:
            return "EXPIRED", "Expired: Media container has expired (24 hours after creation)."
        if box.awaiting_upload:
            return "IN_PROGRESS", "In Progress: Waiting for the video upload."
        if now < box.ready_at:
            return "IN_PROGRESS", "In Progress: Media is still being processed."
        return "FINISHED", "Finished: Media has been uploaded and it is ready to be published."

    def create(
        self, token: Token, acct: IgAccount, params: Mapping[str, str], flavour: str
    ) -> Container:
        """Validate `POST /{ig-user-id}/media` and create a container."""
        b = self.backend
        b.require(token, "publish")
        now = b.now()
        recent = [
            c
            for c in b.world.containers.values()
            if c.owner_id == acct.id and now - c.created_at < DAY
        ]
        if len(recent) >= CONTAINERS_PER_DAY:
            raise errors.ContainerLimit()
        media_type = params.get("media_type", "").upper() or "IMAGE"
        is_item = params.get("is_carousel_item", "").lower() == "true"
        self._check_type(media_type, is_item, params)
        check_2026_params(params, media_type, is_item, flavour)
        self._check_caption(params, is_item)
        children: list[str] = []
        if media_type == "CAROUSEL":
            children = self._check_children(acct, params.get("children", ""))
        url = params.get("image_url") or params.get("video_url") or ""
        resumable = params.get("upload_type") == "resumable"
        if resumable and flavour != "facebook":
            raise errors.InvalidParameter(
                detail="upload_type=resumable is only available with Facebook Login"
            )
        if url and not resumable:
            self._check_url(url, is_image="image_url" in params)
        video = (
            media_type in ("VIDEO", "REELS")
            or (media_type == "STORIES" and "video_url" in params)
            or resumable
        )
        delay = b.config.video_processing_seconds if video else b.config.image_processing_seconds
        box = Container(
            id=b.ids.container(), owner_id=acct.id, media_type=media_type, created_at=now,
            ready_at=now + delay, params=dict(params), is_carousel_item=is_item, children=children,
            error_subcode=2207026 if video and url.lower().endswith((".avi", ".wmv")) else None,
            awaiting_upload=resumable,
        )  # fmt: skip
        b.world.containers[box.id] = box
        b.record_write(
            "container.create", acct.id, acct.id, result_id=box.id, media_type=media_type
        )
        return box

    def _check_type(self, media_type: str, is_item: bool, params: Mapping[str, str]) -> None:
        if media_type not in ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL"):
            raise errors.UnknownMediaType(
                media_type=media_type, detail="Use IMAGE, REELS, STORIES or CAROUSEL."
            )
        if media_type == "VIDEO" and not is_item:
            raise errors.UnknownMediaType(
                media_type="VIDEO",
                detail="Feed videos are published as REELS; VIDEO is only a carousel item.",
            )
        if (
            media_type in ("REELS", "VIDEO")
            and "video_url" not in params
            and params.get("upload_type") != "resumable"
        ):
            raise errors.MissingParameter(name="video_url")
        if media_type == "IMAGE" and "image_url" not in params:
            raise errors.MissingParameter(name="image_url")
        if (
            media_type == "STORIES"
            and not ({"image_url", "video_url"} & set(params))
            and params.get("upload_type") != "resumable"
        ):
            raise errors.MissingParameter(name="image_url")
        if media_type == "CAROUSEL" and "children" not in params:
            raise errors.MissingParameter(name="children")
        if "alt_text" in params and (
            media_type not in ("IMAGE",) or len(params["alt_text"]) > ALT_TEXT_MAX
        ):
            raise errors.InvalidParameter(
                detail="alt_text is only for images and at most 1000 characters"
            )
        if "collaborators" in params:
            try:
                collaborators = json.loads(params["collaborators"])
            except json.JSONDecodeError:
                collaborators = params["collaborators"].split(",")
            if media_type in ("STORIES",) or len(collaborators) > COLLABORATORS_MAX:
                raise errors.InvalidParameter(detail="collaborators: at most 3, and not on stories")
        if "user_tags" in params:
            self._check_user_tags(params["user_tags"], media_type)

    def _check_user_tags(self, raw: str, media_type: str) -> None:
        try:
            tags = json.loads(raw)
        except json.JSONDecodeError:
            raise errors.InvalidParameter(detail="user_tags must be a JSON list") from None
        if not isinstance(tags, list) or any(
            not isinstance(t, dict) or "username" not in t for t in tags
        ):
            raise errors.InvalidParameter(
                detail="user_tags must be a list of objects with a username"
            )
        if media_type == "IMAGE" and any("x" not in t or "y" not in t for t in tags):
            raise errors.InvalidParameter(detail="user_tags on images need x and y")

    def _check_caption(self, params: Mapping[str, str], is_item: bool) -> None:
        caption = params.get("caption")
        if caption is None:
            return
        if is_item:
            raise errors.InvalidParameter(detail="Carousel items cannot have a caption")
        if len(caption) > CAPTION_MAX:
            raise errors.CaptionTooLong()
        if len(_HASHTAG.findall(caption)) > HASHTAGS_MAX:
            raise errors.TooManyHashtags()
        if len(_MENTION.findall(caption)) > MENTIONS_MAX:
            raise errors.TooManyMentions()

    def _check_children(self, acct: IgAccount, raw: str) -> list[str]:
        ids = [c.strip() for c in raw.split(",") if c.strip()]
        if not 2 <= len(ids) <= 10:
            raise errors.CarouselChildCount(count=len(ids))
        for child_id in ids:
            child = self.backend.world.containers.get(child_id)
            if child is None or child.owner_id != acct.id or not child.is_carousel_item:
                raise errors.InvalidCarouselChild(child_id=child_id)
            if self.status(child)[0] != "FINISHED":
                raise errors.MediaNotReady()
        return ids

    def _check_url(self, url: str, *, is_image: bool) -> None:
        parsed = urlparse(url)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.netloc
            or parsed.hostname in UNREACHABLE_HOSTS
            or "/404" in parsed.path
        ):
            raise errors.MediaFetchFailed(url=url)
        path = parsed.path.lower()
        if is_image and not path.endswith(_IMAGE_EXTENSIONS):
            raise errors.ImageFormatUnsupported()
        if self.backend.config.fetch_media_urls:
            head = fetch_head(url)
            if head is None:
                raise errors.MediaFetchFailed(url=url)
            if is_image and not head.startswith(b"\xff\xd8\xff"):
                raise errors.ImageFormatUnsupported()

    def quota_usage(self, acct: IgAccount, since: float | None = None) -> int:
        """Posts published through the API in the rolling 24 h (carousels count once)."""
        now = self.backend.now()
        start = max(now - DAY, since or 0)
        items = (self.backend.world.media[m] for m in acct.media_ids + acct.story_ids)
        return sum(1 for m in items if m.published_via_api and m.timestamp > start)

    def publish(self, token: Token, acct: IgAccount, creation_id: str) -> Media:
        """`POST /{ig-user-id}/media_publish`: FINISHED containers only, within the quota."""
        b = self.backend
        b.require(token, "publish")
        if not creation_id:
            raise errors.MissingParameter(name="creation_id")
        box = b.world.containers.get(creation_id)
        if box is None or box.owner_id != acct.id:
            raise errors.UnsupportedGetRequest(object_id=creation_id)
        code, _ = self.status(box)
        if code == "PUBLISHED":
            raise errors.AlreadyPublished(container_id=box.id)
        if code == "EXPIRED":
            raise errors.ContainerExpired()
        if code == "ERROR":
            raise errors.ContainerFailed()
        if code != "FINISHED" or box.is_carousel_item:
            raise errors.MediaNotReady()
        if self.quota_usage(acct) >= acct.quota_total:
            raise errors.DailyPublishingLimit()
        item = self._materialise(acct, box)
        box.published_media_id = item.id
        labels = {k: box.params[k] for k in LABEL_PARAMS if k in box.params}
        b.record_write(
            "media.publish", acct.id, box.id, result_id=item.id, media_type=box.media_type, **labels
        )
        return item

    def _materialise(self, acct: IgAccount, box: Container) -> Media:
        b = self.backend
        now = b.now()
        kind = {"IMAGE": "IMAGE", "REELS": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}.get(
            box.media_type, "IMAGE"
        )
        if box.media_type == "STORIES":
            kind = "VIDEO" if "video_url" in box.params else "IMAGE"
        product = {"REELS": "REELS", "STORIES": "STORY"}.get(box.media_type, "FEED")
        item = Media(
            id=b.ids.media(), owner_id=acct.id, media_type=kind, media_product_type=product,
            timestamp=now, caption=box.params.get("caption", ""), shortcode=box.id[-11:],
            is_shared_to_feed=box.params.get("share_to_feed", "true").lower() == "true" and product == "REELS",
            alt_text=box.params.get("alt_text"), published_via_api=True, reach_base=100, viewers=0,
            is_ai_generated=box.params.get("is_ai_generated", "").lower() == "true",
            media_audio_type="ORIGINAL_SOUND" if kind == "VIDEO" else None,
        )  # fmt: skip
        b.world.media[item.id] = item
        for child_id in box.children:
            child_box = b.world.containers[child_id]
            child = Media(
                id=b.ids.media(), owner_id=acct.id, media_type=child_box.media_type if child_box.media_type == "VIDEO" else "IMAGE",
                media_product_type="FEED", timestamp=now, parent_id=item.id, comment_enabled=False,
            )  # fmt: skip
            b.world.media[child.id] = child
            item.children.append(child.id)
            child_box.published_media_id = child.id
        (acct.story_ids if product == "STORY" else acct.media_ids).append(item.id)
        return item
