"""`instagram-auth`: url, exchange, refresh, status, accounts — against the sandbox."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from instagram_graph.auth import TokenStore
from instagram_graph.cli import main
from instagram_sandbox.testing import Demo


def write_config(tmp_path: Path, **config: Any) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def run(config: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env)


def fb_config(demo: Demo, tmp_path: Path, **extra: Any) -> Path:
    app = demo.apps["facebook"]
    return write_config(tmp_path, api_url=demo.base, client_id=app["app_id"], client_secret=app["app_secret"],
                        token_store=str(tmp_path / "token.json"), redirect_uri="http://127.0.0.1:9/cb", **extra)  # fmt: skip


def test_url_then_exchange_stores_a_long_lived_token(demo: Demo, tmp_path: Path) -> None:
    config = fb_config(demo, tmp_path)
    result = run(config, "url")
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert "/dialog/oauth?" in url and f"client_id={demo.apps['facebook']['app_id']}" in url
    redirect = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    result = run(config, "exchange", code)
    assert result.exit_code == 0, result.output
    stored = TokenStore(tmp_path / "token.json").load()
    assert stored is not None and stored.access_token not in result.output
    assert (
        "saved to" in result.output
        and stat.S_IMODE((tmp_path / "token.json").stat().st_mode) == 0o600
    )
    again = run(config, "exchange", code)  # codes are single use
    assert again.exit_code == 1 and "Invalid verification code" in again.output


def test_instagram_code_with_trailing_marker(demo: Demo, tmp_path: Path) -> None:
    app = demo.apps["instagram"]
    config = write_config(tmp_path, login="instagram", api_url=demo.ig_base, client_id=app["app_id"],
                          client_secret=app["app_secret"], token_store=str(tmp_path / "token.json"),
                          redirect_uri="http://127.0.0.1:9/cb")  # fmt: skip
    url = run(config, "url").output.strip()
    assert "/www.instagram.com/oauth/authorize?" in url
    location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0] + "#_"
    result = run(config, "exchange", code)
    assert result.exit_code == 0, result.output
    stored = TokenStore(tmp_path / "token.json").load()
    assert (
        stored is not None
        and stored.access_token.startswith("IGAA")
        and stored.login == "instagram"
    )


def test_status_shows_type_expiry_scopes_but_never_the_token(demo: Demo, tmp_path: Path) -> None:
    result = run(fb_config(demo, tmp_path, access_token=demo.fb_token), "status")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["is_valid"] is True and info["type"] == "USER"
    assert "instagram_basic" in info["scopes"] and info["expires_at"] > 0
    assert demo.fb_token not in result.output
    assert info["streams_known"] is True and "media_insights" in info["streams_served"]


def test_status_lists_the_streams_a_narrow_token_cannot_serve(demo: Demo, tmp_path: Path) -> None:
    token = demo.control.issue_token(demo.acme, scopes=["instagram_basic", "pages_show_list"])
    result = run(fb_config(demo, tmp_path, access_token=token), "status")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert {"accounts", "media", "stories"} <= set(info["streams_served"])
    assert info["streams_not_served"]["account_insights"] == (
        "missing permission instagram_manage_insights"
    )
    assert info["streams_not_served"]["tags"] == "missing permission instagram_manage_comments"
    assert "media_insights" not in info["streams_served"]


def test_refresh_writes_the_store(demo: Demo, tmp_path: Path) -> None:
    result = run(fb_config(demo, tmp_path, access_token=demo.fb_token), "refresh")
    assert result.exit_code == 0, result.output
    stored = TokenStore(tmp_path / "token.json").load()
    assert stored is not None and stored.access_token != demo.fb_token
    assert stored.access_token not in result.output


def test_accounts_lists_pages_and_linked_accounts(demo: Demo, tmp_path: Path) -> None:
    result = run(fb_config(demo, tmp_path, access_token=demo.fb_token), "accounts")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["page_name"]: r["ig_user_id"] for r in rows} == {
        "Acme Coffee": demo.acme, "Acme Bakery": demo.bakery, "Acme Fan Club": None,
    }  # fmt: skip


def test_settings_from_meltano_style_environment(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path, api_url=demo.base)
    result = run(config, "accounts", env={"TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token})
    assert result.exit_code == 0, result.output
    assert demo.acme in result.output


def test_bad_settings_exit_2_naming_the_setting(tmp_path: Path) -> None:
    result = run(write_config(tmp_path, access_token="x", oauth_mode="MAYBE"), "status")
    assert result.exit_code == 2 and "`oauth_mode`" in result.output


def test_console_script_is_installed() -> None:
    script = shutil.which("instagram-auth", path=str(Path(sys.executable).parent))
    assert script is not None
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        pytest.fail(out.stderr)
    assert "exchange" in out.stdout and "status" in out.stdout


def test_url_without_an_app_id_is_an_error(tmp_path: Path) -> None:
    result = run(write_config(tmp_path, redirect_uri="http://127.0.0.1:9/cb"), "url")
    assert result.exit_code == 2
    assert "Setting `client_id`" in result.output and "client_id=" not in result.output
