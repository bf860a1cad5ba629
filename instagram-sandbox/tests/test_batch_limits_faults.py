"""Batch requests, rate limits and injected faults (§5.1, §7.3, §9.11–9.13)."""

from __future__ import annotations

import json

import pytest
import requests

from instagram_sandbox.testing import Demo, graph_error


def _batch(demo: Demo, ops: list[dict]) -> list:
    return list(demo.ok(demo.post("/", batch=json.dumps(ops))))


def test_batch_results_errors_references_and_charging(demo: Demo) -> None:
    demo.control.reset_stats()
    ops = [
        {"method": "GET", "relative_url": f"v21.0/{demo.acme}?fields=username", "name": "me"},
        {"method": "GET", "relative_url": "999999999?fields=id"},
        {"method": "GET", "relative_url": "{result=me:$.id}/media?limit=2", "depends_on": "me"},
    ]
    answers = _batch(demo, ops)
    assert json.loads(answers[0]["body"]) == {"username": "acmecoffee", "id": demo.acme}
    assert (
        answers[1]["code"] == 400 and json.loads(answers[1]["body"])["error"]["error_subcode"] == 33
    )
    assert len(json.loads(answers[2]["body"])["data"]) == 2
    stats = demo.control.stats()
    assert stats["requests_total"] == 1 and stats["requests_by_path"] == {"POST /": 1}
    assert stats["graph_calls"] == 2  # the failed lookup charged no account
    too_many = graph_error(demo.post("/", batch=json.dumps([ops[0]] * 51)))
    assert (
        too_many["message"] == "(#100) Too many requests in batch message. Maximum batch size is 50"
    )


def test_batch_null_entries_and_writes(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", limit=3))["data"]
    demo.control.add_fault(kind="batch_null", path="/{ig-media-id}", nth=2)
    answers = _batch(demo, [{"method": "GET", "relative_url": m["id"]} for m in media])
    assert answers[1] is None and answers[0]["code"] == answers[2]["code"] == 200
    post = _batch(
        demo,
        [
            {
                "method": "POST",
                "relative_url": f"{media[0]['id']}/comments",
                "body": "message=Batch+hello",
            }
        ],
    )
    assert json.loads(post[0]["body"])["id"] == demo.control.writes()[-1]["result_id"]


def test_buc_usage_climbs_then_80002_and_block_extends(demo: Demo) -> None:
    demo.control.configure(
        buc_calls_per_impression=1, buc_block_seconds=120, buc_penalty_seconds=60
    )
    demo.control.set_quota(demo.acme, impressions=10)
    headers = [demo.get(f"/{demo.acme}").headers.get("x-business-use-case-usage") for _ in range(9)]
    assert headers[:3] == [None, None, None]  # absent on the first calls: unknown, not zero
    usage = [json.loads(h)[demo.acme][0]["call_count"] for h in headers[3:]]
    assert usage == sorted(usage) and usage[-1] == 90
    throttled = demo.get(f"/{demo.acme}")
    err = graph_error(throttled)
    assert err["code"] == 80002 and err["message"].startswith(
        "(#80002) There have been too many calls"
    )
    regain = json.loads(throttled.headers["x-business-use-case-usage"])[demo.acme][0][
        "estimated_time_to_regain_access"
    ]
    assert regain == 2
    again = demo.get(f"/{demo.acme}")
    assert (
        json.loads(again.headers["x-business-use-case-usage"])[demo.acme][0][
            "estimated_time_to_regain_access"
        ]
        == 3
    )
    demo.control.advance(180)
    assert demo.get(f"/{demo.acme}").status_code == 200
    demo.control.configure(throttle_http_status=403)
    for _ in range(10):
        last = demo.get(f"/{demo.acme}")
    assert last.status_code == 403


def test_platform_limits_on_hashtags_and_business_discovery(demo: Demo) -> None:
    demo.control.configure(platform_calls_per_hour=4, platform_error_code=613)
    answers = [demo.get("/ig_hashtag_search", user_id=demo.acme, q="coffee") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert graph_error(answers[-1])["code"] == 613 and "x-app-usage" in answers[-1].headers
    assert (
        graph_error(
            demo.get(f"/{demo.acme}", fields="business_discovery.username(bluebottle){id}")
        )["code"]
        == 613
    )


def test_thirty_hashtags_per_seven_days(demo: Demo) -> None:
    for i in range(30):
        demo.ok(demo.get("/ig_hashtag_search", user_id=demo.acme, q=f"tag{i}"))
    assert (
        demo.get("/ig_hashtag_search", user_id=demo.acme, q="tag3").status_code == 200
    )  # repeats are free
    assert graph_error(demo.get("/ig_hashtag_search", user_id=demo.acme, q="tag30"))["code"] == 18
    recent = demo.ok(demo.get(f"/{demo.acme}/recently_searched_hashtags", limit=30))["data"]
    assert len(recent) == 30
    demo.control.advance(7 * 86400)
    assert demo.get("/ig_hashtag_search", user_id=demo.acme, q="tag30").status_code == 200


@pytest.mark.parametrize(
    ("kind", "params", "status", "code"),
    [
        ("server_error", {"code": 1}, 500, 1),
        ("server_error", {"code": 2}, 500, 2),
        ("throttle", {"code": 4}, 400, 4),
        ("throttle", {"code": 17}, 400, 17),
        ("throttle", {"code": 32, "status": 403}, 403, 32),
        ("throttle", {"code": 613}, 400, 613),
        ("throttle", {"code": 80002, "regain_minutes": 5}, 400, 80002),
        ("reduce_data", {}, 500, 1),
        ("expired_token", {}, 400, 190),
        ("http_429", {}, 429, 4),
        ("deleted_object", {}, 400, 100),
    ],
)
def test_error_faults(demo: Demo, kind: str, params: dict, status: int, code: int) -> None:
    demo.control.add_fault(kind=kind, method="GET", path="/{ig-user-id}/media", params=params)
    answer = demo.get(f"/{demo.acme}/media")
    assert answer.status_code == status and graph_error(answer)["code"] == code
    if kind == "server_error":
        assert graph_error(answer)["is_transient"] is True
    if code == 80002:
        assert (
            json.loads(answer.headers["x-business-use-case-usage"])[demo.acme][0][
                "estimated_time_to_regain_access"
            ]
            == 5
        )
    again = demo.get(f"/{demo.acme}/media")
    if kind == "expired_token":  # the token itself expired: it stays dead (§11)
        assert again.status_code == 400 and graph_error(again)["error_subcode"] == 463
        other = demo.control.issue_token(demo.acme)
        assert demo.get(f"/{demo.acme}/media", token=other).status_code == 200  # fired once
    else:
        assert again.status_code == 200  # fired once (count defaults to 1)


def test_transport_faults(demo: Demo) -> None:
    demo.control.add_fault(kind="hang", path="/{ig-user-id}", params={"seconds": 2})
    with pytest.raises(requests.ReadTimeout):
        demo.server.client().session.get(
            f"{demo.base}/{demo.acme}",
            headers={"Authorization": f"Bearer {demo.fb_token}"},
            timeout=0.5,
        )
    demo.control.add_fault(kind="drop", path="/{ig-user-id}")
    with pytest.raises(requests.ConnectionError):
        requests.get(
            f"{demo.base}/{demo.acme}",
            headers={"Authorization": f"Bearer {demo.fb_token}"},
            timeout=5,
        )
    demo.control.add_fault(kind="truncated", path="/{ig-user-id}")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.get(
            f"{demo.base}/{demo.acme}",
            headers={"Authorization": f"Bearer {demo.fb_token}"},
            timeout=5,
        )
    demo.control.add_fault(kind="non_json", path="/{ig-user-id}")
    html = demo.get(f"/{demo.acme}")
    assert html.status_code == 502 and html.headers["content-type"].startswith("text/html")
    assert demo.get(f"/{demo.acme}").status_code == 200


def test_fault_triggers_are_deterministic(demo: Demo) -> None:
    demo.control.add_fault(kind="server_error", path="/{ig-user-id}", every=3)
    codes = [demo.get(f"/{demo.acme}").status_code for _ in range(6)]
    assert codes == [200, 200, 500, 200, 200, 500]
    demo.control.clear_faults()
    demo.control.add_fault(kind="server_error", path="/{ig-user-id}", nth=2)
    assert [demo.get(f"/{demo.acme}").status_code for _ in range(3)] == [200, 500, 200]
    demo.control.clear_faults()
    rule = {"kind": "server_error", "path": "/{ig-user-id}", "probability": 0.5, "seed": 42}
    demo.control.add_fault(**rule)
    first = [demo.get(f"/{demo.acme}").status_code for _ in range(12)]
    demo.control.clear_faults()
    demo.control.add_fault(**rule)
    assert (
        [demo.get(f"/{demo.acme}").status_code for _ in range(12)] == first
        and 500 in first
        and 200 in first
    )
    demo.control.clear_faults()
    demo.control.add_fault(kind="server_error", path="/{ig-user-id}", count=2)
    assert [demo.get(f"/{demo.acme}").status_code for _ in range(3)] == [500, 500, 200]


def test_applied_faults_run_the_write_and_lose_the_answer(demo: Demo) -> None:
    media = demo.ok(demo.get(f"/{demo.acme}/media", limit=2))["data"]
    demo.control.add_fault(
        kind="batch_null", path="/{ig-media-id}/comments", params={"applied": True}
    )
    ops = [{"method": "POST", "relative_url": f"{media[0]['id']}/comments", "body": "message=Lost"}]
    assert _batch(demo, ops) == [None]
    assert demo.control.writes()[-1]["message"] == "Lost"
    demo.control.add_fault(kind="drop", path="/{ig-media-id}/comments", params={"applied": True})
    with pytest.raises(requests.ConnectionError):
        demo.post(f"/{media[1]['id']}/comments", message="Dropped")
    assert demo.control.writes()[-1]["message"] == "Dropped"
    demo.control.add_fault(kind="drop", path="/{ig-media-id}/comments")
    with pytest.raises(requests.ConnectionError):
        demo.post(f"/{media[1]['id']}/comments", message="Never")
    assert demo.control.writes()[-1]["message"] == "Dropped"
