"""The shapes the tap relies on in Graph's answers, as JSON Schema (checked by `shapes.check`).

Only the fields the tap reads are typed; anything else may come as Graph likes. A field of the
wrong type becomes an `instagram_graph` error naming the endpoint and the field.
"""

from __future__ import annotations

from typing import Any

from instagram_graph.shapes import edge

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_OPT_INT = {"type": ["integer", "null"]}
_OBJECT = {"type": "object"}

_COMMENT_FIELDS: dict[str, Any] = {
    "id": _STR, "text": _OPT_STR, "timestamp": _STR, "like_count": _OPT_INT,
    "hidden": {"type": ["boolean", "null"]}, "username": _OPT_STR, "from": _OBJECT,
    "parent_id": _STR,
}  # fmt: skip
REPLY: dict[str, Any] = {"type": "object", "properties": _COMMENT_FIELDS}
_CHILD = {"type": "object", "properties": {"id": _STR, "media_type": _STR, "timestamp": _STR,
                                           "permalink": _OPT_STR}}  # fmt: skip

# A listed item: a media or story (with children and comments expanded), a comment or a reply.
ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        **_COMMENT_FIELDS,
        "replies": edge(REPLY),
        "caption": _OPT_STR, "media_type": _STR, "media_product_type": _STR,
        "comments_count": _OPT_INT, "owner": _OBJECT, "children": edge(_CHILD),
        "comments": edge({"type": "object", "properties": {**_COMMENT_FIELDS, "replies": edge(REPLY)}}),
        "copyright_check_information": _OBJECT,
    },
}  # fmt: skip

_NUMBER = {"type": ["number", "null"]}
_BREAKDOWN = {
    "type": "object",
    "properties": {
        "dimension_keys": {"type": "array", "items": _STR},
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "dimension_values": {"type": "array", "items": _STR}, "value": _NUMBER}}},
    },
}  # fmt: skip

# An insights answer of one object (lifetime metrics, with optional breakdowns).
INSIGHTS: dict[str, Any] = edge({
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _STR, "title": _OPT_STR,
        "values": {"type": "array", "items": {"type": "object"}},
        "total_value": {"type": "object", "properties": {
            "value": _NUMBER, "breakdowns": {"type": "array", "items": _BREAKDOWN}}},
    },
})  # fmt: skip
