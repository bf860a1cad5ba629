"""Installable like a real package: wheels with plain pip, the Hub pip_url with pip and both Meltano backends."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tools import ROOT, tool

sys.path.insert(0, str(ROOT / "hub"))
import generate

PIP_ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
           "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=PIP_ENV, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stderr[-3000:]}"
    return done


def new_venv(path: Path) -> Path:
    """A plain venv with pip: what a user makes with `python -m venv`."""
    run(sys.executable, "-m", "venv", path)
    return path / "bin"


@pytest.fixture(scope="module")
def tagged_clone(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This checkout's HEAD cloned and tagged with the release: the repository the pip_url names."""
    clone = tmp_path_factory.mktemp("git") / "instagram-connector.git"
    run("git", "clone", "-q", ROOT, clone)
    run("git", "-C", clone, "tag", "-f", f"v{generate.release()}")
    return f"file://{str(clone).removesuffix('.git')}"


def about(executable: Path) -> dict[str, object]:
    return dict(json.loads(run(executable, "--about", "--format=json").stdout))


def test_wheels_install_with_plain_pip(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(tool("uv"), "build", "--all-packages", "--out-dir", dist)
    wheels = {w.name.split("-")[0]: w for w in dist.glob("*.whl")}
    assert set(wheels) == {"instagram_connector_graph", "instagram_connector_tap_instagram",
                           "instagram_connector_target_instagram", "instagram_connector_sandbox",
                           "instagram_connector_orchestration", "instagram_connector_notify",
                           "instagram_connector_webhooks"}  # fmt: skip
    assert len(list(dist.glob("*.tar.gz"))) == 7
    version = wheels["instagram_connector_tap_instagram"].name.split("-")[1]
    assert len({w.name.split("-")[1] for w in wheels.values()}) == 1  # one version source
    bin_dir = new_venv(tmp_path / "venv")
    run(bin_dir / "pip", "install", "--quiet", wheels["instagram_connector_graph"],
        wheels["instagram_connector_notify"], wheels["instagram_connector_webhooks"],
        wheels["instagram_connector_tap_instagram"],
        wheels["instagram_connector_target_instagram"])  # fmt: skip
    for plugin in ("tap-instagram", "target-instagram"):
        info = about(bin_dir / plugin)
        assert info["name"] == plugin and info["version"] == version, info


def test_hub_pip_url_installs_with_plain_pip(tagged_clone: str, tmp_path: Path) -> None:
    bin_dir = new_venv(tmp_path / "venv")
    run(
        bin_dir / "pip",
        "install",
        "--quiet",
        *shlex.split(generate.pip_url("tap-instagram", tagged_clone)),
    )
    assert run(bin_dir / "tap-instagram", "--version").stdout.startswith(
        f"tap-instagram v{generate.release()},"
    )


@pytest.mark.parametrize("backend", ["virtualenv", "uv"])
@pytest.mark.parametrize("plugin", list(generate.PLUGINS))
def test_hub_definition_installs_with_meltano(
    plugin: str, backend: str, tagged_clone: str, tmp_path: Path
) -> None:
    meltano = tool("meltano")
    run(meltano, "init", "scratch", "--no_usage_stats", cwd=tmp_path)
    project = tmp_path / "scratch"
    config = yaml.safe_load((project / "meltano.yml").read_text())
    (project / "meltano.yml").write_text(yaml.safe_dump({**config, "venv": {"backend": backend}}))
    ref = tmp_path / f"{plugin}.yml"
    doc = yaml.safe_load(generate.path_of(plugin).read_text())
    doc["pip_url"] = generate.pip_url(plugin, tagged_clone)
    ref.write_text(yaml.safe_dump(doc, sort_keys=False))
    kind = "extractor" if generate.PLUGINS[plugin]["type"] == "extractors" else "loader"
    run(meltano, "add", kind, plugin, "--from-ref", ref, cwd=project)
    info = json.loads(
        run(meltano, "invoke", plugin, "--about", "--format=json", cwd=project).stdout
    )
    assert info["name"] == plugin and info["version"] == generate.release()


def test_one_license_one_changelog_one_version_source() -> None:
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    assert f"## [{generate.release()}] - " in (ROOT / "CHANGELOG.md").read_text()
    for folder in (
        "instagram-graph",
        "tap-instagram",
        "target-instagram",
        "instagram-sandbox",
        "orchestration",
        "notifications",
        "webhooks",
    ):
        project = (ROOT / folder / "pyproject.toml").read_text()
        assert 'license = "Apache-2.0"' in project and 'dynamic = ["version"]' in project, folder
        assert 'name = "instagram-connector-' in project and "\nversion =" not in project, folder
