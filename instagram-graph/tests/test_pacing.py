"""Usage headers and waits: parsing, the pacer on a fake clock, and both driven by the sandbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from instagram_graph import errors
from instagram_graph.client import GraphClient
from instagram_graph.pacing import Pacer, Usage, parse_app_usage, parse_buc_usage
from instagram_sandbox.testing import Demo

from .conftest import FakeTime


def test_parse_app_usage_takes_the_highest_figure() -> None:
    assert parse_app_usage('{"call_count":28,"total_cputime":95,"total_time":25}') == Usage(95)


@pytest.mark.parametrize("value", [None, "", "not json", "[1,2]", "{}"])
def test_missing_or_bad_app_usage_is_unknown(value: str | None) -> None:
    assert parse_app_usage(value) is None


def test_parse_buc_usage_per_account_with_regain_in_seconds() -> None:
    header = json.dumps({
        "1784": [{"type": "instagram", "call_count": 12, "total_cputime": 3, "total_time": 4,
                  "estimated_time_to_regain_access": 0}],
        "9999": [{"type": "instagram", "call_count": 100, "total_cputime": 40, "total_time": 60,
                  "estimated_time_to_regain_access": 5},
                 {"type": "pages", "call_count": 7}],
    })  # fmt: skip
    assert parse_buc_usage(header) == {"1784": Usage(12, 0), "9999": Usage(100, 300)}
    assert parse_buc_usage(None) == {}


def test_below_threshold_no_wait() -> None:
    t = FakeTime()
    pacer = Pacer(threshold=90, rate_per_second=5, clock=t.clock, sleep=t.sleep)
    pacer.after_response(
        "1784", {"X-Business-Use-Case-Usage": json.dumps({"1784": [{"call_count": 50}]})}
    )
    for _ in range(5):
        pacer.before_call("1784")
    assert t.slept == []


def test_above_threshold_slows_that_account_to_the_rate(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    pacer = Pacer(threshold=90, rate_per_second=5, clock=t.clock, sleep=t.sleep)
    with caplog.at_level(logging.WARNING, logger="instagram_graph"):
        pacer.after_response(
            "1784", {"X-Business-Use-Case-Usage": json.dumps({"1784": [{"call_count": 93}]})}
        )
        pacer.after_response(
            "1784", {"X-Business-Use-Case-Usage": json.dumps({"1784": [{"call_count": 94}]})}
        )
    for _ in range(4):
        pacer.before_call("1784")
    assert t.slept == pytest.approx([0.2, 0.2, 0.2])
    pacer.before_call("5555")  # another account keeps its own budget
    assert len(t.slept) == 3
    slow_logs = [r.getMessage() for r in caplog.records if "slowing" in r.getMessage()]
    assert len(slow_logs) == 1 and "93%" in slow_logs[0]  # logged once, with the figure


def test_app_usage_slows_every_account() -> None:
    t = FakeTime()
    pacer = Pacer(threshold=90, rate_per_second=2, clock=t.clock, sleep=t.sleep)
    pacer.after_response(None, {"X-App-Usage": '{"call_count":99}'})
    pacer.before_call("a")
    pacer.before_call("b")
    assert t.slept == pytest.approx([0.5])


def test_throttle_blocks_for_the_regain_estimate_capped() -> None:
    t = FakeTime()
    pacer = Pacer(max_wait_seconds=600, clock=t.clock, sleep=t.sleep)
    assert pacer.on_throttle("1784", 300, fallback=20) == 300
    pacer.before_call("1784")
    assert t.slept == [300]
    assert pacer.on_throttle("1784", 7200, fallback=20) == 600
    assert pacer.on_throttle("1784", None, fallback=20) == 600  # the block still known wins
    t.now += 601
    assert pacer.on_throttle("1784", None, fallback=20) == 600  # Graph said two hours, not 600 s
    t.now += 7200
    assert pacer.on_throttle("1784", None, fallback=20) == 20


def test_usage_header_regain_blocks_before_the_error(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    pacer = Pacer(clock=t.clock, sleep=t.sleep)
    header = json.dumps({"1784": [{"call_count": 100, "estimated_time_to_regain_access": 2}]})
    pacer.after_response("1784", {"X-Business-Use-Case-Usage": header})
    with caplog.at_level(logging.WARNING, logger="instagram_graph"):
        pacer.before_call("1784")
    assert t.slept == [120]
    assert any(
        "throttled" in r.getMessage() and "120.0 s" in r.getMessage() for r in caplog.records
    )


# ---- against the sandbox -------------------------------------------------------------------


def test_sandbox_usage_headers_slow_the_client(
    demo: Demo, make_client: Callable[..., GraphClient], sandbox_time: object
) -> None:
    demo.control.configure(buc_calls_per_impression=20, header_after_calls=0)
    demo.control.set_quota(demo.acme, impressions=1)  # allowance: 20 calls
    client = make_client(throttle_threshold=50, throttle_rate_per_second=2)
    for _ in range(14):
        client.get(demo.acme, fields="id", account=demo.acme)
    waits = [w for w in client.pacer.waits if w[0] == demo.acme]
    # usage passes 50 % after the 10th call: each later call is spaced 0.5 s
    assert waits and all(seconds == pytest.approx(0.5) for _, seconds, _ in waits)
    assert len(waits) == 4
    assert "throttle_threshold 50%" in waits[0][2]


def test_sandbox_80002_waits_the_estimate_on_the_sandbox_clock_then_continues(
    demo: Demo, make_client: Callable[..., GraphClient], sandbox_time: object
) -> None:
    demo.control.configure(buc_calls_per_impression=5, buc_block_seconds=300, header_after_calls=0)
    demo.control.set_quota(demo.acme, impressions=1)  # allowance: 5 calls
    client = make_client(throttle_threshold=100)
    for _ in range(8):
        assert client.get(demo.acme, fields="id", account=demo.acme)["id"] == demo.acme
    blocks = [w for w in client.pacer.waits if "throttled" in w[2]]
    assert len(blocks) == 1
    assert blocks[0][1] == pytest.approx(300)  # estimated_time_to_regain_access: 5 minutes
    assert demo.control.stats()["requests_by_status"] == {"200": 8, "400": 1}


def test_sandbox_throttle_codes_are_retried(
    demo: Demo, make_client: Callable[..., GraphClient]
) -> None:
    for code, status in ((4, 400), (17, 403), (32, 400), (613, 400)):
        demo.control.add_fault(
            kind="throttle", path=f"/{demo.acme}", params={"code": code, "status": status}
        )
        client = make_client()
        assert client.get(demo.acme, fields="username")["username"] == "acmecoffee"
        demo.control.clear_faults()


def test_sandbox_http_429_is_retried(demo: Demo, make_client: Callable[..., GraphClient]) -> None:
    demo.control.add_fault(kind="http_429", path=f"/{demo.acme}")
    assert make_client().get(demo.acme, fields="id")["id"] == demo.acme


def test_a_block_longer_than_the_budget_raises_instead_of_sleeping() -> None:
    now = [1000.0]
    slept: list[float] = []
    pacer = Pacer(budget_seconds=300, clock=lambda: now[0], sleep=slept.append)
    pacer.on_throttle("17841", 7200, 20)
    with pytest.raises(errors.ThrottledTooLongError, match="120 more minute"):
        pacer.before_call("17841")
    assert slept == []
    short = Pacer(budget_seconds=300, clock=lambda: now[0], sleep=slept.append)
    short.on_throttle("17841", 120, 20)
    short.before_call("17841")
    assert slept == [120]
