"""Resumable upload: chunks at offsets, resuming where Graph stands under both ways of telling it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
import responses

from instagram_graph import errors
from instagram_graph.auth import GraphAuthenticator
from instagram_graph.client import GraphClient
from instagram_graph.settings import GraphSettings
from instagram_graph.upload import ResumableUpload, UploadError
from instagram_sandbox.testing import Demo

VIDEO = bytes(range(256)) * 100  # 25,600 bytes


def _container(demo: Demo) -> dict[str, Any]:
    return dict(
        demo.ok(demo.post(f"/{demo.acme}/media", media_type="REELS", upload_type="resumable"))
    )


def _upload(
    client: GraphClient, uri: str, recorded: list[int], chunk: int = 8192
) -> ResumableUpload:
    return ResumableUpload(client, uri, lambda: io.BytesIO(VIDEO), len(VIDEO), chunk_bytes=chunk,
                           on_progress=recorded.append)  # fmt: skip


def _chunks(demo: Demo) -> list[tuple[int, int]]:
    return [
        (w["offset"], w["bytes"])
        for w in demo.control.writes()
        if w["kind"] == "container.upload_chunk"
    ]


def test_uploads_in_chunks_and_reports_each_offset(
    demo: Demo, make_client: Callable[..., GraphClient]
) -> None:
    box, recorded = _container(demo), []
    sent = _upload(make_client(), box["uri"], recorded).run()
    assert sent == 4 and recorded == [8192, 16384, 24576, 25600]
    assert _chunks(demo) == [(0, 8192), (8192, 8192), (16384, 8192), (24576, 1024)]
    done = next(w for w in demo.control.writes() if w["kind"] == "container.upload")
    assert done["sha256"] == hashlib.sha256(VIDEO).hexdigest()


@pytest.mark.parametrize("resume", ["mismatch", "query"])
def test_resumes_where_graph_stands_after_a_cut(
    demo: Demo, make_client: Callable[..., GraphClient], resume: str
) -> None:
    demo.control.configure(rupload_resume=resume)
    demo.control.add_fault(kind="upload_cut", method="POST", path="/rupload.facebook.com/*",
                           nth=2, params={"after_bytes": 3000})  # fmt: skip
    box, recorded = _container(demo), []
    _upload(make_client(), box["uri"], recorded).run()
    assert recorded[-1] == len(VIDEO)
    chunks = _chunks(demo)
    # The second chunk was cut after 3,000 bytes: Graph holds 11,192, and the upload goes on there.
    assert chunks[:2] == [(0, 8192), (8192, 3000)]
    assert chunks[2][0] == 11192 and sum(b for _, b in chunks) == len(VIDEO)
    done = next(w for w in demo.control.writes() if w["kind"] == "container.upload")
    assert done["sha256"] == hashlib.sha256(VIDEO).hexdigest()


@pytest.mark.parametrize("resume", ["mismatch", "query"])
def test_a_resumed_run_starts_at_the_recorded_offset(
    demo: Demo, make_client: Callable[..., GraphClient], resume: str
) -> None:
    demo.control.configure(rupload_resume=resume)
    box, first = _container(demo), []

    def killed_after_two(offset: int) -> None:
        first.append(offset)
        if len(first) == 2:
            raise SystemExit(137)

    upload = ResumableUpload(make_client(), box["uri"], lambda: io.BytesIO(VIDEO), len(VIDEO),
                             chunk_bytes=8192, on_progress=killed_after_two)  # fmt: skip
    with pytest.raises(SystemExit):
        upload.run()
    assert first == [8192, 16384]
    later: list[int] = []
    _upload(make_client(), box["uri"], later).run(offset=16384)
    assert later == [24576, 25600]
    assert [o for o, _ in _chunks(demo)][-2:] == [16384, 24576]


def test_a_file_that_changed_size_is_refused_before_any_chunk(
    demo: Demo, make_client: Callable[..., GraphClient]
) -> None:
    box = _container(demo)
    upload = ResumableUpload(make_client(), box["uri"], lambda: io.BytesIO(VIDEO[:100]), len(VIDEO))
    with pytest.raises(UploadError, match="changed"):
        upload.run()
    assert _chunks(demo) == []


def test_refuses_an_upload_uri_on_another_host(
    demo: Demo, make_client: Callable[..., GraphClient]
) -> None:
    with pytest.raises(errors.BadResponseError, match="another host"):
        ResumableUpload(make_client(), "https://evil.example/ig-api-upload/1", io.BytesIO, 1)


URI = "https://rupload.facebook.com/ig-api-upload/v25.0/1788"


def _client() -> GraphClient:
    settings = GraphSettings.from_config({"access_token": "EAAtoken", "initial_retry_interval_millis": 1,
                                          "maximum_retries_interval_millis": 2, "maximum_retries": 2})  # fmt: skip
    client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
    client.pacer.sleep = lambda seconds: None
    return client


@responses.activate
def test_a_refusal_naming_no_offset_starts_over() -> None:
    responses.get(URI, status=400, json={"debug_info": {"message": "Unsupported"}})
    responses.post(
        URI, status=400, json={"debug_info": {"retriable": True, "message": "Bad offset"}}
    )
    responses.post(URI, json={"success": True})
    recorded: list[int] = []
    ResumableUpload(
        _client(), URI, lambda: io.BytesIO(b"x" * 10), 10, on_progress=recorded.append
    ).run(offset=4)
    offsets = [
        c.request.headers.get("offset") for c in responses.calls if c.request.method == "POST"
    ]
    assert offsets == ["4", "0"] and recorded == [10]
    assert responses.calls[1].request.headers["Authorization"] == "OAuth EAAtoken"


@responses.activate
def test_gives_up_after_the_retry_budget_and_fails_hard_on_a_final_refusal() -> None:
    for _ in range(3):
        responses.post(URI, status=503, body="unavailable")
    responses.get(URI, status=400, json={"debug_info": {"message": "Unsupported"}})
    with pytest.raises(errors.TransientError):
        ResumableUpload(_client(), URI, lambda: io.BytesIO(b"x" * 10), 10).run()
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert (
        len(posts) == 3
    )  # maximum_retries 2: three tries, each followed by asking where it stands
    responses.reset()
    responses.post(
        URI,
        status=400,
        json={"debug_info": {"retriable": False, "message": "ProcessingFailedError"}},
    )
    with pytest.raises(UploadError, match="ProcessingFailedError"):
        ResumableUpload(_client(), URI, lambda: io.BytesIO(b"x" * 10), 10).run()
