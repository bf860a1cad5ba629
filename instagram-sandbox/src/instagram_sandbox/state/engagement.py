"""Likes, collaboration invites (graph-api.md §6.2).

Likes (`POST|DELETE /{ig-user-id}/likes` with `media_id` or `comment_id`, 2026-04-22) need
`instagram_manage_engagement`; liking twice or unliking what is not liked changes nothing and
succeeds. Collaboration invites (2025-12-03) are media of other accounts that named this account
as a collaborator: `GET` lists the pending ones, `POST` with `media_id` and `accept` answers one;
an invite already answered is refused. Both exist with Facebook Login only.
"""

from __future__ import annotations

from typing import Any

from instagram_sandbox import errors
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import IgAccount, Token

PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"


class Engagement:
    """Likes and collaboration invites of the backend's world."""

    def __init__(self, backend: GraphBackend) -> None:
        """Work on `backend`'s world and write log."""
        self.backend = backend

    def like(self, token: Token, acct: IgAccount, params: dict[str, str], like: bool) -> None:
        """Like (or unlike) one media or comment the account can see."""
        b = self.backend
        b.require(token, "engagement", acct.id)
        media_id, comment_id = params.get("media_id"), params.get("comment_id")
        if bool(media_id) == bool(comment_id):
            raise errors.InvalidParameter(detail="Give exactly one of media_id and comment_id")
        target: Any = b.comment(comment_id, token) if comment_id else b.media(str(media_id), token)
        key = (acct.id, target.id)
        if like == (key in b.likes):
            return
        if like:
            b.likes.add(key)
        else:
            b.likes.discard(key)
        target.like_count = max(0, target.like_count + (1 if like else -1))
        kind = "comment" if comment_id else "media"
        b.record_write(f"{kind}.{'like' if like else 'unlike'}", acct.id, target.id)

    def invites(self, acct: IgAccount) -> list[dict[str, Any]]:
        """The pending invites, newest media first."""
        world = self.backend.world
        items = [world.media[m] for m, state in acct.collab_invites.items() if state == PENDING]
        items.sort(key=lambda m: (m.timestamp, m.id), reverse=True)
        return [
            {"media_id": m.id, "media_owner_username": world.accounts[m.owner_id].username,
             "caption": m.caption, "media_url": f"https://www.instagram.com/p/{m.shortcode}/"}
            for m in items
        ]  # fmt: skip

    def answer(self, acct: IgAccount, params: dict[str, str]) -> None:
        """Accept or decline one pending invite."""
        media_id = params.get("media_id", "")
        if not media_id:
            raise errors.MissingParameter(name="media_id")
        accept = params.get("accept", "").lower()
        if accept not in ("true", "false"):
            raise errors.InvalidParameter(detail="accept must be true or false")
        if acct.collab_invites.get(media_id) != PENDING:
            raise errors.InvalidParameter(
                detail=f"There is no pending collaboration invite for media {media_id}"
            )
        acct.collab_invites[media_id] = ACCEPTED if accept == "true" else DECLINED
        if accept == "true":
            self.backend.world.media[media_id].collaborators.append(acct.username)
        kind = "collaboration.accept" if accept == "true" else "collaboration.decline"
        self.backend.record_write(kind, acct.id, media_id)
