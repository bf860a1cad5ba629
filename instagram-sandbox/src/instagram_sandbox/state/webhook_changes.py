"""Changes only webhooks report: mentions by others, and stories' final insights (graph-api.md §8)."""

from __future__ import annotations

from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.state.backend import STORY_LIFETIME, GraphBackend
from instagram_sandbox.state.models import Comment, IgAccount, Media


def mention(b: GraphBackend, acct: IgAccount, in_comment: bool) -> dict[str, Any]:
    """Someone mentions the account, in a new post's caption or in a comment (§8 `mentions`)."""
    people = [a for a in b.world.accounts.values() if a.public_only and a.media_ids]
    if not people:
        raise errors.InvalidParameter(detail="the scenario has no public account to mention from")
    author = people[len(b.writes) % len(people)]
    text = f"Great coffee at @{acct.username}"
    if in_comment:
        item = b.world.media[author.media_ids[0]]
        comment = Comment(id=b.ids.comment(), media_id=item.id, text=text, timestamp=b.now(),
                          from_id=author.id, username=author.username)  # fmt: skip
        b.world.comments[comment.id] = comment
        item.comment_ids.append(comment.id)
        value = {"media_id": item.id, "comment_id": comment.id}
    else:
        item = Media(id=b.ids.media(), owner_id=author.id, media_type="IMAGE",
                     media_product_type="FEED", timestamp=b.now(), caption=text,
                     shortcode=f"MEN{len(b.world.media):08d}")  # fmt: skip
        b.world.media[item.id] = item
        author.media_ids.append(item.id)
        value = {"media_id": item.id}
    if item.id not in acct.mentioned_media_ids:
        acct.mentioned_media_ids.append(item.id)
    b.emit_change(acct.id, "mentions", value)
    return value


def expire_stories(b: GraphBackend) -> None:
    """Emit `story_insights` for stories that expired since the last call, timed at their expiry (§8)."""
    for acct in b.world.accounts.values():
        if "story_insights" not in acct.subscribed_fields:
            continue
        for sid in acct.story_ids:
            story = b.world.media[sid]
            if not b.story_active(story) and not story.expiry_notified:
                story.expiry_notified = True
                reach = b.insights.media_value(story, "reach", 0, b.now())
                b.emit_change(acct.id, "story_insights", {
                    "media_id": story.id, "reach": reach, "replies": story.viewers // 20,
                    "exits": 1, "taps_forward": reach // 3, "taps_back": 0, "impressions": int(reach * 1.6),
                }, at=story.timestamp + STORY_LIFETIME)  # fmt: skip
