"""`instagram-sandbox serve`: run the emulator from the command line."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import datetime
from typing import Any

import requests

from instagram_sandbox.scenarios import SCENARIOS
from instagram_sandbox.server import SandboxClient, SandboxServer


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="instagram-sandbox", description="A local Instagram Graph API."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a scenario until stopped")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--scenario", choices=sorted(SCENARIOS), default="demo")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="fixed delay added to every Graph request"
    )
    serve.add_argument("--start-time", type=_parse_time, default=None,
                       help="sandbox 'now' at start (ISO 8601); default: the wall clock")  # fmt: skip
    serve.add_argument(
        "--frozen", action="store_true", help="the clock moves only through the control API"
    )
    token = sub.add_parser("token", help="print a starter access token of a running sandbox")
    token.add_argument("--url", default="http://127.0.0.1:8765", help="the sandbox's base URL")
    token.add_argument("--account", type=int, default=0, help="which account (0: the first)")
    return parser


def _print_token(url: str, account: int) -> int:
    """One account's starter token, for `export TAP_INSTAGRAM_ACCESS_TOKEN=$(…)`."""
    try:
        rows = SandboxClient(url.rstrip("/")).tokens()["accounts"]
    except requests.RequestException as exc:
        print(f"no sandbox answers at {url} ({type(exc).__name__}): start one with "
              "`make sandbox` or `instagram-sandbox serve`", file=sys.stderr)  # fmt: skip
        return 1
    print(rows[account]["access_token"])
    return 0


def _announce(server: SandboxServer) -> None:
    tokens = server.client().tokens()
    print(f"Instagram sandbox ({server.backend.scenario}, seed {server.backend.seed}) ready")
    print(f"  base URL (Facebook Login):  {server.base_url}")
    print(f"  base URL (Instagram Login): {server.instagram_base_url}")
    print(f"  control API:                {server.base_url}/__sandbox/")
    for app_name, app in tokens["apps"].items():
        print(f"  {app_name} app id: {app['app_id']}")
    for row in tokens["accounts"]:
        print(f"  account {row['account_id']} {row['label']}: access token {row['access_token']}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `instagram-sandbox` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "token":
        return _print_token(args.url, args.account)
    server = SandboxServer(
        args.scenario, args.seed, host=args.host, port=args.port, latency_ms=args.latency_ms,
        start_time=args.start_time, frozen=args.frozen,
    )  # fmt: skip

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever(on_ready=_announce)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
