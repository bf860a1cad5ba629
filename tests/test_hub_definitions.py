"""The Hub definitions and meltano.yml match `--about`, follow the Hub's rules, and install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hub"))
import generate  # noqa: E402

REQUIRED = ("name", "variant", "label", "description", "namespace", "pip_url", "repo",
            "capabilities", "settings", "keywords", "maintenance_status", "domain_url", "logo_url")  # fmt: skip
CAPABILITIES = {"about", "activate-version", "batch", "catalog", "discover", "log-based",
                "properties", "schema-flattening", "state", "stream-maps", "structured-logging",
                "test", "validate-records", "hard-delete", "datatype-failsafe", "record-flattening"}  # fmt: skip
KINDS = {"string", "integer", "decimal", "boolean", "date_iso8601", "options", "array", "object",
         "file", "email", "password", "hidden", "oauth"}  # fmt: skip


@pytest.mark.parametrize("plugin", list(generate.PLUGINS))
def test_definition_follows_the_hub_rules_and_about(plugin: str) -> None:
    doc: dict[str, Any] = yaml.safe_load(generate.path_of(plugin).read_text())
    assert all(doc.get(key) for key in REQUIRED), [k for k in REQUIRED if not doc.get(k)]
    assert doc["variant"] == generate.VARIANT and doc["maintenance_status"] == "active"
    assert set(doc["capabilities"]) <= CAPABILITIES
    about = generate.about(plugin)
    assert set(doc["capabilities"]) == set(about["capabilities"])
    props = about["settings"]["properties"]
    settings = {s["name"]: s for s in doc["settings"]}
    assert set(settings) == set(props) - generate.SDK_SETTINGS
    for name, setting in settings.items():
        assert setting["kind"] in KINDS and setting["description"] == props[name].get(
            "description", ""
        )
        assert setting.get("sensitive", False) == bool(props[name].get("secret")), name
        if setting["kind"] == "options":
            assert [o["value"] for o in setting["options"]] == props[name]["enum"]
    assert {"access_token", "client_secret", "refresh_token", "app_secret"} <= {
        n for n, s in settings.items() if s.get("sensitive")
    }


def test_generated_files_are_up_to_date() -> None:
    assert generate.main(check=True) == 0, "run `uv run python hub/generate.py`"


@pytest.mark.parametrize("plugin", list(generate.PLUGINS))
def test_definition_installs_with_meltano_add_from_ref(plugin: str, tmp_path: Path) -> None:
    meltano = str(ROOT / ".tools" / "meltano" / "bin" / "meltano")
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run([meltano, "init", "scratch", "--no_usage_stats"], cwd=tmp_path, check=True,
                   capture_output=True, env=env)  # fmt: skip
    project = tmp_path / "scratch"
    # The published pip_url points at the repository; install this checkout instead.
    ref = tmp_path / f"{plugin}.yml"
    doc = yaml.safe_load(generate.path_of(plugin).read_text())
    doc["pip_url"] = f"-e {ROOT}/instagram-graph -e {ROOT}/{plugin}"
    ref.write_text(yaml.safe_dump(doc, sort_keys=False))
    kind = "extractor" if generate.PLUGINS[plugin]["type"] == "extractors" else "loader"
    added = subprocess.run([meltano, "add", kind, plugin, "--from-ref", str(ref)], cwd=project,
                           capture_output=True, text=True, env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr[-3000:]
    about = subprocess.run([meltano, "invoke", plugin, "--about", "--format=json"], cwd=project,
                           capture_output=True, text=True, env=env)  # fmt: skip
    assert about.returncode == 0, about.stderr[-3000:]
    assert f'"name": "{plugin}"' in about.stdout
