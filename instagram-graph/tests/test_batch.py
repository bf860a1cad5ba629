"""Batch requests: encoding, decoding, per-operation errors, null entries, re-sending."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from instagram_graph import errors
from instagram_graph.batch import BatchOperation, BatchResult, decode_batch, encode_batch
from instagram_graph.client import GraphClient
from instagram_sandbox.testing import Demo

MakeClient = Callable[..., GraphClient]


def test_encode_reads_and_writes() -> None:
    ops = [
        BatchOperation("GET", "1784/insights", {"metric": "reach", "period": "day"}),
        BatchOperation("POST", "1789/comments", {"message": "hi & bye"}, name="c1"),
        BatchOperation("DELETE", "1790"),
    ]
    assert json.loads(encode_batch(ops, "v25.0")) == [
        {"method": "GET", "relative_url": "v25.0/1784/insights?metric=reach&period=day"},
        {
            "method": "POST",
            "relative_url": "v25.0/1789/comments",
            "body": "message=hi+%26+bye",
            "name": "c1",
        },
        {"method": "DELETE", "relative_url": "v25.0/1790"},
    ]


def test_more_than_50_operations_do_not_fit_one_batch() -> None:
    with pytest.raises(ValueError, match="at most 50"):
        encode_batch([BatchOperation("GET", "1")] * 51, "v25.0")


def test_decode_json_string_bodies_errors_and_nulls() -> None:
    ops = [BatchOperation("GET", "1"), BatchOperation("GET", "2"), BatchOperation("GET", "3", insights=True),
           BatchOperation("GET", "4")]  # fmt: skip
    answer = [
        {"code": 200, "headers": [], "body": '{"id":"1"}'},
        {
            "code": 400,
            "body": json.dumps({"error": {"message": "gone", "code": 100, "error_subcode": 33}}),
        },
        {
            "code": 400,
            "body": json.dumps({"error": {"message": "(#10) Not enough viewers", "code": 10}}),
        },
        None,
    ]
    one, two, three, four = decode_batch(answer, ops)
    assert one is not None and one.ok and one.body == {"id": "1"}
    assert two is not None and type(two.error) is errors.NotFoundError
    assert three is not None and type(three.error) is errors.InsufficientDataError
    assert four is None


def test_decode_rejects_a_wrong_shape() -> None:
    with pytest.raises(errors.BadResponseError, match="1 entries for 2 operations"):
        decode_batch([None], [BatchOperation("GET", "1"), BatchOperation("GET", "2")])


def media_ids(client: GraphClient, demo: Demo) -> list[str]:
    return [m["id"] for m in client.items(f"{demo.acme}/media", {"fields": "id", "limit": 100})]


def test_sixty_reads_in_two_batches_in_order_with_a_per_op_error(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    ids = media_ids(client, demo)
    ids[7] = "17999999999999999"  # does not exist
    demo.control.reset_stats()
    results = client.batch([BatchOperation("GET", i, {"fields": "id,media_type"}) for i in ids])
    assert len(results) == 60
    assert demo.control.stats()["requests_by_path"] == {"POST /": 2}
    assert [r.body["id"] for r in results if r.ok] == [i for n, i in enumerate(ids) if n != 7]
    assert type(results[7].error) is errors.NotFoundError and results[7].status == 400


def test_null_entries_are_sent_again(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    ids = media_ids(client, demo)[:5]
    demo.control.add_fault(kind="batch_null", path=f"/{ids[2]}")
    demo.control.reset_stats()
    results = client.batch([BatchOperation("GET", i, {"fields": "id"}) for i in ids])
    assert [r.body["id"] for r in results] == ids
    assert demo.control.stats()["requests_by_path"] == {"POST /": 2}


def test_retriable_per_op_errors_are_sent_again_after_the_wait(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    ids = media_ids(client, demo)[:3]
    demo.control.add_fault(kind="throttle", path=f"/{ids[1]}", params={"code": 4})
    results = client.batch(
        [BatchOperation("GET", i, {"fields": "id"}) for i in ids], account=demo.acme
    )
    assert all(r.ok for r in results)
    assert any(w[0] == demo.acme for w in client.pacer.waits)


def test_writes_in_a_batch(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    ids = media_ids(client, demo)[:2]
    ops = [BatchOperation("POST", f"{ids[0]}/comments", {"message": "One"}),
           BatchOperation("POST", "17999999999999999/comments", {"message": "Lost"}),
           BatchOperation("POST", f"{ids[1]}/comments", {"message": "Two"})]  # fmt: skip
    results = client.batch(ops, account=demo.acme)
    assert results[0].ok and results[2].ok and results[0].body["id"] != results[2].body["id"]
    assert type(results[1].error) is errors.NotFoundError
    assert len([w for w in demo.control.writes() if w["kind"] == "comment.create"]) == 2


def test_null_write_is_not_sent_again(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    media = media_ids(client, demo)[0]
    demo.control.add_fault(kind="batch_null", path=f"/{media}/comments")
    demo.control.reset_stats()
    results = client.batch([BatchOperation("POST", f"{media}/comments", {"message": "Hi"})])
    error = results[0].error
    assert type(error) is errors.NetworkError and error.sent and "may or may not" in str(error)
    assert demo.control.stats()["requests_by_path"] == {"POST /": 1}


def test_null_repeatable_write_is_sent_again(demo: Demo, make_client: MakeClient) -> None:
    client = make_client()
    media = media_ids(client, demo)[0]
    demo.control.add_fault(kind="batch_null", path=f"/{media}")
    op = BatchOperation("POST", media, {"comment_enabled": "false"}, repeatable=True)
    results = client.batch([op])
    assert results[0].ok and results[0].body == {"success": True}
    assert [w["kind"] for w in demo.control.writes()] == ["media.comment_enabled"]


def ig_client(demo: Demo, make_client: MakeClient, **overrides: Any) -> GraphClient:
    return make_client(
        access_token=demo.ig_token, login="instagram", api_url=demo.ig_base, **overrides
    )


def test_a_refused_batch_falls_back_to_single_calls_once_per_run(
    demo: Demo, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    demo.control.configure(instagram_batch=False)
    client = ig_client(demo, make_client)
    ids = [m["id"] for m in client.items(f"{demo.creator}/media", {"fields": "id"})][:3]
    ops = [BatchOperation("GET", i, {"fields": "id"}) for i in [*ids, "17999999999999999"]]
    demo.control.reset_stats()
    first = client.batch(ops)
    second = client.batch(ops[:2])
    assert [r.body["id"] for r in first[:3]] == ids and type(first[3].error) is errors.NotFoundError
    assert [r.body["id"] for r in second] == ids[:2]
    paths = demo.control.stats()["requests_by_path"]
    assert paths.pop("POST /") == 1  # refused once, never asked again in this run
    assert sum(paths.values()) == 6
    assert sum("one by one" in r.getMessage() for r in caplog.records) == 1


def test_concurrent_batches_ask_a_host_that_may_refuse_them_once(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.configure(instagram_batch=False)
    client = ig_client(demo, make_client, max_concurrent_requests=4)
    ids = [m["id"] for m in client.items(f"{demo.creator}/media", {"fields": "id"})]
    ops = [BatchOperation("GET", ids[n % len(ids)], {"fields": "id"}) for n in range(160)]
    demo.control.reset_stats()
    results = client.batch(ops)
    assert [r.body["id"] for r in results] == [op.path for op in ops]
    assert demo.control.stats()["requests_by_path"]["POST /"] == 1  # not one per chunk in flight


def test_single_call_fallback_writes_once_and_keeps_order(
    demo: Demo, make_client: MakeClient
) -> None:
    demo.control.configure(instagram_batch=False)
    client = ig_client(demo, make_client)
    ids = [m["id"] for m in client.items(f"{demo.creator}/media", {"fields": "id"})][:2]
    ops = [BatchOperation("POST", f"{ids[0]}/comments", {"message": "One"}),
           BatchOperation("POST", f"{ids[1]}/comments", {"message": "Two"})]  # fmt: skip
    results = client.batch(ops)
    assert all(r.ok for r in results)
    created = [w for w in demo.control.writes() if w["kind"] == "comment.create"]
    assert len(created) == 2
    by_result = {w["result_id"]: (w["object_id"], w["message"]) for w in created}
    assert [by_result[r.body["id"]] for r in results] == [(ids[0], "One"), (ids[1], "Two")]


def test_an_operation_sent_again_after_a_lost_answer_is_marked_resent(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    ids = media_ids(client, demo)[:2]
    demo.control.add_fault(kind="batch_null", path=f"/{ids[0]}")
    results = client.batch([BatchOperation("GET", i, {"fields": "id"}) for i in ids])
    assert [r.resent for r in results] == [True, False]


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_an_operation_that_cannot_be_encoded_fails_alone(
    demo: Demo, make_client: MakeClient, login: str
) -> None:
    if login == "instagram":
        demo.control.configure(instagram_batch=False)
        client = ig_client(demo, make_client)
        media = next(m["id"] for m in client.items(f"{demo.creator}/media", {"fields": "id"}))
    else:
        client = make_client()
        media = media_ids(client, demo)[0]
    ops = [BatchOperation("POST", f"{media}/comments", {"message": text})
           for text in ("Before", "Broken \ud800 text", "After")]  # fmt: skip
    results = client.batch(ops)
    error = results[1].error
    assert type(error) is errors.UnsendableError and "surrogates not allowed" in str(error)
    assert results[0].ok and results[2].ok
    made = [w["message"] for w in demo.control.writes() if w["kind"] == "comment.create"]
    assert sorted(made) == ["After", "Before"]  # one by one goes out a few at a time


def test_a_batch_operation_failing_every_round_stops_at_maximum_retries(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client(maximum_retries=2)
    ids = media_ids(client, demo)[:2]
    demo.control.add_fault(kind="server_error", path=f"/{ids[0]}", count=50)
    demo.control.reset_stats()
    results = client.batch([BatchOperation("GET", i, {"fields": "id"}) for i in ids])
    assert isinstance(results[0].error, errors.TransientError) and results[1].ok
    assert demo.control.stats()["requests_by_path"] == {"POST /": 3}  # 1 + 2 rounds, then stop


def batch_with_latency(
    demo: Demo, client: GraphClient, ops: list[BatchOperation], *, latency_ms: int,
    account: str | None = None,
) -> tuple[list[BatchResult], dict[str, Any]]:  # fmt: skip
    """`client.batch` with every answer delayed (overlapping requests show), and the stats."""
    demo.control.configure(latency_ms=latency_ms)
    try:
        demo.control.reset_stats()
        return client.batch(ops, account=account), demo.control.stats()
    finally:
        demo.control.configure(latency_ms=0)


def test_batches_of_reads_go_out_together_up_to_max_concurrent_requests(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client(max_concurrent_requests=3)
    ids = media_ids(client, demo)
    ops = [BatchOperation("GET", ids[n % len(ids)], {"fields": "id"}) for n in range(250)]
    results, stats = batch_with_latency(demo, client, ops, latency_ms=150)
    assert [r.body["id"] for r in results] == [op.path for op in ops]  # still in order
    assert stats["requests_by_path"] == {"POST /": 5}
    assert stats["in_flight_max"] == 3


def test_after_a_throttle_or_a_failure_requests_go_out_one_at_a_time(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client(max_concurrent_requests=3)
    ids = media_ids(client, demo)
    demo.control.add_fault(kind="http_429", path="/", method="POST", count=1)
    assert client.batch([BatchOperation("GET", ids[0], {"fields": "id"})])[0].ok
    assert client.serial
    ops = [BatchOperation("GET", ids[n % len(ids)], {"fields": "id"}) for n in range(250)]
    results, stats = batch_with_latency(demo, client, ops, latency_ms=100)
    assert all(r.ok for r in results)
    assert stats["requests_by_path"] == {"POST /": 5}
    assert stats["in_flight_max"] == 1


def test_batches_of_writes_go_out_one_after_another(demo: Demo, make_client: MakeClient) -> None:
    client = make_client(max_concurrent_requests=4)
    ids = media_ids(client, demo)
    ops = [BatchOperation("POST", f"{ids[n % 3]}/comments", {"message": f"Note {n}"})
           for n in range(120)]  # fmt: skip
    results, stats = batch_with_latency(demo, client, ops, account=demo.acme, latency_ms=100)
    assert all(r.ok for r in results)
    assert stats["requests_by_path"] == {"POST /": 3}
    assert stats["in_flight_max"] == 1
    created = [w["message"] for w in demo.control.writes() if w["kind"] == "comment.create"]
    assert created[-120:] == [f"Note {n}" for n in range(120)]


def test_max_concurrent_requests_is_checked() -> None:
    from instagram_graph import SettingsError
    from instagram_graph.settings import GraphSettings

    with pytest.raises(SettingsError, match="max_concurrent_requests"):
        GraphSettings.from_config({"access_token": "EAAx", "max_concurrent_requests": 0})
