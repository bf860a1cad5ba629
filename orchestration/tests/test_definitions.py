"""The code location without Meltano: definitions load, partitions and the schedule, what a
partition's run is given, and what a failed run reports."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from instagram_orchestration import definitions
from instagram_orchestration.meltano_project import MeltanoProject, partition_sys_dir
from instagram_orchestration.partitions import parse_key, partition_count, partition_keys

FAKE_MELTANO = """#!/usr/bin/env python3
import json, os, sys
keep = {k: v for k, v in os.environ.items() if k.startswith(("TAP_INSTAGRAM_PARTITION", "MELTANO_"))}
with open(os.path.join(os.getcwd(), "calls.jsonl"), "a") as out:
    out.write(json.dumps({"argv": sys.argv[1:], "env": keep}) + "\\n")
if os.environ.get("FAIL"):
    print("boom: the tap could not reach Graph", file=sys.stderr)
    sys.exit(2)
print("tap-instagram | run summary: 12 records (media 12); 3 requests, 40 Graph calls", file=sys.stderr)
"""


@pytest.fixture
def project(tmp_path: Path) -> MeltanoProject:
    (tmp_path / ".meltano" / "extractors").mkdir(parents=True)
    (tmp_path / ".meltano" / "run").mkdir()
    fake = tmp_path / "meltano"
    fake.write_text(FAKE_MELTANO)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return MeltanoProject(project_dir=str(tmp_path), executable=str(fake), environment="dev")


def calls(project: MeltanoProject) -> list[dict[str, object]]:
    lines = (Path(project.project_dir) / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_code_location_loads_with_every_definition() -> None:
    defs = definitions.defs
    dg.Definitions.validate_loadable(defs)
    assert {j.name for j in defs.resolve_all_job_defs()} >= {
        "instagram_partitions",
        "sync_all_partitions",
    }
    assert definitions.PARTITIONS.get_partition_keys() == partition_keys(partition_count())


def test_partition_keys_and_their_parse() -> None:
    assert partition_keys(3) == ["0-of-3", "1-of-3", "2-of-3"]
    assert parse_key("2-of-3") == (2, 3)
    for bad in ("3-of-3", "x-of-2", "2"):
        with pytest.raises(ValueError, match="partition key"):
            parse_key(bad)


def test_the_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTAGRAM_PARTITIONS", "8")
    assert partition_count() == 8
    monkeypatch.setenv("INSTAGRAM_PARTITIONS", "eight")
    with pytest.raises(ValueError, match="INSTAGRAM_PARTITIONS"):
        partition_count()


def test_the_schedule_asks_for_every_partition_once_a_day() -> None:
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 6, 4, tzinfo=UTC),
        repository_def=definitions.defs.get_repository_def(),
    )
    requests = list(definitions.daily_instagram_sync.evaluate_tick(context).run_requests or [])
    keys = [r.partition_key for r in requests]
    assert keys == definitions.PARTITIONS.get_partition_keys()
    assert len({r.run_key for r in requests}) == len(keys)
    assert all("2026-12-06" in (r.run_key or "") for r in requests)


def test_a_partition_runs_meltano_with_its_share_state_id_and_folder(
    project: MeltanoProject,
) -> None:
    run = project.run_partition(1, 4)
    (call,) = calls(project)
    assert call["argv"] == [
        "run",
        "--state-id-suffix",
        "partition-1-of-4",
        "tap-instagram",
        "target-postgres",
    ]
    env = call["env"]
    assert isinstance(env, dict)
    assert (
        env["TAP_INSTAGRAM_PARTITION_INDEX"] == "1" and env["TAP_INSTAGRAM_PARTITION_COUNT"] == "4"
    )
    assert env["MELTANO_ENVIRONMENT"] == "dev"
    assert env["MELTANO_SYS_DIR_ROOT"].endswith(".meltano/partitions/partition-1-of-4")
    assert (run.records, run.requests, run.graph_calls) == (12, 3, 40)


def test_a_partition_folder_shares_the_plugins_but_not_the_run_files(tmp_path: Path) -> None:
    (tmp_path / ".meltano" / "extractors").mkdir(parents=True)
    (tmp_path / ".meltano" / "run").mkdir()
    own = partition_sys_dir(tmp_path, "partition-0-of-2")
    assert (own / "extractors").resolve() == (tmp_path / ".meltano" / "extractors").resolve()
    assert not (own / "run").exists()  # Meltano makes its own
    assert partition_sys_dir(tmp_path, "partition-0-of-2") == own  # again: nothing breaks


def test_a_failed_run_fails_the_partition_with_meltanos_last_lines(
    project: MeltanoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(dg.Failure, match="could not reach Graph"):
        project.run_partition(0, 2)


def test_materialising_one_partition_of_the_asset(project: MeltanoProject) -> None:
    key = definitions.PARTITIONS.get_partition_keys()[-1]
    result = dg.materialize([definitions.instagram_accounts], partition_key=key,
                            resources={"meltano": project})  # fmt: skip
    assert result.success
    materialization = result.asset_materializations_for_node("instagram_accounts")[0]
    assert materialization.metadata["records"].value == 12
    (call,) = calls(project)
    assert call["argv"][2] == f"partition-{key}"
