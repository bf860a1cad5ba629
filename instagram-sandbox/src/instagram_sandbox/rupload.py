"""rupload.facebook.com: the resumable video upload host (graph-api.md §6.1).

Chunks stream in: the bytes are taken as they arrive, so the `upload_cut` fault (cut the
connection after `params.after_bytes` bytes of one request's body) leaves Graph holding more bytes
than the client saw acknowledged — the case a resuming client must ask about or be told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from instagram_sandbox import errors, faults
from instagram_sandbox.routes.request import GraphRequest
from instagram_sandbox.state.uploads import Upload, Uploads

if TYPE_CHECKING:
    from instagram_sandbox.app import Sandbox

HOST = "rupload.facebook.com"
TEMPLATE = "/ig-api-upload/{ig-container-id}"


async def answer(sandbox: Sandbox, request: Request, req: GraphRequest) -> Response:
    """Answer one request to the upload host: `GET` (offset) or `POST` (a chunk, or `file_url`)."""
    rule = sandbox.faults.pick(req.method, f"/{HOST}{req.path}", TEMPLATE)
    if rule is not None and rule.kind in faults.TRANSPORT_KINDS and rule.kind != "upload_cut":
        return await sandbox.transport_fault(request, rule, HOST, TEMPLATE, req)
    uploads = Uploads(sandbox.backend)
    try:
        with sandbox.backend.lock:
            box = _container(sandbox, req)
            if rule is not None and rule.kind in faults.ERROR_KINDS:
                raise rule.error(box.owner_id)
            if req.method == "GET":
                body: Any = uploads.status(box)
            elif "file_url" in req.headers:
                body = uploads.from_url(box, req.headers["file_url"])
            else:
                upload, offset = uploads.begin(box, req.headers)
        if req.method == "POST" and "file_url" not in req.headers:
            cut = (
                int(rule.params.get("after_bytes", 0))
                if rule and rule.kind == "upload_cut"
                else None
            )
            if not await _receive(sandbox, request, uploads, upload, cut):
                sandbox.stats.record(req.method, HOST, TEMPLATE, "upload_cut")
                _cut(sandbox, request, box.owner_id, box.id, offset, upload)
                return Response(b"", 500)
            with sandbox.backend.lock:
                body = uploads.end(box, upload, offset)
        status = 200
    except errors.SandboxError as err:
        body, status = err.body(sandbox.backend.fbtrace_id()), err.status
    sandbox.stats.record(req.method, HOST, TEMPLATE, str(status))
    return sandbox.json_answer(status, body, {}, req.version)


def _container(sandbox: Sandbox, req: GraphRequest) -> Any:
    """The container named by the path, for a token given the way rupload wants it (`OAuth …`)."""
    backend = sandbox.backend
    auth = req.headers.get("authorization", "")
    if not auth.startswith("OAuth "):
        raise errors.UploadFailed(detail="Authorization: OAuth <token> is required on rupload")
    token = backend.tokens.validate(auth.removeprefix("OAuth ").strip(), "facebook")
    return backend.container(req.path.rstrip("/").rsplit("/", 1)[-1], token)


async def _receive(
    sandbox: Sandbox, request: Request, uploads: Uploads, upload: Upload, cut: int | None
) -> bool:
    """Take the body as it streams in; False when the fault cut it after `cut` bytes."""
    got = 0
    async for data in request.stream():
        if cut is not None and got + len(data) >= cut:
            data = data[: cut - got]
        with sandbox.backend.lock:
            uploads.take(upload, data)
        got += len(data)
        if cut is not None and got >= cut:
            return False
    return True


def _cut(
    sandbox: Sandbox, request: Request, owner: str, box_id: str, offset: int, upload: Upload
) -> None:
    """Log the partial chunk and close the connection without an answer."""
    with sandbox.backend.lock:
        sandbox.backend.record_write("container.upload_chunk", owner, box_id, offset=offset,
                                     bytes=upload.received - offset, cut=True)  # fmt: skip
    transport = request.scope.get("extensions", {}).get(faults.TRANSPORT_EXTENSION)
    if transport is not None:
        transport.close()
