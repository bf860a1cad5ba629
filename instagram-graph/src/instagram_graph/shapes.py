"""Checking an answer's shape with JSON Schema, so a wrong type is a Graph error, not a crash.

Schemas are compiled once by fastjsonschema, so checking every page stays cheap. Graph may send
a field with an unexpected type (a string where an edge object belongs, a list where a number
does). `check` validates a decoded answer against a schema and raises
`BadResponseError` naming the request and the field's path (`data[3].children`), instead of the
`KeyError` or `AttributeError` code reading the answer would otherwise meet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema

from instagram_graph import errors

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}  # fmt: skip


def edge(items: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of an edge (`{"data": [item, …], "paging": {…}}`) whose items follow `items`.

    The same `items` object always gives the same schema object, so its validator is reused.
    """
    entry = _EDGES.get(id(items))
    if entry is None or entry[0] is not items:
        wrapped = {
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": dict(items)},
                "paging": {"type": "object"},
            },
        }
        entry = _EDGES[id(items)] = (items, wrapped)
    return entry[1]


def check(value: Any, schema: Mapping[str, Any], *, request: str) -> None:
    """Raise `BadResponseError` naming the first field of `value` that breaks `schema`."""
    try:
        _validator(schema)(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        parts = exc.path[1:]  # the first part names the root
        field = "".join(f"[{p}]" if str(p).isdigit() else f".{p}" for p in parts).lstrip(".")
        rule = exc.message.split(" ", 1)[-1]  # "must be object", without the path
        got = _JSON_TYPES.get(type(exc.value), type(exc.value).__name__)
        problem = f"is {got}; {rule}" if exc.rule == "type" else rule
        raise errors.BadResponseError(
            f"unexpected answer: `{field or 'the answer'}` {problem}", request=request
        ) from None


def _validator(schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """One compiled validator per schema object (module constants, or `edge`'s memoised ones)."""
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _VALIDATORS[id(schema)] = (schema, fastjsonschema.compile(dict(schema)))
    return entry[1]


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Callable[[Any], Any]]] = {}
_EDGES: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}
