"""Which Instagram professional accounts a configuration works on (graph-api.md §1.2–1.3).

In order: explicit `ig_user_ids`; the account linked to the Facebook Page called
`facebook_page_name`; otherwise every account the token reaches. Instagram Login resolves
through `/me`.
"""

from __future__ import annotations

from dataclasses import dataclass

from instagram_graph.client import GraphClient
from instagram_graph.errors import SettingsError
from instagram_graph.settings import Login

PAGE_FIELDS = "id,name,instagram_business_account{id,username}"


@dataclass(frozen=True)
class IGAccount:
    """An Instagram professional account and, for Facebook Login, the Page it is linked to."""

    id: str
    username: str | None = None
    page_id: str | None = None
    page_name: str | None = None


def list_pages(client: GraphClient) -> list[dict[str, object]]:
    """Every Page the token can act on (`/me/accounts`, all pages followed)."""
    return list(client.items("me/accounts", {"fields": PAGE_FIELDS, "limit": 100}))


def resolve_accounts(client: GraphClient) -> list[IGAccount]:
    """The accounts to work on, or a `SettingsError` that says what was found instead."""
    s = client.settings
    if s.login is Login.INSTAGRAM:
        me = client.get("me", fields="id,user_id,username")
        account = IGAccount(str(me.get("user_id") or me["id"]), me.get("username"))
        if s.ig_user_ids and account.id not in s.ig_user_ids:
            raise SettingsError(
                "ig_user_ids",
                f"this Instagram token belongs to {account.id} ({account.username}), not to "
                f"{', '.join(s.ig_user_ids)}",
                f"set ig_user_ids to [{account.id!r}] or leave it empty",
            )
        return [account]
    if s.ig_user_ids:
        return [IGAccount(i) for i in s.ig_user_ids]
    pages = list_pages(client)
    if s.facebook_page_name:
        wanted = s.facebook_page_name.casefold().strip()
        matches = [p for p in pages if str(p.get("name", "")).casefold().strip() == wanted]
        if not matches:
            names = ", ".join(repr(p.get("name")) for p in pages) or "none"
            raise SettingsError(
                "facebook_page_name",
                f"no Page named {s.facebook_page_name!r}; the token reaches: {names}",
                "use one of those names, or set ig_user_ids",
            )
        pages = matches
    accounts = [_linked(p) for p in pages if isinstance(p.get("instagram_business_account"), dict)]
    if not accounts:
        where = (
            f"the Page {s.facebook_page_name!r}" if s.facebook_page_name else "the token's Pages"
        )
        raise SettingsError(
            "facebook_page_name" if s.facebook_page_name else "access_token",
            f"{where} have no linked Instagram professional account",
            "link an Instagram professional account to the Page, or use a token with "
            "pages_show_list and instagram_basic",
        )
    return accounts


def _linked(page: dict[str, object]) -> IGAccount:
    ig = page["instagram_business_account"]
    assert isinstance(ig, dict)
    name = page.get("name")  # a Page may come without `name` (graph-api.md §11)
    return IGAccount(
        str(ig["id"]), ig.get("username"), str(page.get("id")), str(name) if name else None
    )
