"""The Hub definitions match `--about` and pass the Hub's own rules; meltano.yml is checked, never rewritten."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hub_rules import CAPABILITIES, schema

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hub"))
import generate  # noqa: E402

SDK_SETTINGS = {"stream_maps", "stream_map_config", "flattening_enabled", "flattening_max_depth",
                "batch_config"}  # fmt: skip
ACRONYMS = {"api", "url", "uri", "id", "ids", "ig", "oauth", "millis"}


@pytest.mark.parametrize("plugin", list(generate.PLUGINS))
def test_definition_passes_the_hub_schema_and_sits_in_its_layout(plugin: str) -> None:
    plugin_type = generate.PLUGINS[plugin]["type"]
    path = ROOT / "hub" / plugin_type / plugin / f"{generate.VARIANT}.yml"
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    jsonschema.validate(doc, schema(plugin_type))
    assert doc["quality"] in ("gold", "silver", "bronze", "unknown")
    about = generate.about(plugin)
    expected = {c if plugin_type == "extractors" or c != "schema-flattening" else "record-flattening"
                for c in about["capabilities"]}  # fmt: skip
    assert set(doc["capabilities"]) == expected & set(CAPABILITIES[plugin_type])


@pytest.mark.parametrize("plugin", list(generate.PLUGINS))
def test_every_setting_is_declared_with_its_kind_and_a_written_label(plugin: str) -> None:
    doc: dict[str, Any] = yaml.safe_load(generate.path_of(plugin).read_text())
    props = generate.about(plugin)["settings"]["properties"]
    settings = {s["name"]: s for s in doc["settings"]}
    assert set(settings) == set(props)
    if plugin == "tap-instagram":
        assert set(settings) >= SDK_SETTINGS
        assert settings["stream_maps"]["kind"] == "object"
        assert settings["flattening_enabled"]["kind"] == "boolean"
        assert settings["flattening_max_depth"]["kind"] == "integer"
        assert settings["ig_user_ids"]["label"] == "Instagram Account IDs"
        assert settings["api_url"]["label"] == "Graph API URL"
    for name, setting in settings.items():
        if ACRONYMS & set(name.split("_")):  # "Api Url", "Ig User Ids": written by hand instead
            assert setting["label"] != name.replace("_", " ").title(), name
        assert setting["description"] == props[name].get("description", "")
        assert setting.get("sensitive", False) == bool(props[name].get("secret")), name
        if setting["kind"] == "options":
            assert [o["value"] for o in setting["options"]] == props[name]["enum"]
    assert {"access_token", "client_secret", "refresh_token", "app_secret"} <= {
        n for n, s in settings.items() if s.get("sensitive")
    }


def test_pip_url_names_the_client_and_the_plugin_at_the_release_tag() -> None:
    url = generate.pip_url("tap-instagram")
    tag = f"@v{generate.release()}#"
    parts = url.split()
    assert [p.rsplit("=", 1)[1] for p in parts] == [
        "instagram-graph",
        "notifications",
        "webhooks",
        "tap-instagram",
    ]
    assert all(tag in p for p in parts)


def test_generated_files_are_up_to_date_and_meltano_yml_agrees() -> None:
    assert generate.main(check=True) == 0, "run `.venv/bin/python hub/generate.py`"


def test_meltano_yml_is_the_users_file(tmp_path: Path) -> None:
    copy = tmp_path / "meltano.yml"
    shutil.copy(ROOT / "meltano.yml", copy)
    doc = yaml.safe_load(copy.read_text())
    tap = next(p for p in doc["plugins"]["extractors"] if p["name"] == "tap-instagram")
    tap["select"] = ["media.*", "comments.id"]  # what `meltano select` writes
    copy.write_text(yaml.safe_dump(doc, sort_keys=False))
    infos = {plugin: generate.about(plugin) for plugin in generate.PLUGINS}
    assert generate.project_problems(infos, copy) == []
    tap["settings"] = [s for s in tap["settings"] if s["name"] != "stream_maps"]
    tap["settings"][0]["kind"] = "integer"
    copy.write_text(yaml.safe_dump(doc, sort_keys=False))
    problems = generate.project_problems(infos, copy)
    assert "tap-instagram: setting stream_maps is missing" in problems
    assert any("access_token has kind integer" in p for p in problems), problems
    before = (ROOT / "meltano.yml").read_text()
    generate.main(check=False)
    assert (ROOT / "meltano.yml").read_text() == before


def test_prod_loads_into_a_named_schema() -> None:
    doc = yaml.safe_load((ROOT / "meltano.yml").read_text())
    prod = next(e for e in doc["environments"] if e["name"] == "prod")
    loaders = {p["name"]: p.get("config", {}) for p in prod["config"]["plugins"]["loaders"]}
    assert loaders["target-postgres"]["default_target_schema"] == "instagram"


def test_meltano_config_set_stores_sdk_settings_with_their_kinds(tmp_path: Path) -> None:
    import json
    import os
    import subprocess

    from tools import tool

    shutil.copy(ROOT / "meltano.yml", tmp_path / "meltano.yml")
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
           "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path}/meltano.db"}  # fmt: skip

    def meltano(*args: str) -> str:
        done = subprocess.run([str(tool("meltano")), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    meltano("config", "set", "tap-instagram", "stream_maps", '{"media": {"n": "len(caption)"}}')
    meltano("config", "set", "tap-instagram", "flattening_enabled", "true")
    meltano("config", "set", "tap-instagram", "flattening_max_depth", "2")
    config = json.loads(meltano("config", "print", "tap-instagram"))
    assert config["stream_maps"] == {"media": {"n": "len(caption)"}}
    assert config["flattening_enabled"] is True and config["flattening_max_depth"] == 2
