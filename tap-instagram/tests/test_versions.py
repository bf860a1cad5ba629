"""Graph versions: the newest versions serve what the catalogue's version serves."""

from __future__ import annotations

from instagram_sandbox.testing import Demo

from .conftest import demo_config, run_tap


def test_a_sync_on_v27_reads_what_v25_reads(demo: Demo) -> None:
    v25 = run_tap(demo_config(demo))
    v27 = run_tap(demo_config(demo, api_version="v27.0"))
    for stream in ("media", "comments", "media_children"):
        assert {r["id"] for r in v27.records(stream)} == {r["id"] for r in v25.records(stream)}
    assert len(v27.records("media_insights")) == len(v25.records("media_insights"))


def test_a_date_header_decades_ahead_plans_at_most_two_years_of_insights(demo: Demo) -> None:
    from tap_instagram.streams.insight_streams import MAX_HISTORY_DAYS, AccountInsightsTotalsStream
    from tap_instagram.tap import TapInstagram

    page_token = demo.control.issue_token(demo.acme)  # a Page token does not expire
    config = demo_config(demo, access_token=page_token)  # start_date 90 days back, today
    demo.control.advance(40 * 365 * 86400)  # the server's Date header now reads 40 years on
    tap = TapInstagram(config=config)
    stream = tap.streams["account_insights_totals"]
    assert isinstance(stream, AccountInsightsTotalsStream)
    data = tap.account_data(demo.acme)
    data.profile()  # an answer carrying the far-future Date
    ops = stream.build_operations(data)
    days = {op.params["since"] for op in ops}
    assert len(days) == MAX_HISTORY_DAYS
