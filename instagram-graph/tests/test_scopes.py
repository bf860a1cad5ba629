"""What debug_token says a token holds, and what that lets it serve."""

from __future__ import annotations

from instagram_graph.scopes import Grants, servable
from instagram_graph.settings import Login

DEBUG = {
    "scopes": ["instagram_basic", "instagram_manage_insights", "pages_show_list"],
    "granular_scopes": [
        {"scope": "instagram_basic", "target_ids": ["1", "2"]},
        {"scope": "instagram_manage_insights", "target_ids": ["2"]},
        {"scope": "pages_show_list"},
    ],
}


def test_granular_targets_limit_a_scope_to_their_accounts() -> None:
    grants = Grants.from_debug(DEBUG)
    assert grants is not None
    assert grants.allows("instagram_manage_insights", ["2"])
    assert not grants.allows("instagram_manage_insights", ["1", "page-of-1"])
    assert grants.allows("instagram_manage_insights")  # no account asked: the token holds it
    assert grants.missing("comments", Login.FACEBOOK, ["2"]) == "instagram_manage_comments"
    assert grants.missing("insights", Login.FACEBOOK, ["1"]) == "instagram_manage_insights"


def test_no_scope_list_means_unknown_not_nothing() -> None:
    assert Grants.from_debug({"is_valid": False}) is None
    assert servable(None, Login.FACEBOOK) == {"streams_known": False}


def test_servable_names_each_stream_and_its_missing_scope() -> None:
    info = servable(Grants.from_debug(DEBUG), Login.FACEBOOK)
    assert "media_insights" in info["streams_served"]
    assert info["streams_not_served"]["content_publishing_limit"] == (
        "missing permission instagram_content_publish"
    )
