"""The CDN behind `media_url` and `thumbnail_url`: real bytes at links that expire.

Graph hands out `scontent.cdninstagram.com` links signed for a while (`oe`, the expiry as hex Unix
seconds, and `oh`, a signature); afterwards the CDN answers 403 "URL signature expired", so a
client that copies media must do it while the links are fresh. The sandbox serves them under the
host's path prefix (or Host header): deterministic JPEGs of each media's size (Pillow) and small
MP4 files, the same bytes for the same media every time.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw

HOST = "scontent.cdninstagram.com"
LIFETIME_SECONDS = 2 * 86400  # how long a link stays valid (`cdn_url_lifetime_seconds`)
_PREFIX = "/v/t51.29350-15/"
Kind = Literal["media", "thumbnail"]

# (width, height) choices of a picture, by a stable hash of its id: portrait, square, landscape.
_FEED_SIZES = ((1080, 1350), (1080, 1080), (1080, 566))
_TALL = (1080, 1920)  # stories and reel covers


@dataclass(frozen=True)
class Asset:
    """What a CDN path names: a media's picture or video, or a video's cover."""

    media_id: str
    kind: Kind
    video: bool

    @property
    def filename(self) -> str:
        """The last part of the path."""
        suffix = "_thumb.jpg" if self.kind == "thumbnail" else (".mp4" if self.video else "_n.jpg")
        return f"{self.media_id}{suffix}"


def url(root: str, asset: Asset, expires: float, secret: str) -> str:
    """The signed link of `asset`, valid until `expires` (Unix seconds)."""
    path = _PREFIX + asset.filename
    oe = format(int(expires), "x").upper()
    return f"{root}/{HOST}{path}?_nc_cat=1&ccb=1-7&oh={_signature(path, oe, secret)}&oe={oe}"


def check(path: str, oh: str, oe: str, now: float, secret: str) -> str | None:
    """Why the CDN refuses a link (its 403 text), or None when it is valid now."""
    if not hmac.compare_digest(oh, _signature(path, oe, secret)):
        return "Bad URL hash"
    try:
        expires = int(oe, 16)
    except ValueError:
        return "Bad URL timestamp"
    return "URL signature expired" if now > expires else None


def parse(path: str) -> Asset | None:
    """The asset a CDN path names, or None."""
    if not path.startswith(_PREFIX):
        return None
    name = path[len(_PREFIX) :]
    for suffix, kind, video in (("_thumb.jpg", "thumbnail", True), (".mp4", "media", True),
                                ("_n.jpg", "media", False)):  # fmt: skip
        if name.endswith(suffix) and name[: -len(suffix)].isdigit():
            return Asset(name[: -len(suffix)], kind, video)  # type: ignore[arg-type]
    return None


def size_of(media_id: str, *, tall: bool) -> tuple[int, int]:
    """The picture size of a media (stories and reels are tall)."""
    return _TALL if tall else _FEED_SIZES[int(media_id[-3:]) % len(_FEED_SIZES)]


@lru_cache(maxsize=64)
def jpeg(media_id: str, width: int, height: int) -> bytes:
    """A deterministic JPEG of `width` × `height`: bands and a block coloured by the id."""
    seed = hashlib.blake2b(media_id.encode(), digest_size=6).digest()
    image = Image.new("RGB", (width, height), (seed[0], seed[1], seed[2]))
    draw = ImageDraw.Draw(image)
    for band in range(0, height, max(1, height // 12)):
        shade = (seed[3] + band) % 256
        draw.rectangle((0, band, width, band + height // 24), fill=(shade, seed[4], 255 - shade))
    draw.rectangle(
        (width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(seed[5], 90, 160)
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=False)
    return out.getvalue()


@lru_cache(maxsize=16)
def mp4(media_id: str, size: int = 200_000) -> bytes:
    """A small, deterministic MP4 file (an `ftyp` box, then `mdat` filled from the id)."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    body = hashlib.shake_256(media_id.encode()).digest(size - len(ftyp) - 8)
    return ftyp + (len(body) + 8).to_bytes(4, "big") + b"mdat" + body


def _signature(path: str, oe: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"{path}|{oe}".encode(), hashlib.sha256).hexdigest()[:32]


def content(media_id: str, kind: Kind, video: bool, media_product_type: str) -> tuple[bytes, str]:
    """The bytes and content type of an asset."""
    if kind == "media" and video:
        return mp4(media_id), "video/mp4"
    tall = video or media_product_type in ("STORY", "REELS")
    return jpeg(media_id, *size_of(media_id, tall=tall)), "image/jpeg"
