"""Write the Meltano Hub definitions (and meltano.yml's settings) from the plugins' `--about`.

uv run python hub/generate.py          # rewrite hub/*/…yml and the settings in meltano.yml
uv run python hub/generate.py --check  # fail when any of them is out of date
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VARIANT = "instagram-connector"
REPO = "https://github.com/instagram-connector/instagram-connector"
SDK_SETTINGS = {"stream_maps", "stream_map_config", "faker_config", "flattening_enabled",
                "flattening_max_depth", "flattening_max_key_length", "batch_config",
                "add_record_metadata", "load_method", "validate_records", "batch_size_rows",
                "process_activate_version_messages", "hard_delete"}  # fmt: skip
PLUGINS = {
    "tap-instagram": {
        "type": "extractors", "namespace": "tap_instagram", "label": "Instagram",
        "description": "Instagram Graph API: accounts, media, stories, comments, tags, hashtags, "
                       "business discovery, publishing quota and every insight",
        "keywords": ["meltano_sdk", "api", "instagram", "social"],
        "pip_url": f"git+{REPO}.git#subdirectory=tap-instagram",
    },
    "target-instagram": {
        "type": "loaders", "namespace": "target_instagram", "label": "Instagram",
        "description": "Comment, reply, moderate and publish on Instagram, exactly once",
        "keywords": ["meltano_sdk", "api", "instagram", "reverse-etl"],
        "pip_url": f"git+{REPO}.git#subdirectory=target-instagram",
    },
}  # fmt: skip


@cache
def about(plugin: str) -> dict[str, Any]:
    """`PLUGIN --about --format=json`, from the environment this script runs in (never `uv` by name)."""
    executable = Path(sys.executable).parent / plugin
    out = subprocess.run([str(executable), "--about", "--format=json"],
                         cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    return dict(json.loads(out.stdout))


def kind(prop: dict[str, Any]) -> str:
    """The Meltano setting kind of a JSON-schema property."""
    types = prop.get("type", ["string"])
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    if prop.get("enum"):
        return "options"
    if prop.get("format") in ("date-time", "date"):
        return "date_iso8601"
    return {"integer": "integer", "number": "decimal", "boolean": "boolean", "array": "array",
            "object": "object"}.get(types[0] if types else "string", "string")  # fmt: skip


def settings(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of `--about`, except the SDK's generic ones, in Meltano's shape."""
    out = []
    for name, prop in info["settings"]["properties"].items():
        if name in SDK_SETTINGS:
            continue
        setting: dict[str, Any] = {"name": name, "label": name.replace("_", " ").title(),
                                   "kind": kind(prop), "description": prop.get("description", "")}  # fmt: skip
        if prop.get("secret") or prop.get("writeOnly"):
            setting["sensitive"] = True
        if prop.get("enum"):
            setting["options"] = [{"label": str(v), "value": v} for v in prop["enum"]]
        if prop.get("default") is not None:
            setting["value"] = prop["default"]
        out.append(setting)
    return out


def definition(plugin: str, info: dict[str, Any]) -> dict[str, Any]:
    """The Hub YAML document of one plugin."""
    meta = PLUGINS[plugin]
    return {
        "name": plugin, "variant": VARIANT, "label": meta["label"], "description": meta["description"],
        "namespace": meta["namespace"], "pip_url": meta["pip_url"], "executable": plugin,
        "repo": REPO, "docs": f"{REPO}/blob/main/{plugin}/README.md",
        "domain_url": "https://developers.facebook.com/docs/instagram-platform",
        "logo_url": "/assets/logos/extractors/instagram.png", "keywords": meta["keywords"],
        "maintenance_status": "active", "capabilities": sorted(info["capabilities"]),
        "settings_group_validation": [["access_token"], ["refresh_token", "client_id", "client_secret"],
                                      ["token_store"]],
        "settings": settings(info),
    }  # fmt: skip


def path_of(plugin: str) -> Path:
    """hub/extractors/tap-instagram--VARIANT.yml and the like."""
    return ROOT / "hub" / PLUGINS[plugin]["type"] / f"{plugin}--{VARIANT}.yml"


def render(doc: Any) -> str:
    """YAML as the Hub writes it: keys in order, long lines folded."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


POSTGRES_SETTINGS = [
    {"name": "host"}, {"name": "port", "kind": "integer"}, {"name": "user"},
    {"name": "password", "kind": "string", "sensitive": True}, {"name": "database"},
    {"name": "sqlalchemy_url", "kind": "string", "sensitive": True},
]  # fmt: skip


def project(infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """meltano.yml: our two plugins installed from this checkout, the database plugins pinned.

    Every plugin is defined in full (no Hub look-up), so `meltano install` needs only PyPI.
    """

    def ours(plugin: str) -> dict[str, Any]:
        folder = plugin
        return {
            "name": plugin, "namespace": PLUGINS[plugin]["namespace"],
            "pip_url": f"-e ./instagram-graph -e ./{folder}", "executable": plugin,
            "capabilities": sorted(infos[plugin]["capabilities"]), "settings": settings(infos[plugin]),
        }  # fmt: skip

    extractors = [
        ours("tap-instagram"),
        {"name": "tap-postgres", "namespace": "tap_postgres", "pip_url": "meltanolabs-tap-postgres==0.10.0",
         "executable": "tap-postgres", "capabilities": ["catalog", "discover", "state", "about"],
         "settings": [*POSTGRES_SETTINGS, {"name": "filter_schemas", "kind": "array"}],
         # Reverse ETL: operation tables are read incrementally on `updated_at`, so rows the
         # target has applied are not sent again.
         "metadata": {"*": {"replication-method": "INCREMENTAL", "replication-key": "updated_at"}}},
    ]  # fmt: skip
    loaders = [
        ours("target-instagram"),
        {"name": "target-postgres", "namespace": "target_postgres",
         "pip_url": "meltanolabs-target-postgres==0.8.1", "executable": "target-postgres",
         "capabilities": ["about", "stream-maps"],
         "settings": [*POSTGRES_SETTINGS, {"name": "default_target_schema"}]},
        # target-duckdb 0.8.0 keeps only the last row of each batch with duckdb 2.x: pin 1.1.
        {"name": "target-duckdb", "namespace": "target_duckdb",
         "pip_url": "target-duckdb==0.8.0 duckdb==1.1.3", "executable": "target-duckdb",
         "settings": [{"name": "filepath"}, {"name": "default_target_schema"}]},
    ]  # fmt: skip
    sandbox = "http://127.0.0.1:8765"
    return {
        "default_environment": "dev", "project_id": "instagram-connector",
        "send_anonymous_usage_stats": False, "venv": {"backend": "uv"},
        "plugins": {"extractors": extractors, "loaders": loaders},
        "environments": [
            {"name": "dev", "config": {"plugins": {
                "extractors": [{"name": "tap-instagram", "config": {"api_url": sandbox,
                                "initial_retry_interval_millis": 100,
                                "maximum_retries_interval_millis": 1000}}],
                "loaders": [
                    {"name": "target-instagram", "config": {"api_url": sandbox,
                     "initial_retry_interval_millis": 100, "maximum_retries_interval_millis": 1000,
                     "publish_poll_interval_seconds": 1, "publish_poll_timeout_seconds": 5}},
                    {"name": "target-duckdb", "config": {"filepath": "output/demo.duckdb",
                                                         "default_target_schema": "instagram"}},
                    {"name": "target-postgres", "config": {"default_target_schema": "instagram"}},
                ]}}},
            # Real credentials come from the environment: TAP_INSTAGRAM_ACCESS_TOKEN,
            # TARGET_INSTAGRAM_ACCESS_TOKEN, TARGET_POSTGRES_PASSWORD, … Nothing secret is kept here.
            {"name": "prod", "config": {"plugins": {
                "extractors": [{"name": "tap-instagram", "config": {"oauth_mode": "REFRESH",
                                "token_store": ".meltano/tokens/tap-instagram.json"}}],
                "loaders": [{"name": "target-instagram", "config": {"oauth_mode": "REFRESH",
                             "token_store": ".meltano/tokens/target-instagram.json"}}]}}},
        ],
    }  # fmt: skip


def main(check: bool) -> int:
    """Write every file, or (check) report those that differ; 1 when any is stale."""
    stale = []
    infos = {plugin: about(plugin) for plugin in PLUGINS}
    outputs = {path_of(p): render(definition(p, infos[p])) for p in PLUGINS}
    outputs[ROOT / "meltano.yml"] = render(project(infos))
    for target, text in outputs.items():
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target.relative_to(ROOT)))
        else:
            target.write_text(text)
    if stale:
        print("out of date (run `uv run python hub/generate.py`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
