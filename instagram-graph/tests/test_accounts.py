"""Account resolution: explicit ids, by Page name, all reachable accounts, Instagram Login."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from instagram_graph import errors
from instagram_graph.accounts import resolve_accounts
from instagram_graph.client import GraphClient
from instagram_sandbox.testing import Demo

from .conftest import fast_config

MakeClient = Callable[..., GraphClient]


def test_explicit_ids_need_no_call(demo: Demo, make_client: MakeClient) -> None:
    client = make_client(ig_user_ids=[demo.bakery])
    assert [a.id for a in resolve_accounts(client)] == [demo.bakery]
    assert client.calls == 0


def test_all_accounts_the_token_reaches(demo: Demo, make_client: MakeClient) -> None:
    accounts = resolve_accounts(make_client())
    assert {a.id for a in accounts} == {
        demo.acme,
        demo.bakery,
    }  # the fan-club Page has no IG account
    assert {a.username for a in accounts} == {"acmecoffee", "acmebakery"}


def test_by_page_name(demo: Demo, make_client: MakeClient) -> None:
    accounts = resolve_accounts(make_client(facebook_page_name="acme coffee"))
    assert [(a.id, a.page_name) for a in accounts] == [(demo.acme, "Acme Coffee")]


def test_unknown_page_name_lists_the_names_found(demo: Demo, make_client: MakeClient) -> None:
    with pytest.raises(errors.SettingsError) as caught:
        resolve_accounts(make_client(facebook_page_name="Acme Tea"))
    text = str(caught.value)
    assert caught.value.setting == "facebook_page_name"
    assert "'Acme Coffee'" in text and "'Acme Bakery'" in text and "'Acme Fan Club'" in text


def test_page_without_instagram_account(demo: Demo, make_client: MakeClient) -> None:
    with pytest.raises(errors.SettingsError, match="no linked Instagram professional account"):
        resolve_accounts(make_client(facebook_page_name="Acme Fan Club"))


def test_instagram_login_resolves_through_me(demo: Demo, make_client: MakeClient) -> None:
    client = make_client(**{**fast_config(demo), "access_token": demo.ig_token, "login": "instagram",
                            "api_url": demo.ig_base})  # fmt: skip
    assert [(a.id, a.username) for a in resolve_accounts(client)] == [
        (demo.creator, "lena.creates")
    ]
    wrong = make_client(
        access_token=demo.ig_token, login="instagram", api_url=demo.ig_base, ig_user_ids=["1"]
    )
    with pytest.raises(errors.SettingsError, match="ig_user_ids"):
        resolve_accounts(wrong)


def test_a_page_without_a_name_has_no_page_name() -> None:
    from instagram_graph.accounts import _linked

    account = _linked({"id": "1", "instagram_business_account": {"id": "17841400000000001"}})
    assert account.page_name is None
    assert account.page_id == "1"


def test_me_accounts_pages_followed_through_numeric_id_links(
    demo: Demo, make_client: Callable[..., GraphClient]
) -> None:
    client = make_client()
    pages = client.pages("me/accounts", {"fields": "id,name", "limit": 1, "summary": "total_count"})
    first = next(pages)
    link = first["paging"]["next"]
    assert "/me/" not in link and "pretty=0" in link and first["summary"]["total_count"] == 3
    assert len([first, *pages]) == 3
