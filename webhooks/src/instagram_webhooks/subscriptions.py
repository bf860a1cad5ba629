"""Subscribing the app and the accounts to webhook fields (Facebook Login, graph-api.md §8).

- the app: `POST /{app-id}/subscriptions` with `object=instagram`, `callback_url`, `fields`,
  `verify_token` (Meta then runs the handshake against the callback), `DELETE` to remove it,
  `GET` to read it — with the app token (`{app-id}|{app-secret}`);
- each account: `POST /{ig-user-id}/subscribed_apps?subscribed_fields=…`, `DELETE`, `GET` — with
  the user's token, through the Graph client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from instagram_graph import GraphClient, IGAccount, resolve_accounts
from instagram_graph.errors import GraphError
from instagram_graph.redaction import register_secret

FIELDS = ("comments", "mentions", "story_insights")


@dataclass(frozen=True)
class App:
    """The Meta app whose webhooks these are."""

    app_id: str
    app_secret: str = field(repr=False)

    def call(self, client: GraphClient, method: str, **params: Any) -> Any:
        """One call on `/{app-id}/subscriptions` with the app token in the Authorization header."""
        token = f"{self.app_id}|{self.app_secret}"
        register_secret(token)
        url = client.url(f"{self.app_id}/subscriptions")
        answer = requests.request(method, url, params=params if method != "POST" else None,
                                  data=params if method == "POST" else None, timeout=30,
                                  headers={"Authorization": f"OAuth {token}"})  # fmt: skip
        body = (
            answer.json()
            if answer.headers.get("content-type", "").startswith(
                ("application/json", "text/javascript")
            )
            else {}
        )
        if answer.status_code != 200:
            message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
            raise GraphError(f"/{self.app_id}/subscriptions: {message or answer.text[:200]}",
                             http_status=answer.status_code)  # fmt: skip
        return body


def subscribe(client: GraphClient, app: App, callback_url: str, verify_token: str,
              fields: tuple[str, ...] = FIELDS) -> list[str]:  # fmt: skip
    """Subscribe the app (Meta verifies the callback) and every account the token reaches."""
    register_secret(verify_token)
    app.call(client, "POST", object="instagram", callback_url=callback_url,
             fields=",".join(fields), verify_token=verify_token, include_values="true")  # fmt: skip
    lines = [f"app {app.app_id}: subscribed to {', '.join(fields)} at {callback_url}"]
    for account in resolve_accounts(client):
        client.post(f"{account.id}/subscribed_apps", subscribed_fields=",".join(fields))
        lines.append(f"{_name(account)}: subscribed")
    return lines


def unsubscribe(client: GraphClient, app: App) -> list[str]:
    """Remove the accounts' subscriptions, then the app's."""
    lines = []
    for account in resolve_accounts(client):
        client.delete(f"{account.id}/subscribed_apps")
        lines.append(f"{_name(account)}: unsubscribed")
    app.call(client, "DELETE", object="instagram")
    return [*lines, f"app {app.app_id}: unsubscribed"]


def status(client: GraphClient, app: App) -> list[str]:
    """What the app and each account are subscribed to."""
    lines = []
    for sub in app.call(client, "GET").get("data", []):
        names = ", ".join(
            f.get("name", "") if isinstance(f, dict) else str(f) for f in sub.get("fields", [])
        )
        lines.append(f"app {app.app_id}: {sub.get('object')} → {sub.get('callback_url')} "
                     f"({names}; {'active' if sub.get('active') else 'inactive'})")  # fmt: skip
    for account in resolve_accounts(client):
        apps = client.get(f"{account.id}/subscribed_apps").get("data", [])
        fields = ", ".join(f for a in apps for f in a.get("subscribed_fields", [])) or "nothing"
        lines.append(f"{_name(account)}: {fields}")
    return lines


def _name(account: IGAccount) -> str:
    return f"account {account.id}" + (f" ({account.username})" if account.username else "")
