"""Metric settings are checked at start-up, per API version, naming the valid choices."""

from __future__ import annotations

import pytest

from instagram_graph import SettingsError
from tap_instagram.metrics import resolve_metrics, valid_metrics
from tap_instagram.tap import TapInstagram


def test_presets_default_to_all_valid_metrics() -> None:
    metrics = resolve_metrics({}, "v25.0")
    assert "views" in metrics["media_reels"] and "impressions" not in metrics["media_feed"]
    assert resolve_metrics({"preset_metric": {"media_feed": "core"}}, "v25.0")["media_feed"] == (
        "views", "reach", "likes", "comments", "saved", "shares", "total_interactions")  # fmt: skip


def test_views_is_not_asked_for_on_v21() -> None:
    assert "views" not in resolve_metrics({}, "v21.0")["media_feed"]
    assert "views" in valid_metrics("media_feed", "v22.0")


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"media_feed": ["impressions"]}, "retired in v22"),
        ({"media_reels": ["plays"]}, "retired in v22"),
        ({"media_feed": ["video_views"]}, "retired in v21"),
        ({"account_totals": ["email_contacts"]}, "retired since v21"),
        ({"account_daily": ["views"]}, "belongs to account_totals"),
        ({"account_daily": ["profile_views"]}, "needs a different period or metric_type"),
        ({"media_feed": ["navigation"]}, "belongs to media_story"),
        ({"media_story": ["bogus"]}, "not a known metric"),
        ({"weekly": ["reach"]}, "unknown insight family"),
    ],
)
def test_bad_metrics_are_rejected_naming_valid_choices(
    metrics: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        resolve_metrics({"metrics": metrics}, "v25.0")
    assert "Fix:" in str(caught.value)


def test_views_on_v21_names_the_version() -> None:
    with pytest.raises(SettingsError, match=r"needs api_version v22\.0") as caught:
        resolve_metrics({"metrics": {"media_reels": ["views", "reach"]}}, "v21.0")
    assert "reach" in str(caught.value)


def test_unknown_preset() -> None:
    with pytest.raises(SettingsError, match="unknown preset"):
        resolve_metrics({"preset_metric": {"media_feed": "everything"}}, "v25.0")


def test_tap_refuses_to_start_with_a_retired_metric() -> None:
    with pytest.raises(SettingsError, match="impressions"):
        TapInstagram(
            config={
                "access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxx",
                "metrics": {"media_feed": ["impressions"]},
            }
        )


def test_more_than_30_hashtags_are_refused() -> None:
    with pytest.raises(SettingsError, match="30 unique hashtags"):
        TapInstagram(
            config={
                "access_token": "EAAxxxxxxxxxxxxxxxxxxxxxxxx",
                "hashtags": [f"t{i}" for i in range(31)],
            }
        )
