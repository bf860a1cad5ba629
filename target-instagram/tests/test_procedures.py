"""Token procedures and the publishing-limit check through the execute stream."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from instagram_sandbox.testing import Demo

from .conftest import run_target, singer_lines


def execute(*rows: dict[str, Any]) -> str:
    return singer_lines("public-execute", list(rows))


def test_authorization_url_then_code_exchange_then_refresh(
    demo: Demo, config: dict[str, Any], tmp_path: Path
) -> None:
    app = demo.apps["facebook"]
    store = tmp_path / "token.json"
    cfg = {**config, "client_id": app["app_id"], "client_secret": app["app_secret"],
           "token_store": str(store), "redirect_uri": "http://127.0.0.1:9/callback"}  # fmt: skip
    first = run_target(cfg, execute({"op_id": "url", "procedure": "get_authorization_url",
                                     "params": {"state": "s-1"}}))  # fmt: skip
    url = first.by_status("applied")[0]["url"]
    assert f"client_id={app['app_id']}" in url and "state=s-1" in url
    consent = requests.get(url, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]

    exchanged = run_target(cfg, execute({"op_id": "code", "procedure": "exchange_code",
                                         "params": {"code": code}}))  # fmt: skip
    assert exchanged.by_status("applied")[0]["expires_at"]
    token = json.loads(store.read_text())["access_token"]
    assert token != demo.fb_token and stat.S_IMODE(store.stat().st_mode) == 0o600
    results = Path(cfg["ledger_path"]).with_name("target-instagram-results.jsonl").read_text()
    ledger = Path(cfg["ledger_path"]).read_bytes()
    assert code not in results and token not in results and code.encode() not in ledger

    refreshed = run_target(cfg, execute({"op_id": "refresh", "procedure": "refresh_access_token"}))
    assert refreshed.by_status("applied")
    assert json.loads(store.read_text())["access_token"] not in (token, demo.fb_token)


def test_exchange_code_without_a_token_store_is_rejected(
    demo: Demo, config: dict[str, Any]
) -> None:
    run = run_target(config, execute({"op_id": "c", "procedure": "exchange_code",
                                      "params": {"code": "AQnotused"}}))  # fmt: skip
    assert run.rejects[0]["reason"].startswith("Setting `token_store`: exchange_code has nowhere")
    assert "AQnotused" not in json.dumps(run.rejects)


def test_check_publishing_limit(demo: Demo, config: dict[str, Any]) -> None:
    demo.control.set_quota(demo.acme, quota_total=50)
    run = run_target(config, execute({"op_id": "q", "procedure": "check_publishing_limit"}))
    [result] = run.by_status("applied")
    assert result["quota_total"] == 50 and isinstance(result["quota_usage"], int)
    assert result["instagram_id"] == demo.acme
