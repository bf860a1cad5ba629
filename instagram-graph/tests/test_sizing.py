""" "Please reduce the amount of data": asked again smaller, remembered, every item still read."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from instagram_graph import errors
from instagram_graph.batch import BatchOperation
from instagram_graph.client import GraphClient
from instagram_graph.sizing import SizePlan, endpoint_key
from instagram_sandbox.testing import Demo

MakeClient = Callable[..., GraphClient]
FIELDS = "id,comments.limit(50){id,replies.limit(50){id}}"


def media(client: GraphClient, demo: Demo, limit: int = 100) -> list[str]:
    return [m["id"] for m in client.items(f"{demo.acme}/media", {"fields": FIELDS, "limit": limit})]


def test_plan_halves_the_nested_limits_then_the_page_down_to_the_floors() -> None:
    query = {"fields": FIELDS, "limit": 100}
    steps = []
    plan: SizePlan | None = SizePlan()
    while plan is not None:
        steps.append((plan.limit, plan.nested))
        query = plan.apply(query)
        plan = plan.smaller(query)
    # nested edges first: their later pages are cheap (the tap asks them in batch requests),
    # while every halving of the page doubles the requests for the edge itself
    assert steps == [(None, None), (None, 25), (None, 12), (None, 6), (None, 5),
                     (50, 5), (25, 5), (12, 5), (10, 5)]  # fmt: skip
    assert SizePlan(10, 5).apply({"fields": FIELDS}) == {
        "fields": "id,comments.limit(5){id,replies.limit(5){id}}",
        "limit": 10,
    }
    assert endpoint_key("/17841400000000001/media") == "/{id}/media"


def test_a_page_over_the_size_budget_is_read_smaller_and_nothing_is_lost(
    demo: Demo, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    expected = media(make_client(), demo)
    demo.control.configure(max_answer_objects=200)
    client = make_client()
    demo.control.reset_stats()
    assert media(client, demo) == expected
    refused = demo.control.stats()["requests_by_status"].get("500", 0)
    assert refused >= 2  # 100 and 50 per page were refused, then the plan held
    assert client.size_plans["/{id}/media"].limit is not None
    lines = [r for r in caplog.records if "asked for less data" in r.getMessage()]
    assert [r.levelno for r in lines if r.levelno >= logging.INFO] == [logging.INFO]  # one line
    demo.control.reset_stats()
    assert media(client, demo) == expected  # remembered: no refused call the second time
    assert demo.control.stats()["requests_by_status"].get("500", 0) == 0


def test_a_one_off_reduce_data_costs_one_smaller_request(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    expected = media(client, demo)
    fresh = make_client()
    demo.control.add_fault(kind="reduce_data", path="/{ig-user-id}/media", count=1)
    demo.control.reset_stats()
    assert media(fresh, demo) == expected
    # 100 with nested 50 ✗, then 100 with nested 25: the whole edge in one page
    assert demo.control.stats()["requests_by_path"]["GET /{ig-user-id}/media"] == 2
    assert fresh.size_plans["/{id}/media"] == SizePlan(None, 25)


def test_below_the_floors_the_error_reaches_the_caller(demo: Demo, make_client: MakeClient) -> None:
    demo.control.configure(max_answer_objects=3)
    with pytest.raises(errors.TooMuchDataError) as caught:
        media(make_client(), demo)
    assert "reduce the amount of data" in str(caught.value)


def test_a_batch_graph_finds_too_heavy_is_sent_as_smaller_batches(
    demo: Demo, make_client: MakeClient
) -> None:
    client = make_client()
    ids = [m["id"] for m in client.items(f"{demo.acme}/media", {"fields": "id", "limit": 100})]
    demo.control.add_fault(kind="reduce_data", path="/", method="POST", count=1)
    demo.control.reset_stats()
    results = client.batch([BatchOperation("GET", i, {"fields": "id"}) for i in ids[:40]])
    assert [r.body["id"] for r in results] == ids[:40]
    assert demo.control.stats()["requests_by_path"]["POST /"] == 3  # 40 refused, then 20 + 20
    assert client.batch_size == 20
