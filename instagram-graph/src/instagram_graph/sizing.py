"""Asking for less when Graph answers "Please reduce the amount of data" (code 1, graph-api.md §11).

That answer repeats for the same request, so retrying it unchanged cannot help. A paged read is
asked again smaller: half of every nested `.limit(n)` in `fields` down to `NESTED_FLOOR`, then
half the page size down to `PAGE_FLOOR`. Nested edges go first because their later pages are
cheap (the tap asks them in batch requests), while each halving of the page doubles the requests
for the edge itself. What worked is remembered per endpoint for the
rest of the run. Below the floors the error goes to the caller, which reads the nested edge on
its own (the tap does so for comments).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PAGE_FLOOR = 10
NESTED_FLOOR = 5
DEFAULT_LIMIT = 25  # Graph's page size when a call names none
_NESTED = re.compile(r"\.limit\((\d+)\)")
_ID = re.compile(r"/\d{5,}")


@dataclass(frozen=True)
class SizePlan:
    """Caps on one endpoint's page size and on every nested `.limit(n)`; None: as asked."""

    limit: int | None = None
    nested: int | None = None

    def apply(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """`query` with these caps applied."""
        out = dict(query)
        if self.limit is not None:
            out["limit"] = min(_limit(out), self.limit)
        fields = out.get("fields")
        if self.nested is not None and isinstance(fields, str):
            cap = self.nested
            out["fields"] = _NESTED.sub(lambda m: f".limit({min(int(m.group(1)), cap)})", fields)
        return out

    def smaller(self, query: Mapping[str, Any]) -> SizePlan | None:
        """The next step down from what `query` asked, or None when both floors are reached."""
        limit = _limit(query)
        nested = max((int(n) for n in _NESTED.findall(str(query.get("fields", "")))), default=0)
        if nested > NESTED_FLOOR:
            return SizePlan(self.limit, max(NESTED_FLOOR, nested // 2))
        if limit > PAGE_FLOOR:
            return SizePlan(max(PAGE_FLOOR, limit // 2), self.nested)
        return None

    def describe(self) -> str:
        """For the info line: `25 per page, nested edges 10`."""
        parts = [f"{self.limit} per page"] if self.limit is not None else []
        if self.nested is not None:
            parts.append(f"nested edges {self.nested}")
        return ", ".join(parts) or "as asked"


def endpoint_key(path: str) -> str:
    """An endpoint without its object ids (`/{id}/media`): the unit a plan is remembered for."""
    return _ID.sub("/{id}", "/" + path.lstrip("/"))


def _limit(query: Mapping[str, Any]) -> int:
    try:
        return int(query.get("limit", DEFAULT_LIMIT))
    except (TypeError, ValueError):
        return DEFAULT_LIMIT
