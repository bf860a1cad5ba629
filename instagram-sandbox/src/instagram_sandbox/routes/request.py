"""The Graph request as the routes see it, and `fields=` rendering of nodes and edges."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from instagram_sandbox import errors, paging
from instagram_sandbox.faults import FaultBook
from instagram_sandbox.fields import FieldSpec, parse_fields, render_fields
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.models import Flavour, Token
from instagram_sandbox.state.publishing import Publisher

T = TypeVar("T")
MISSING = object()  # a field the object does not have: left out of the answer


@dataclass
class GraphRequest:
    """One Graph call, from HTTP or from a batch operation, with the host prefix and version removed."""

    method: str
    path: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    flavour: Flavour
    version: int
    version_in_path: bool
    base_url: str
    root_url: str = ""
    token_value: str | None = None
    token_in_params: bool = False
    body: bytes = b""
    in_batch: bool = False

    @property
    def version_prefix(self) -> str:
        """`/v25.0` when the caller named a version, else empty."""
        return f"/v{self.version}.0" if self.version_in_path else ""


@dataclass
class Ctx:
    """What a route handler works with: the request, its token and the backend."""

    backend: GraphBackend
    publisher: Publisher
    req: GraphRequest
    token: Token
    faults: FaultBook | None = None
    headers: dict[str, str] = field(default_factory=dict)
    charged: bool = False

    @property
    def flavour(self) -> Flavour:
        """Login flavour of the host called."""
        return self.req.flavour

    def charge(self, account_id: str, *, calls: int = 1, work: int = 1) -> None:
        """Charge the call to the (app, IG account) Business Use Case budget once."""
        if self.charged:
            return
        acct = self.backend.world.accounts[account_id]
        self.headers.update(
            self.backend.rate.charge_buc(
                self.token.app_id,
                account_id,
                acct.impressions,
                self.backend.now(),
                calls=calls,
                work=work,
            )
        )
        self.charged = True

    def charge_platform(self) -> None:
        """Charge the call to the app's Platform budget (hashtags, business discovery)."""
        if not self.charged:
            self.headers.update(
                self.backend.rate.charge_platform(self.token.app_id, self.backend.now())
            )
            self.charged = True

    def fields(self) -> list[FieldSpec] | None:
        """Parsed `fields=`, or None when absent."""
        raw = self.req.params.get("fields")
        return parse_fields(raw) if raw else None

    def url(self, path: str, query: Sequence[tuple[str, str]], changes: dict[str, str]) -> str:
        """An absolute URL on the host the caller used, echoing its token only when it sent it as a parameter."""
        query = [(k, v) for k, v in query if k != "access_token"]
        if self.req.token_value and (
            self.req.token_in_params or self.backend.config.echo_header_token_in_next
        ):
            query.append(("access_token", self.req.token_value))
        return paging.build_url(self.req.base_url + self.req.version_prefix, path, query, changes)


@dataclass
class Node(Generic[T]):
    """How one node type renders: its scalar fields, its edges and its default field list."""

    node_type: str
    scalars: dict[str, Callable[[Ctx, T], Any]]
    edges: dict[str, Callable[[Ctx, T, FieldSpec], Any]] = field(default_factory=dict)
    defaults: tuple[str, ...] = ("id",)

    def render(self, ctx: Ctx, obj: T, specs: list[FieldSpec] | None) -> dict[str, Any]:
        """The object with the requested fields; unknown names raise the exact Graph error."""
        specs = specs if specs is not None else [FieldSpec(n) for n in self.defaults]
        for spec in specs:
            if spec.name not in self.scalars and spec.name not in self.edges:
                raise errors.NonexistingField(field=spec.name, node_type=self.node_type)
        out: dict[str, Any] = {}
        for spec in specs:
            if spec.name in self.edges:
                value = self.edges[spec.name](ctx, obj, spec)
            else:
                value = self.scalars[spec.name](ctx, obj)
            if value is not MISSING:
                out[spec.name] = value
        if "id" in self.scalars and "id" not in out:
            out["id"] = self.scalars["id"](ctx, obj)
        return out


def edge_page(
    ctx: Ctx,
    edge: str,
    items: Sequence[T],
    key: Callable[[T], paging.SortKey],
    node: Node[T],
    *,
    specs: list[FieldSpec] | None,
    limit: str | None,
    after: str | None,
    before: str | None,
    path: str,
    query: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """One page of an edge in the edge's paging shape, with items rendered by `node`."""
    rule = paging.EDGE_PAGING[edge]
    page = paging.slice_page(
        items, key, after=after, before=before, limit=paging.effective_limit(limit, rule)
    )
    body: dict[str, Any] = {"data": [node.render(ctx, item, specs) for item in page.items]}
    links = paging.render_paging(
        page, rule.shape, lambda changes: ctx.url(path, query, changes),
        last_page_cursors=ctx.backend.config.last_page_cursors,
    )  # fmt: skip
    if links:
        body["paging"] = links
    return body


def top_level_edge(
    ctx: Ctx, edge: str, items: Sequence[T], key: Callable[[T], paging.SortKey], node: Node[T]
) -> dict[str, Any]:
    """An edge read as its own request (`GET /{id}/{edge}`)."""
    p = ctx.req.params
    return edge_page(
        ctx, edge, items, key, node, specs=ctx.fields(), limit=p.get("limit"), after=p.get("after"),
        before=p.get("before"), path=ctx.req.path, query=ctx.req.query,
    )  # fmt: skip


def nested_edge(
    ctx: Ctx, edge: str, parent_id: str, spec: FieldSpec, items: Sequence[T],
    key: Callable[[T], paging.SortKey], node: Node[T],
) -> dict[str, Any]:  # fmt: skip
    """An edge expanded inside a field list; `next` points at the edge's own URL (§5.2)."""
    query: list[tuple[str, str]] = []
    if spec.children is not None:
        query.append(("fields", render_fields(spec.children)))
    if spec.modifier("limit"):
        query.append(("limit", spec.modifier("limit") or ""))
    return edge_page(
        ctx, edge, items, key, node, specs=spec.children, limit=spec.modifier("limit"),
        after=spec.modifier("after"), before=spec.modifier("before"), path=f"/{parent_id}/{edge}", query=query,
    )  # fmt: skip


def by_time(item: Any) -> paging.SortKey:
    """Sort key of newest-first edges: (timestamp, id)."""
    return (item.timestamp, item.id)


def flag(params: Mapping[str, str], name: str) -> bool | None:
    """A `true`/`false` parameter, or None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise errors.InvalidParameter(detail=f"{name} must be true or false")
    return raw.lower() in ("true", "1")
