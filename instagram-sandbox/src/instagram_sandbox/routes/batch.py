"""The root path: batch requests (`POST /` with `batch=`) and multi-id reads (`GET /?ids=`) (§5.1)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec

from instagram_sandbox import errors
from instagram_sandbox.faults import SHAPE_KINDS, TRANSPORT_KINDS, answers_with_error, retype
from instagram_sandbox.routes.request import Ctx, GraphRequest

MAX_BATCH = 50
MAX_IDS = 50
_VERSION = re.compile(r"^/?v(\d+)\.0(/|$)")
_REFERENCE = re.compile(r"\{result=([A-Za-z0-9_\-]+):\$\.([^}]*)\}")


def root(ctx: Ctx) -> Any:
    """`GET /?ids=…` or `POST /` with `batch=…`."""
    if ctx.req.method == "GET":
        return multi_ids(ctx)
    if ctx.req.method == "POST" and "batch" in ctx.req.params:
        if ctx.flavour == "instagram" and not ctx.backend.config.instagram_batch:
            raise errors.UnknownPathComponents(path="/")
        return run_batch(ctx)
    raise errors.MissingParameter(name="batch")


def multi_ids(ctx: Ctx) -> dict[str, Any]:
    """Each id is read as its own call and charged as one (§7.3)."""
    from instagram_sandbox.urls import dispatch

    ids = [i for i in ctx.req.params.get("ids", "").split(",") if i]
    if not ids:
        raise errors.MissingParameter(name="ids")
    if len(ids) > MAX_IDS:
        raise errors.TooManyIds(count=len(ids))
    params = {k: v for k, v in ctx.req.params.items() if k != "ids"}
    out: dict[str, Any] = {}
    for object_id in ids:
        sub = replace(
            ctx.req,
            path=f"/{object_id}",
            params=dict(params),
            query=[(k, v) for k, v in params.items()],
        )
        body, headers = dispatch(ctx.backend, ctx.publisher, sub, ctx.faults)
        ctx.headers.update(headers)
        out[object_id] = body
    return out


def _resolve(value: Any, path: str) -> str:
    """A small JSONPath: `id`, `data.0.id`, `data.*.id` (joined with commas)."""
    current: list[Any] = [value]
    for part in [p for p in path.split(".") if p]:
        nxt: list[Any] = []
        for item in current:
            if part == "*" and isinstance(item, list):
                nxt.extend(item)
            elif isinstance(item, list) and part.isdigit() and int(part) < len(item):
                nxt.append(item[int(part)])
            elif isinstance(item, dict) and part in item:
                nxt.append(item[part])
        current = nxt
    return ",".join(str(v) for v in current)


def _substitute(text: str, results: dict[str, Any]) -> str:
    def repl(match: re.Match[str]) -> str:
        name, path = match.group(1), match.group(2)
        if name not in results or results[name] is None:
            raise errors.BatchDependencyFailed(name=name)
        return _resolve(results[name], path)

    return _REFERENCE.sub(repl, text)


def _operation_request(ctx: Ctx, op: dict[str, Any], results: dict[str, Any]) -> GraphRequest:
    relative = _substitute(str(op.get("relative_url", "")), results)
    version, version_in_path = ctx.req.version, ctx.req.version_in_path
    match = _VERSION.match(relative)
    if match:
        version, version_in_path = max(21, int(match.group(1))), True
        relative = relative[match.end(1) + 3 :]
    parts = urlsplit("/" + relative.lstrip("/"))
    query = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(query)
    body = op.get("body")
    if body:
        params.update(parse_qsl(_substitute(str(body), results), keep_blank_values=True))
    token_value = params.get("access_token") or ctx.req.token_value
    return replace(
        ctx.req, method=str(op.get("method", "GET")).upper(), path=parts.path.rstrip("/") or "/",
        params=params, query=query, version=version, version_in_path=version_in_path,
        token_value=token_value, token_in_params="access_token" in params or ctx.req.token_in_params,
        in_batch=True, body=b"",
    )  # fmt: skip


def run_batch(ctx: Ctx) -> list[Any]:
    """Run up to 50 operations in order; per-op errors and `null` entries, each op charged."""
    from instagram_sandbox.urls import dispatch, path_template

    try:
        ops = json.loads(ctx.req.params["batch"])
    except json.JSONDecodeError:
        raise errors.InvalidParameter(detail="batch must be a JSON array of requests") from None
    if not isinstance(ops, list) or not all(isinstance(o, dict) for o in ops):
        raise errors.InvalidParameter(detail="batch must be a JSON array of requests")
    if len(ops) > MAX_BATCH:
        raise errors.BatchTooLarge()
    results: dict[str, Any] = {}
    failed: set[str] = set()
    answers: list[Any] = []
    for op in ops:
        name = op.get("name")
        try:
            if op.get("depends_on") in failed:
                raise errors.BatchDependencyFailed(name=op["depends_on"])
            sub = _operation_request(ctx, op, results)
            rule = (
                ctx.faults.pick(
                    sub.method,
                    sub.path,
                    path_template(ctx.backend, sub.path),
                    in_batch=True,
                    query=sub.params,
                )
                if ctx.faults
                else None
            )
            if rule is not None and rule.kind == "batch_unreadable":
                # The op runs; its entry comes back with a body that is not JSON.
                dispatch(ctx.backend, ctx.publisher, sub, ctx.faults)
                answers.append({"code": 200, "headers": [], "body": '{"id": "1790'})
                continue
            if rule is not None and rule.kind in TRANSPORT_KINDS:
                if rule.params.get("applied"):  # the op ran, but its answer is lost
                    dispatch(ctx.backend, ctx.publisher, sub, ctx.faults)
                answers.append(None)  # an op that timed out comes back as null (§5.1)
                if name:
                    failed.add(name)
                continue
            if rule is not None and answers_with_error(rule, ctx.backend.tokens, sub.token_value):
                raise rule.error(None)
            body, headers = dispatch(ctx.backend, ctx.publisher, sub, ctx.faults)
            if rule is not None and rule.kind in SHAPE_KINDS:
                body = retype(body, rule.params)
        except errors.SandboxError as err:
            if name:
                failed.add(name)
                results[name] = None
            answers.append(_answer(err.status, err.body(ctx.backend.fbtrace_id()), err.headers))
            continue
        if name:
            results[name] = body
        if op.get("omit_response_on_success") is True:
            answers.append(None)
        else:
            answers.append(_answer(200, body, headers))
    return answers


def _answer(code: int, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    merged = {"Content-Type": "text/javascript; charset=UTF-8", **headers}
    return {
        "code": code,
        "headers": [{"name": k, "value": v} for k, v in merged.items()],
        "body": _json_text(body),
    }


def _json_text(body: Any) -> str:
    """A body as compact JSON text with non-ASCII escaped, as Graph writes it.

    msgspec writes it several times faster; the standard library escapes where it must.
    """
    text = msgspec.json.encode(body).decode()
    return text if text.isascii() else json.dumps(body, separators=(",", ":"))
