"""`instagram-auth`: the token helpers (url, exchange, refresh, status, accounts).

Settings come from `--config FILE` (the tap's or target's config JSON; repeatable, later files
win) and from environment variables named after the settings with an `INSTAGRAM_`,
`TAP_INSTAGRAM_` or `TARGET_INSTAGRAM_` prefix (`TAP_INSTAGRAM_ACCESS_TOKEN`, …), which is how
Meltano passes them. No command prints a token.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from instagram_graph import redaction
from instagram_graph.accounts import list_pages, resolve_accounts
from instagram_graph.auth import (
    GraphAuthenticator,
    StoredToken,
    TokenExchanger,
    TokenStore,
    fingerprint,
)
from instagram_graph.client import GraphClient
from instagram_graph.errors import GraphError, SettingsError
from instagram_graph.scopes import Grants, servable
from instagram_graph.settings import SETTINGS_SCHEMA, GraphSettings, Login

PREFIXES = ("INSTAGRAM_", "TAP_INSTAGRAM_", "TARGET_INSTAGRAM_")
_LIST_SETTINGS = {"ig_user_ids", "oauth_scopes"}


def load_config(paths: tuple[Path, ...]) -> dict[str, Any]:
    """Merge config files and `*INSTAGRAM_<SETTING>` environment variables (files first)."""
    config: dict[str, Any] = {}
    for path in paths:
        try:
            config.update(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise click.BadParameter(f"{path}: {exc}", param_hint="--config") from None
    for name in SETTINGS_SCHEMA.to_dict()["properties"]:
        for prefix in PREFIXES:
            value = os.environ.get(prefix + name.upper())
            if value is None:
                continue
            if name in _LIST_SETTINGS or name == "extra_params":
                try:
                    config[name] = json.loads(value)
                except ValueError:
                    config[name] = value
            else:
                config[name] = value
    return config


class _Context:
    def __init__(self, paths: tuple[Path, ...]) -> None:
        self.paths = paths

    def settings(self, *, need_token: bool = True, **overrides: Any) -> GraphSettings:
        config = {**load_config(self.paths), **overrides}
        return GraphSettings.from_config(config, need_token=need_token)


def _fail(exc: Exception) -> None:
    click.echo(f"error: {redaction.redact(str(exc))}", err=True)
    sys.exit(2 if isinstance(exc, SettingsError) else 1)


def _describe(token: StoredToken, store: Path | None) -> str:
    expiry = (
        datetime.fromtimestamp(token.expires_at, UTC).isoformat(timespec="seconds")
        if token.expires_at
        else "never"
    )
    where = f"saved to {store}" if store else "not saved (no token_store set)"
    return f"token {fingerprint(token.access_token)} ({token.login}), expires {expiry}; {where}"


@click.group()
@click.option("--config", "configs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Config JSON (the tap's or target's); repeatable.")  # fmt: skip
@click.pass_context
def main(ctx: click.Context, configs: tuple[Path, ...]) -> None:
    """Get, store, refresh and inspect Instagram Graph API tokens."""
    redaction.install()
    ctx.obj = _Context(configs)


@main.command()
@click.pass_obj
def url(obj: _Context) -> None:
    """Print the authorization URL to open in a browser."""
    try:
        settings = obj.settings(need_token=False)
        click.echo(TokenExchanger(settings).authorization_url(secrets.token_urlsafe(16)))
    except (SettingsError, GraphError) as exc:
        _fail(exc)


@main.command()
@click.argument("code")
@click.pass_obj
def exchange(obj: _Context, code: str) -> None:
    """Exchange an authorization CODE for a long-lived token and store it."""
    try:
        settings = obj.settings(need_token=False)
        token = TokenExchanger(settings).exchange_code(code)
        if settings.token_store:
            token.origin = fingerprint(settings.access_token)
            TokenStore(settings.token_store).save(token)
        click.echo(_describe(token, settings.token_store))
    except (SettingsError, GraphError) as exc:
        _fail(exc)


@main.command()
@click.pass_obj
def refresh(obj: _Context) -> None:
    """Refresh the current token now and store the new one."""
    try:
        settings = obj.settings(oauth_mode="REFRESH")
        token = GraphAuthenticator(settings).refresh()
        click.echo(_describe(token, settings.token_store))
    except (SettingsError, GraphError) as exc:
        _fail(exc)


@main.command()
@click.pass_obj
def status(obj: _Context) -> None:
    """Show the token's type, validity, expiry and scopes (never the token)."""
    try:
        settings = obj.settings()
        auth = GraphAuthenticator(settings)
        token = auth.access_token
        if token is None:
            raise SettingsError(
                "access_token", "no token configured or stored", "run `instagram-auth url`"
            )
        info: dict[str, Any] = {"fingerprint": fingerprint(token), "login": settings.login.value}
        if auth.current and auth.current.expires_at:
            info["stored_expires_at"] = datetime.fromtimestamp(
                auth.current.expires_at, UTC
            ).isoformat()
        if settings.login is Login.FACEBOOK:
            data = auth.exchanger.debug(token)
            info.update({k: data.get(k) for k in ("type", "is_valid", "app_id", "application", "user_id",
                                                  "scopes", "expires_at", "data_access_expires_at")})  # fmt: skip
            if data.get("error"):
                info["error"] = data["error"]
            info.update(servable(Grants.from_debug(data), settings.login))
        else:
            me = GraphClient(settings, authenticator=auth).get(
                "me", fields="user_id,username,account_type"
            )
            info.update(
                {"is_valid": True, "user_id": me.get("user_id"), "username": me.get("username"),
                 "streams_known": False, "streams_note": "Instagram Login has no debug_token: the "
                 "tap learns a missing permission from the first refusal and skips that stream"}
            )  # fmt: skip
        click.echo(json.dumps(info, indent=2))
    except (SettingsError, GraphError) as exc:
        _fail(exc)


@main.command()
@click.pass_obj
def accounts(obj: _Context) -> None:
    """List the Pages and linked Instagram accounts the token reaches."""
    try:
        settings = obj.settings()
        client = GraphClient(settings, authenticator=GraphAuthenticator(settings))
        rows: list[dict[str, Any]]
        if settings.login is Login.INSTAGRAM:
            rows = [{"ig_user_id": a.id, "username": a.username} for a in resolve_accounts(client)]
        else:
            rows = []
            for page in list_pages(client):
                ig = page.get("instagram_business_account")
                rows.append({"page_id": page.get("id"), "page_name": page.get("name"),
                             "ig_user_id": ig.get("id") if isinstance(ig, dict) else None,
                             "username": ig.get("username") if isinstance(ig, dict) else None})  # fmt: skip
        click.echo(json.dumps(rows, indent=2))
    except (SettingsError, GraphError) as exc:
        _fail(exc)


if __name__ == "__main__":
    main()
