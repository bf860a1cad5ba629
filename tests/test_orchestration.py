"""Partitions on Dagster, for real: Dagster's own multiprocess executor runs two shares of the demo's
accounts at the same time, each a `meltano run tap-instagram target-postgres` with its own state id,
against the sandbox and one PostgreSQL (target tables and Meltano's system database, which holds
the state). Each share's state is its own; every row lands once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dagster import DagsterInstance, execute_job, reconstructable
from postgres import postgres_env, sql

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import demo_for
from tap_instagram.connections import share_of

from .conftest import MELTANO, ROOT, Meltano
from .test_meltano_postgres import STREAM_KEYS

KEYED = (
    "media",
    "comments",
    "media_insights",
    "account_insights_totals",
    "accounts",
    "media_files",
)


def shares(count: int, accounts: list[str]) -> list[int]:
    return [share_of(a, count) for a in accounts]


def rows(dsn: str, schema: str, table: str) -> list[tuple[str, ...]]:
    """The table's keys; of insights, the totals only (Graph lists a breakdown's non-zero buckets,
    and unsettled figures move between two reads)."""
    columns = ", ".join(f"{k}::text" for k in STREAM_KEYS[table])
    where = " where breakdown = 'total'" if "breakdown" in STREAM_KEYS[table] else ""
    return [tuple(r) for r in sql(dsn, f"select {columns} from {schema}.{table}{where} order by 1")]


@pytest.fixture
def split(
    sandbox: SandboxServer, pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, object]:
    """Environment for two shares of the demo's accounts (acme and bakery in different ones)."""
    demo = demo_for(sandbox)
    count = next(n for n in range(2, 12) if len(set(shares(n, [demo.acme, demo.bakery]))) == 2)
    system = f"meltano_{uuid.uuid4().hex[:8]}"
    sql(pg_dsn, f"create database {system}")
    base = pg_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    schema = f"ig_{uuid.uuid4().hex[:8]}"
    env = {**postgres_env("TARGET_POSTGRES", pg_dsn), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
           "TAP_INSTAGRAM_API_URL": demo.base, "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
           "MELTANO_DATABASE_URI": f"{base}/{system}", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
           "INSTAGRAM_PARTITIONS": str(count), "MELTANO_PROJECT_DIR": str(ROOT),
           "MELTANO_EXECUTABLE": str(MELTANO), "MELTANO_ENVIRONMENT": "dev",
           "TAP_INSTAGRAM_MEDIA_FILES_URL": str(tmp_path / "media")}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Meltano(tmp_path / "unused.db", env)("state", "list")  # the system database's tables, once
    return {"count": count, "schema": schema, "env": env, "demo": demo}


def test_dagster_runs_two_partitions_at_once_each_with_its_own_state(
    split: dict[str, object], pg_dsn: str, tmp_path: Path
) -> None:
    from instagram_orchestration import definitions

    count, schema = int(str(split["count"])), str(split["schema"])
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance, execute_job(
        reconstructable(definitions.sync_all_partitions), instance=instance,
        run_config={"execution": {"config": {"max_concurrent": 2}}},
    ) as result:  # fmt: skip
        assert result.success
        outputs = result.output_for_node("sync_partition").values()
        runs = sorted(outputs, key=lambda r: r["started"])
    assert len(runs) == count
    first, second = runs[0], runs[1]
    assert second["started"] < first["finished"]  # two partitions' meltano runs overlapped

    meltano = Meltano(tmp_path / "unused.db", dict(split["env"]))  # type: ignore[arg-type]
    listed = meltano("state", "list").stdout.split()
    ids = sorted(s for s in listed if "tap-instagram-to-target-postgres:partition-" in s)
    assert ids == sorted(f"dev:tap-instagram-to-target-postgres:partition-{i}-of-{count}"
                         for i in range(count))  # fmt: skip
    demo = split["demo"]
    owners = {demo.acme: share_of(demo.acme, count), demo.bakery: share_of(demo.bakery, count)}  # type: ignore[attr-defined]
    for state_id in ids:
        index = int(state_id.rsplit("partition-", 1)[1].split("-of-")[0])
        state = meltano.state(state_id)
        media = state["singer_state"]["bookmarks"]["media"].get("partitions", [])
        assert {p["context"]["account_id"] for p in media} == {
            a for a, s in owners.items() if s == index
        }

    # every row once: the same keys as one run of the whole project into another schema
    whole = f"{schema}_whole"
    reference = Meltano(tmp_path / "reference.db", {**dict(split["env"]), "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": whole,  # type: ignore[arg-type]
                                                    "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'reference.db'}"})  # fmt: skip
    reference("run", "tap-instagram", "target-postgres")
    for table in KEYED:
        split_rows, whole_rows = rows(pg_dsn, schema, table), rows(pg_dsn, whole, table)
        assert len(split_rows) == len(set(split_rows)) > 0, table
        assert set(split_rows) == set(whole_rows), table
    assert json.dumps(owners)  # both accounts were read, by different partitions
