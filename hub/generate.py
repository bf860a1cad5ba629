"""Write the Meltano Hub definitions from the plugins' `--about`; check meltano.yml against them.

.venv/bin/python hub/generate.py          # rewrite hub/<type>/<plugin>/<variant>.yml
.venv/bin/python hub/generate.py --check  # fail when a Hub file is stale or meltano.yml disagrees

meltano.yml is the user's file: it is never written here, only checked (settings, kinds, secrets).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VARIANT = "instagram-connector"
REPO = "https://github.com/instagram-connector/instagram-connector"
PLUGINS = {
    "tap-instagram": {
        "type": "extractors", "namespace": "tap_instagram", "label": "Instagram",
        "description": "Instagram Graph API: accounts, media, stories, comments, tags, hashtags, "
                       "business discovery, publishing quota and every insight",
        "keywords": ["meltano_sdk", "api", "instagram", "social"],
    },
    "target-instagram": {
        "type": "loaders", "namespace": "target_instagram", "label": "Instagram",
        "description": "Comment, reply, moderate and publish on Instagram, exactly once",
        "keywords": ["meltano_sdk", "api", "instagram", "reverse-etl"],
    },
}  # fmt: skip


# Workspace packages a plugin needs besides the client and notifications.
PLUGIN_PARTS = {"tap-instagram": ("webhooks",)}


def release() -> str:
    """The newest released version in CHANGELOG.md (its `## [X.Y.Z]` heading)."""
    found = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    if found is None:
        raise SystemExit("CHANGELOG.md has no released version (a `## [X.Y.Z] - date` heading)")
    return found.group(1)


def pip_url(plugin: str, repo: str = REPO, version: str | None = None) -> str:
    """The shared client, notifications, the plugin's other parts and the plugin, at the release tag."""
    tag = f"v{version or release()}"
    parts = ("instagram-graph", "notifications", *PLUGIN_PARTS.get(plugin, ()), plugin)
    return " ".join(f"git+{repo}.git@{tag}#subdirectory={folder}" for folder in parts)


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


@cache
def labels() -> dict[str, str]:
    """hub/labels.yml: every setting's label, written by hand."""
    return dict(yaml.safe_load((ROOT / "hub" / "labels.yml").read_text()))


def settings(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Every setting of `--about` (the SDK's own included), in Meltano's shape."""
    out = []
    for name, prop in info["settings"]["properties"].items():
        if name not in labels():
            raise SystemExit(f"setting {name!r} has no label: add one to hub/labels.yml")
        setting: dict[str, Any] = {"name": name, "label": labels()[name], "kind": kind(prop),
                                   "description": prop.get("description", "")}  # fmt: skip
        if secret(prop):
            setting["sensitive"] = True
        if prop.get("enum"):
            setting["options"] = [{"label": str(v), "value": v} for v in prop["enum"]]
        if prop.get("default") is not None:
            setting["value"] = prop["default"]
        out.append(setting)
    return out


def secret(prop: dict[str, Any]) -> bool:
    """Whether `--about` marks a setting as secret."""
    return bool(prop.get("secret") or prop.get("writeOnly"))


def definition(plugin: str, info: dict[str, Any]) -> dict[str, Any]:
    """The Hub YAML document of one plugin."""
    meta = PLUGINS[plugin]
    return {
        "name": plugin, "variant": VARIANT, "label": meta["label"], "description": meta["description"],
        "namespace": meta["namespace"], "pip_url": pip_url(plugin), "executable": plugin,
        "repo": REPO, "docs": f"{REPO}/blob/main/{plugin}/README.md",
        "domain_url": "https://developers.facebook.com/docs/instagram-platform",
        "logo_url": "/assets/logos/extractors/instagram.png", "keywords": meta["keywords"],
        "maintenance_status": "active", "quality": "unknown",
        "capabilities": hub_capabilities(meta["type"], info["capabilities"]),
        "settings_group_validation": [["access_token"], ["refresh_token", "client_id", "client_secret"],
                                      ["token_store"]],
        "settings": settings(info),
    }  # fmt: skip


# The Hub's capability words: a loader's flattening is `record-flattening`, and the Hub has no word
# for a loader's validate-records or structured-logging.
LOADER_CAPABILITIES = {"about": "about", "stream-maps": "stream-maps", "batch": "batch",
                       "activate-version": "activate-version", "hard-delete": "hard-delete",
                       "soft-delete": "soft-delete", "schema-flattening": "record-flattening",
                       "datatype-failsafe": "datatype-failsafe"}  # fmt: skip


def hub_capabilities(plugin_type: str, capabilities: list[str]) -> list[str]:
    """`--about`'s capabilities in the Hub's words."""
    if plugin_type == "extractors":
        return sorted(capabilities)
    return sorted(LOADER_CAPABILITIES[c] for c in capabilities if c in LOADER_CAPABILITIES)


def path_of(plugin: str) -> Path:
    """hub/extractors/tap-instagram/VARIANT.yml and the like: the Hub's own layout."""
    return ROOT / "hub" / PLUGINS[plugin]["type"] / plugin / f"{VARIANT}.yml"


def render(doc: Any) -> str:
    """YAML as the Hub writes it: keys in order, long lines folded."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def project_problems(
    infos: dict[str, dict[str, Any]], path: Path = ROOT / "meltano.yml"
) -> list[str]:
    """Where meltano.yml's settings of our plugins disagree with `--about` (names, kinds, secrets)."""
    plugins = yaml.safe_load(path.read_text()).get("plugins", {})
    problems = []
    for plugin, meta in PLUGINS.items():
        declared = next((p for p in plugins.get(meta["type"], []) if p.get("name") == plugin), None)
        if declared is None:
            problems.append(f"{plugin} is not in meltano.yml")
            continue
        have = {s["name"]: s for s in declared.get("settings", [])}
        props = infos[plugin]["settings"]["properties"]
        problems += [f"{plugin}: setting {n} is missing" for n in props if n not in have]
        problems += [f"{plugin}: setting {n} is not in --about" for n in have if n not in props]
        for name in set(props) & set(have):
            if have[name].get("kind", "string") != kind(props[name]):
                problems.append(f"{plugin}: {name} has kind {have[name].get('kind', 'string')}, "
                                f"--about says {kind(props[name])}")  # fmt: skip
            if bool(have[name].get("sensitive")) != secret(props[name]):
                problems.append(f"{plugin}: {name} sensitive should be {secret(props[name])}")
    return problems


def main(check: bool) -> int:
    """Write the Hub files, or (check) report stale ones; 1 when any is stale or meltano.yml disagrees."""
    infos = {plugin: about(plugin) for plugin in PLUGINS}
    stale = []
    for plugin in PLUGINS:
        target, text = path_of(plugin), render(definition(plugin, infos[plugin]))
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        elif not target.exists() or target.read_text() != text:
            stale.append(str(target.relative_to(ROOT)))
    if stale:
        print("out of date (run `.venv/bin/python hub/generate.py`): " + ", ".join(stale))
    problems = project_problems(infos)
    for problem in problems:
        print(f"meltano.yml: {problem} (edit meltano.yml by hand)")
    return 1 if stale or problems else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
