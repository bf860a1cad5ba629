"""The ASGI application: hosts and versions, token extraction, faults, latency, stats, serialisation.

Routing by host: a request is for `graph.facebook.com` unless its Host header, or the first path
segment, names another host (`/graph.instagram.com/v25.0/me`, `/api.instagram.com/oauth/…`,
`/www.instagram.com/oauth/authorize`, `/www.facebook.com/v25.0/dialog/oauth`,
`/rupload.facebook.com/ig-api-upload/…`). Control endpoints live under `/__sandbox/`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from instagram_sandbox import cdn, control, errors, faults, rupload
from instagram_sandbox.routes import oauth
from instagram_sandbox.routes.request import GraphRequest
from instagram_sandbox.state.backend import GraphBackend
from instagram_sandbox.state.metrics import NEWEST_VERSION, SUPPORTED_VERSIONS
from instagram_sandbox.state.models import Flavour
from instagram_sandbox.state.publishing import Publisher
from instagram_sandbox.urls import dispatch, path_template

log = logging.getLogger("instagram_sandbox")

HOSTS = (
    "graph.facebook.com",
    "graph.instagram.com",
    "api.instagram.com",
    "www.instagram.com",
    "www.facebook.com",
    "rupload.facebook.com",
    "scontent.cdninstagram.com",
)
_VERSION = re.compile(r"^/v(\d+)\.0(/.*)?$")
TRANSPORT_EXTENSION = faults.TRANSPORT_EXTENSION


class Stats:
    """Request counters read by tests and benchmarks through `GET /__sandbox/stats`."""

    def __init__(self) -> None:
        """Start at zero."""
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self.lock:
            self.total = 0
            self.by_method: Counter[str] = Counter()
            self.by_path: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.by_host: Counter[str] = Counter()
            self.in_flight = 0
            self.in_flight_max = 0  # the most Graph requests being answered at one time
            self.tokens_in_flight: Counter[str] = Counter()
            self.downloads_by_status: Counter[str] = Counter()  # CDN files (not Graph requests)
            self.tokens_in_flight_max = 0  # the most distinct tokens among them (credentials)

    def enter(self, token: str) -> None:
        """A request arrived (answered concurrently with others only while they wait)."""
        with self.lock:
            self.in_flight += 1
            self.in_flight_max = max(self.in_flight_max, self.in_flight)
            self.tokens_in_flight[token] += 1
            self.tokens_in_flight_max = max(self.tokens_in_flight_max, len(self.tokens_in_flight))

    def leave(self, token: str) -> None:
        """A request was answered."""
        with self.lock:
            self.in_flight -= 1
            self.tokens_in_flight[token] -= 1
            if self.tokens_in_flight[token] <= 0:
                del self.tokens_in_flight[token]

    def record_download(self, host: str, status: str) -> None:
        """Count one CDN request: in `requests_by_host`, not in the Graph request counts."""
        with self.lock:
            self.by_host[host] += 1
            self.downloads_by_status[status] += 1

    def record(self, method: str, host: str, template: str, status: str) -> None:
        """Count one HTTP request."""
        with self.lock:
            self.total += 1
            self.by_method[method] += 1
            self.by_path[f"{method} {template}"] += 1
            self.by_status[status] += 1
            self.by_host[host] += 1


class Sandbox:
    """Everything one running sandbox holds: backend, faults, stats and the network knobs."""

    def __init__(self, backend: GraphBackend, *, latency_ms: float = 0.0) -> None:
        """Serve `backend`; `latency_ms` delays every Graph response to imitate a network."""
        self.backend = backend
        self.publisher = Publisher(backend)
        self.faults = faults.FaultBook()
        self.stats = Stats()
        self.latency_ms = latency_ms
        from instagram_sandbox.webhooks import WebhookSender

        self.webhooks = WebhookSender(backend)

    async def handle(self, request: Request) -> Response:
        """Answer one non-control HTTP request (counted while in flight, with its token)."""
        token = request.headers.get("authorization") or request.query_params.get("access_token", "")
        self.stats.enter(token)
        try:
            return await self._handle(request)
        finally:
            self.stats.leave(token)

    async def _handle(self, request: Request) -> Response:
        root = f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"
        path = request.url.path
        first = path.strip("/").split("/", 1)[0]
        host_header = request.headers.get("host", "").split(":")[0]
        if first in HOSTS:
            host, rest, base = first, path[len(first) + 1 :] or "/", f"{root}/{first}"
        elif host_header in HOSTS:
            host, rest, base = host_header, path, root
        else:
            host, rest, base = "graph.facebook.com", path, root
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        if host == cdn.HOST:
            return self._cdn(rest, request.query_params)
        params, query = await _params(request)
        if host == "www.instagram.com" or host == "www.facebook.com":
            return self._authorize(request, host, rest, params, query, base, root)
        version, version_in_path, rest = _split_version(rest, self.backend.config.default_version)
        token_value, in_params = _token(request, params, query)
        req = GraphRequest(
            method=request.method, path=rest.rstrip("/") or "/", params=params, query=query,
            headers=request.headers, flavour="instagram" if host == "graph.instagram.com" else "facebook",
            version=version or NEWEST_VERSION, version_in_path=version_in_path, base_url=base, root_url=root,
            token_value=token_value, token_in_params=in_params,
        )  # fmt: skip
        if host == rupload.HOST:
            return await rupload.answer(self, request, req)
        if req.path == f"/{self.backend.world.fb_app.app_id}/subscriptions":
            return await self.app_subscriptions(req)
        template = path_template(self.backend, req.path)
        rule = self.faults.pick(req.method, req.path, template, query=req.params)
        if rule is not None and rule.kind in faults.TRANSPORT_KINDS and rule.kind != "batch_null":
            if rule.params.get("applied") and version is not None:
                try:  # the request runs, then its answer is lost on the way back
                    with self.backend.lock:
                        self._route(host, req)
                except errors.SandboxError:
                    pass
            return await self.transport_fault(request, rule, host, template, req)
        try:
            if version is None:
                raise errors.UnknownPathComponents(path=path)
            with self.backend.lock:
                if rule is not None and faults.answers_with_error(
                    rule, self.backend.tokens, req.token_value
                ):
                    acct = req.path.strip("/").split("/")[0]
                    raise rule.error(acct if acct in self.backend.world.accounts else None)
                body, headers, status = self._route(host, req)
            if rule is not None and rule.kind in faults.SHAPE_KINDS:
                body = faults.retype(body, rule.params)
        except errors.SandboxError as err:
            body = err.body(self.backend.fbtrace_id(), instagram_host=req.flavour == "instagram")
            headers, status = err.headers, err.status
        except Exception:  # an emulator bug must still answer like Graph does, and be visible
            log.exception("sandbox error on %s %s", request.method, path)
            crash = errors.UnknownServerError()
            body, headers, status = crash.body(self.backend.fbtrace_id()), {}, crash.status
        self.stats.record(req.method, host, template, str(status))
        return self.json_answer(status, body, headers, req.version)

    def _cdn(self, path: str, query: Mapping[str, str]) -> Response:
        """A file of the CDN: 403 once its link expired (or was tampered with), 404 when gone."""
        b = self.backend
        asset = cdn.parse(path)
        with b.lock:
            item = b.world.media.get(asset.media_id) if asset else None
            refusal = cdn.check(
                path, query.get("oh", ""), query.get("oe", ""), b.now(), b.cdn_secret
            )
        rule = self.faults.pick("GET", f"/{cdn.HOST}{path}", f"/{cdn.HOST}/*", query=dict(query))
        if item is None or item.deleted or asset is None:
            status, body, kind = 404, b"Not Found", "text/plain"
        elif refusal is not None or (rule is not None and rule.kind == "link_expired"):
            status, body, kind = 403, (refusal or "URL signature expired").encode(), "text/plain"
        elif rule is not None and rule.kind in ("server_error", "http_429"):
            status, body, kind = (
                (429 if rule.kind == "http_429" else 500),
                b"Try again",
                "text/plain",
            )
        else:
            status = 200
            body, kind = cdn.content(item.id, asset.kind, asset.video, item.media_product_type)
        self.stats.record_download(cdn.HOST, str(status))
        return Response(body, status, media_type=kind)

    def _route(self, host: str, req: GraphRequest) -> tuple[Any, dict[str, str], int]:
        if host == "api.instagram.com":
            if req.path != "/oauth/access_token" or req.method != "POST":
                raise errors.UnknownPathComponents(path=req.path)
            return oauth.instagram_code_exchange(self.backend, req), {}, 200
        body, headers = dispatch(self.backend, self.publisher, req, self.faults)
        return body, headers, 200

    def _authorize(
        self, request: Request, host: str, rest: str, params: dict[str, str], query: list[tuple[str, str]],
        base: str, root: str,
    ) -> Response:  # fmt: skip
        flavour: Flavour = "instagram" if host == "www.instagram.com" else "facebook"
        _, _, rest = _split_version(rest, NEWEST_VERSION)
        expected = "/oauth/authorize" if flavour == "instagram" else "/dialog/oauth"
        req = GraphRequest(
            request.method,
            rest,
            params,
            query,
            request.headers,
            flavour,
            NEWEST_VERSION,
            False,
            base,
            root,
        )
        try:
            if rest.rstrip("/") != expected:
                raise errors.UnknownPathComponents(path=rest)
            with self.backend.lock:
                target = oauth.authorize(self.backend, req, flavour)
        except errors.SandboxError as err:
            self.stats.record(request.method, host, rest, str(err.status))
            return self.json_answer(
                err.status, err.body(self.backend.fbtrace_id()), {}, NEWEST_VERSION
            )
        self.stats.record(request.method, host, rest, "302")
        return RedirectResponse(target, status_code=302)

    async def transport_fault(
        self, request: Request, rule: faults.FaultRule, host: str, template: str, req: GraphRequest
    ) -> Response:
        """Break the exchange as the transport fault `rule` says (counted in the stats)."""
        self.stats.record(req.method, host, template, rule.kind)
        transport = request.scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
        if rule.kind == "hang":
            await asyncio.sleep(float(rule.params.get("seconds", 120)))
            return self.json_answer(200, {"data": []}, {}, req.version)
        if rule.kind == "non_json":
            return Response(
                "<html><body><h1>502 Bad Gateway</h1></body></html>", 502, media_type="text/html"
            )
        if rule.kind == "truncated":
            return _TruncatedResponse(transport)
        if rule.kind == "drip":
            return _DrippingResponse(float(rule.params.get("interval", 1.0)))
        if transport is not None:
            transport.close()
            await asyncio.sleep(0)
        return Response(b"", 500)

    async def app_subscriptions(self, req: GraphRequest) -> Response:
        """The app's webhook subscription; the app token (`{app-id}|{app-secret}`) only."""
        app = self.backend.world.fb_app
        if req.token_value != f"{app.app_id}|{app.secret}":
            status, body = 400, errors.InvalidAccessToken().body(self.backend.fbtrace_id())
        else:
            status, body = await asyncio.to_thread(
                self.webhooks.subscription, req.method, req.params
            )
        self.stats.record(req.method, "graph.facebook.com", "/{app-id}/subscriptions", str(status))
        return self.json_answer(status, body, {}, req.version)

    def json_answer(
        self, status: int, body: Any, headers: dict[str, str], version: int
    ) -> Response:
        """A Graph JSON answer with Graph's headers."""
        out = {
            "facebook-api-version": f"v{version}.0",
            "x-fb-trace-id": self.backend.fbtrace_id(),
            "x-fb-request-id": self.backend.fbtrace_id(),
            "date": formatdate(self.backend.now(), usegmt=True),
            "cache-control": "private, no-cache, no-store, must-revalidate",
            **headers,
        }
        payload = msgspec.json.encode(body)  # compact UTF-8, as json.dumps(ensure_ascii=False)
        return Response(payload, status, headers=out, media_type="application/json; charset=UTF-8")


class _DrippingResponse(Response):
    """A whole, valid answer sent one byte per `interval` seconds: no single read ever times out."""

    def __init__(self, interval: float) -> None:
        super().__init__(b"")
        self.interval = interval

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b'{"data":[],"note":"' + b"." * 200 + b'"}'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json; charset=UTF-8"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        gone = asyncio.Event()

        async def watch() -> None:  # stop dripping once the caller hangs up
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        for i in range(len(body)):
            if gone.is_set():
                return
            await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": True})
            await asyncio.sleep(self.interval)
        watcher.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _TruncatedResponse(Response):
    """Headers promise more bytes than the body brings, then the connection closes."""

    def __init__(self, transport: Any) -> None:
        super().__init__(b"")
        self.transport = transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b'{"data":[{"id":"1790000000000000'
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json; charset=UTF-8"), (b"content-length", b"4096")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body, "more_body": True})
        if self.transport is not None:
            self.transport.close()


def _split_version(rest: str, default: int) -> tuple[int | None, bool, str]:
    """(version, named in path, path without it); versions before v21 are served by v21 (§0)."""
    match = _VERSION.match(rest)
    if not match:
        return default, False, rest
    named = int(match.group(1))
    if named > max(SUPPORTED_VERSIONS):
        return None, True, match.group(2) or "/"
    return max(named, min(SUPPORTED_VERSIONS)), True, match.group(2) or "/"


async def _params(request: Request) -> tuple[dict[str, str], list[tuple[str, str]]]:
    query = list(request.query_params.multi_items())
    params = dict(query)
    if request.method in ("POST", "DELETE"):
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            params.update({k: v for k, v in form.multi_items() if isinstance(v, str)})
        elif ctype.startswith("application/json"):
            try:
                data = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                data = {}
            if isinstance(data, dict):
                params.update(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
                )
    return params, query


def _token(
    request: Request, params: dict[str, str], query: list[tuple[str, str]]
) -> tuple[str | None, bool]:
    """Token from `Authorization: Bearer|OAuth`, the query string or the form body (§2.4)."""
    auth = request.headers.get("authorization", "")
    for scheme in ("Bearer ", "OAuth "):
        if auth.startswith(scheme):
            return auth[len(scheme) :].strip(), False
    return params.get("access_token"), any(k == "access_token" for k, _ in query)


def create_app(sandbox: Sandbox) -> Starlette:
    """The Starlette application: control routes under `/__sandbox`, everything else is Graph."""

    async def graph(request: Request) -> Response:
        return await sandbox.handle(request)

    app = Starlette(
        routes=[
            Mount("/__sandbox", routes=control.routes(sandbox)),
            Route("/{path:path}", graph, methods=["GET", "POST", "DELETE"]),
        ]
    )
    app.state.sandbox = sandbox
    return app
