"""`instagram-webhooks`: serve the receiver; subscribe, unsubscribe and inspect subscriptions.

Secrets come from options or the environment (`INSTAGRAM_APP_SECRET`,
`INSTAGRAM_WEBHOOK_VERIFY_TOKEN`, `INSTAGRAM_APP_ID`); the Graph settings of `subscribe`,
`unsubscribe` and `status` from `--config` files and `INSTAGRAM_*` / `TAP_INSTAGRAM_*` variables,
as `instagram-auth` reads them. No command prints a secret.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from instagram_graph import GraphClient, GraphSettings, redaction
from instagram_graph.cli import load_config
from instagram_graph.errors import GraphError, SettingsError
from instagram_webhooks import subscriptions
from instagram_webhooks.receiver import MAX_BODY_BYTES, Receiver
from instagram_webhooks.serving import bind, serve
from instagram_webhooks.store import open_store

SECRET_ENV, VERIFY_ENV = "INSTAGRAM_APP_SECRET", "INSTAGRAM_WEBHOOK_VERIFY_TOKEN"


@click.group()
def main() -> None:
    """Receive Instagram webhooks into a durable store, and manage the subscriptions."""
    redaction.install()


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8787, show_default=True, help="Port; 0 picks a free one.")
@click.option("--store", default=".instagram-webhooks/events.sqlite", show_default=True,
              help="A file path, sqlite:///path or postgresql://… URL.")  # fmt: skip
@click.option(
    "--app-secret",
    required=True,
    help="The Meta app's secret (signs deliveries).",
    envvar=SECRET_ENV,
    show_envvar=True,
)
@click.option(
    "--verify-token",
    required=True,
    help="The token Meta's handshake must present.",
    envvar=VERIFY_ENV,
    show_envvar=True,
)
@click.option("--max-body-bytes", default=MAX_BODY_BYTES, show_default=True)
def serve_command(host: str, port: int, store: str, app_secret: str, verify_token: str,
                  max_body_bytes: int) -> None:  # fmt: skip
    """Serve the receiver until stopped (SIGINT or SIGTERM)."""
    redaction.register_secret(app_secret)
    redaction.register_secret(verify_token)
    try:
        kept = open_store(store)
    except Exception as exc:
        _fail(f"--store: {exc}")
    receiver = Receiver(kept, app_secret, verify_token, max_body_bytes)
    try:
        sock = bind(host, port)
    except OSError as exc:
        _fail(f"--host/--port: cannot listen on {host}:{port} ({exc.strerror})")

    def ready(url: str) -> None:
        click.echo(f"instagram-webhooks listening on {url} (store: {store})")
        sys.stdout.flush()

    serve(receiver, sock, ready)
    kept.close()


def _graph(
    configs: tuple[Path, ...], app_id: str | None, app_secret: str
) -> tuple[GraphClient, subscriptions.App]:
    config = load_config(configs)
    settings = GraphSettings.from_config(config)
    app = app_id or config.get("client_id")
    if not app:
        raise SettingsError("app_id", "no app id", "give --app-id, INSTAGRAM_APP_ID or client_id")
    return GraphClient(settings), subscriptions.App(str(app), app_secret)


_CONFIG = click.option("--config", "configs", multiple=True, type=click.Path(exists=True, path_type=Path),
                       help="Config JSON (the tap's); repeatable.")  # fmt: skip
_APP_ID = click.option(
    "--app-id", envvar="INSTAGRAM_APP_ID", show_envvar=True, help="The Meta app's id."
)
_SECRET = click.option(
    "--app-secret",
    required=True,
    help="The Meta app's secret.",
    envvar=SECRET_ENV,
    show_envvar=True,
)


@main.command("subscribe")
@_CONFIG
@_APP_ID
@_SECRET
@click.option("--callback-url", required=True, help="The receiver's public HTTPS URL.")
@click.option(
    "--verify-token",
    required=True,
    help="Presented by Meta's handshake.",
    envvar=VERIFY_ENV,
    show_envvar=True,
)
@click.option("--fields", default=",".join(subscriptions.FIELDS), show_default=True)
def subscribe_command(configs: tuple[Path, ...], app_id: str | None, app_secret: str,
                      callback_url: str, verify_token: str, fields: str) -> None:  # fmt: skip
    """Subscribe the app (Meta verifies the callback) and every account of the token."""
    _run(lambda c, a: subscriptions.subscribe(c, a, callback_url, verify_token,
                                              tuple(f.strip() for f in fields.split(",") if f.strip())),
         configs, app_id, app_secret)  # fmt: skip


@main.command("unsubscribe")
@_CONFIG
@_APP_ID
@_SECRET
def unsubscribe_command(configs: tuple[Path, ...], app_id: str | None, app_secret: str) -> None:
    """Remove the accounts' and the app's subscriptions."""
    _run(subscriptions.unsubscribe, configs, app_id, app_secret)


@main.command("status")
@_CONFIG
@_APP_ID
@_SECRET
@click.option("--store", help="Also count the events in this store.")
def status_command(configs: tuple[Path, ...], app_id: str | None, app_secret: str,
                   store: str | None) -> None:  # fmt: skip
    """What the app and each account are subscribed to (and how many events the store holds)."""
    _run(subscriptions.status, configs, app_id, app_secret)
    if store:
        kept = open_store(store)
        click.echo(f"store {store}: {kept.count()} event(s)")
        kept.close()


def _run(action: Callable[[GraphClient, subscriptions.App], list[str]], configs: tuple[Path, ...],
         app_id: str | None, app_secret: str) -> None:  # fmt: skip
    redaction.register_secret(app_secret)
    try:
        client, app = _graph(configs, app_id, app_secret)
        for line in action(client, app):
            click.echo(line)
    except (GraphError, SettingsError) as exc:
        _fail(str(exc))


def _fail(text: str) -> None:
    click.echo(f"error: {redaction.redact(text)}", err=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
