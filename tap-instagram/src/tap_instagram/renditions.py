"""Renditions of a picture (Filestack's `resize`): a width × height box and a fit mode, by Pillow.

Fit modes, as Filestack names them:
- `clip` (the default): the whole picture inside the box, aspect kept (may be smaller on one side);
- `crop`: exactly the box, aspect kept, the overflow trimmed around the centre;
- `scale`: exactly the box, stretched;
- `max`: like `clip`, but a picture smaller than the box is never enlarged.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps

from instagram_graph.errors import SettingsError

FITS = ("clip", "crop", "scale", "max")
FORMATS = {"jpeg": ("JPEG", "image/jpeg", "jpg"), "png": ("PNG", "image/png", "png"),
           "webp": ("WEBP", "image/webp", "webp")}  # fmt: skip
RESERVED = ("original", "thumbnail")


@dataclass(frozen=True)
class Rendition:
    """One rendition asked for in `media_files_renditions`."""

    name: str
    width: int
    height: int
    fit: str = "clip"
    format: str = "jpeg"
    quality: int = 85

    @property
    def mimetype(self) -> str:
        """The rendition's content type."""
        return FORMATS[self.format][1]

    @property
    def extension(self) -> str:
        """The rendition's file name extension."""
        return FORMATS[self.format][2]

    def render(self, source: IO[bytes]) -> tuple[bytes, int, int]:
        """The rendition of the picture in `source`: its bytes, width and height."""
        with Image.open(source) as opened:
            picture = ImageOps.exif_transpose(opened).convert("RGB")
            box = (self.width, self.height)
            if self.fit == "crop":
                out = ImageOps.fit(picture, box, Image.Resampling.LANCZOS)
            elif self.fit == "scale":
                out = picture.resize(box, Image.Resampling.LANCZOS)
            elif self.fit == "clip":  # inside the box, larger or smaller
                out = ImageOps.contain(picture, box, Image.Resampling.LANCZOS)
            else:  # max: inside the box, never enlarged
                out = picture.copy()
                out.thumbnail(box, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        out.save(buffer, FORMATS[self.format][0], quality=self.quality)
        return buffer.getvalue(), out.width, out.height


def parse_renditions(value: Any) -> list[Rendition]:
    """`media_files_renditions` checked: each error names the entry and the field."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise SettingsError("media_files_renditions", "expected a list of renditions",
                            'write it as [{"name": "square", "width": 400, "height": 400}]')  # fmt: skip
    out: list[Rendition] = []
    for index, entry in enumerate(value):
        out.append(_one(index, entry, {r.name for r in out}))
    return out


def _one(index: int, entry: Any, taken: set[str]) -> Rendition:
    where = f"media_files_renditions[{index}]"
    if not isinstance(entry, Mapping):
        raise SettingsError(
            where, "expected an object", 'write {"name": "square", "width": 400, "height": 400}'
        )
    name = str(entry.get("name") or "")
    if (
        not name
        or not name.replace("-", "").replace("_", "").isalnum()
        or name in RESERVED
        or name in taken
    ):
        raise SettingsError(f"{where}.name", f"{name!r} is missing, reserved, repeated or not a plain name",
                            "use a short unique name of letters, digits, - and _")  # fmt: skip
    size = {k: entry.get(k) for k in ("width", "height")}
    for key, number in size.items():
        if not isinstance(number, int) or not 1 <= number <= 10_000:
            raise SettingsError(
                f"{where}.{key}", f"{number!r} is not a size in pixels", "use 1 to 10000"
            )
    fit, fmt = str(entry.get("fit") or "clip"), str(entry.get("format") or "jpeg").lower()
    if fit not in FITS:
        raise SettingsError(
            f"{where}.fit", f"{fit!r} is not a fit mode", f"use one of {', '.join(FITS)}"
        )
    if fmt not in FORMATS:
        raise SettingsError(
            f"{where}.format", f"{fmt!r} is not a format", f"use one of {', '.join(FORMATS)}"
        )
    quality = entry.get("quality", 85)
    if not isinstance(quality, int) or not 1 <= quality <= 100:
        raise SettingsError(f"{where}.quality", f"{quality!r} is not a quality", "use 1 to 100")
    return Rendition(name, int(size["width"]), int(size["height"]), fit, fmt, quality)  # type: ignore[arg-type]
