"""Graph versions: the newest versions serve what the catalogue's version serves."""

from __future__ import annotations

import pytest

from instagram_graph import SettingsError
from instagram_graph.settings import DEFAULT_API_VERSION
from instagram_sandbox.testing import Demo
from tap_instagram.metrics import MIN_VERSION, version_number
from tap_instagram.tap import TapInstagram

from .conftest import Run, demo_config, run_tap


def test_a_sync_on_v27_reads_what_v25_reads(demo: Demo) -> None:
    v25 = run_tap(demo_config(demo, api_version="v25.0"))
    v27 = run_tap(demo_config(demo, api_version="v27.0"))
    for stream in ("media", "comments", "media_children"):
        assert {r["id"] for r in v27.records(stream)} == {r["id"] for r in v25.records(stream)}
    assert len(v27.records("media_insights")) == len(v25.records("media_insights"))


def test_the_default_version_is_the_newest_the_catalogue_knows() -> None:
    assert DEFAULT_API_VERSION == "v27.0"
    assert version_number(DEFAULT_API_VERSION) >= max(MIN_VERSION.values())


def story_metrics(run: Run) -> set[str]:
    return {r["metric"] for r in run.records("story_insights")}


def test_story_link_clicks_from_v26_on_facebook_login_only(demo: Demo) -> None:
    assert "link_clicks" in story_metrics(run_tap(demo_config(demo)))  # the default: v27
    assert "link_clicks" in story_metrics(run_tap(demo_config(demo, api_version="v26.0")))
    v25 = run_tap(demo_config(demo, api_version="v25.0"))
    assert story_metrics(v25) and "link_clicks" not in story_metrics(v25)
    ig = demo_config(demo, access_token=demo.ig_token, login="instagram", api_url=demo.ig_base)
    del ig["ig_user_ids"]
    assert "link_clicks" not in story_metrics(run_tap(ig))


def test_link_clicks_asked_where_it_cannot_be_served_names_the_setting(demo: Demo) -> None:
    wanted = {"metrics": {"media_story": ["reach", "link_clicks"]}}
    with pytest.raises(SettingsError, match=r"needs api_version v26\.0"):
        TapInstagram(config=demo_config(demo, api_version="v25.0", **wanted))
    ig = demo_config(demo, access_token=demo.ig_token, login="instagram", api_url=demo.ig_base)
    with pytest.raises(SettingsError, match="Facebook Login only"):
        TapInstagram(config={**ig, **wanted})


def test_a_date_header_decades_ahead_plans_at_most_two_years_of_insights(demo: Demo) -> None:
    from tap_instagram.streams.insight_streams import MAX_HISTORY_DAYS, AccountInsightsTotalsStream

    page_token = demo.control.issue_token(demo.acme)  # a Page token does not expire
    config = demo_config(demo, access_token=page_token)  # start_date 90 days back, today
    demo.control.advance(40 * 365 * 86400)  # the server's Date header now reads 40 years on
    tap = TapInstagram(config=config)
    stream = tap.streams["account_insights_totals"]
    assert isinstance(stream, AccountInsightsTotalsStream)
    data = tap.run.account_data(demo.acme)
    data.profile()  # an answer carrying the far-future Date
    ops = stream.build_operations(data)
    days = {op.params["since"] for op in ops}
    assert len(days) == MAX_HISTORY_DAYS
