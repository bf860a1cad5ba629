"""The dbt project (transform/) built and tested where the project loads: DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

import duckdb
from playwright.sync_api import sync_playwright
from postgres import postgres_env, sql

from instagram_sandbox.server import running_sandbox
from instagram_sandbox.testing import demo_for

from .conftest import ROOT, Meltano

sys.path.insert(0, str(ROOT / "scripts"))
import landing  # the demo's loader and report, scripts (scripts/ is no package)
import report

MARTS = ("instagram__posts", "instagram__account_daily", "instagram__audience",
         "instagram__best_hours", "instagram__comments")  # fmt: skip


def _dbt_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
    }


def _results(tmp_path: Path) -> dict[str, str]:
    done = json.loads((tmp_path / "dbt-target" / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in done["results"]}


def test_meltano_run_tap_jsonl_and_dbt_build_on_duckdb(meltano_db: Path, tmp_path: Path) -> None:
    jsonl, database = tmp_path / "jsonl", tmp_path / "marts.duckdb"
    with running_sandbox("demo", 1, frozen=True) as frozen:
        demo = demo_for(frozen)
        meltano = Meltano(meltano_db, {
            "TAP_INSTAGRAM_API_URL": demo.base, "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token,
            "TARGET_JSONL_DESTINATION_PATH": str(jsonl), "DBT_JSONL_PATH": str(jsonl),
            "DBT_DUCKDB_PATH": str(database), **_dbt_env(tmp_path),
        })  # fmt: skip
        meltano("run", "--state-id-suffix", tmp_path.name, "tap-instagram", "target-jsonl",
                "dbt-duckdb:build")  # fmt: skip
    results = _results(tmp_path)
    models = [k for k in results if k.startswith("model.")]
    tests = [k for k in results if k.startswith("test.")]
    assert len(models) == 27 and len(tests) == 72
    assert set(results.values()) == {"success", "pass"}
    with duckdb.connect(str(database), read_only=True) as con:
        count = {m: con.execute(f"select count(*) from analytics.{m}").fetchone()[0] for m in MARTS}
        assert count["instagram__posts"] == 72 and count["instagram__best_hours"] == 24
        assert min(count.values()) > 0
        unsettled = con.execute(
            "select count(*) from analytics.instagram__account_daily where not settled"
        )
        assert unsettled.fetchone()[0] >= 1  # the newest days are still inside Meta's 48 h lag
    meltano("invoke", "dbt-duckdb:docs-generate")
    catalog = json.loads((tmp_path / "dbt-target" / "catalog.json").read_text())
    assert {f"model.instagram.{m}" for m in MARTS} <= set(catalog["nodes"])
    page = report.write(database, tmp_path / "report", landing.lines(jsonl), ["a note"])
    _check_in_a_browser(page, tmp_path / "report" / "screenshot.png")


def _check_in_a_browser(page: Path, screenshot: Path) -> None:
    """Headless Chromium opens the page offline: no console error, every chart decoded."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: apt-get install chromium (.ci/run installs it)"
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on(
            "request",
            lambda r: (
                errors.append(f"fetched {r.url}")
                if not r.url.startswith(("file:", "data:"))
                else None
            ),
        )
        tab.goto(page.as_uri())
        sizes = tab.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])"
        )
        tab.screenshot(path=str(screenshot), full_page=True)
        title = tab.title()
        browser.close()
    assert errors == [] and title == "Instagram demo report"
    assert len(sizes) == 5 and all(done and width > 300 for done, width, _ in sizes), sizes
    assert {alt for _, _, alt in sizes} == {"daily reach", "top posts", "interactions by media type",
                                             "followers online", "post performance"}  # fmt: skip
    assert screenshot.stat().st_size > 50_000


def test_dbt_build_on_postgres_after_meltano_run_tap_instagram_target_postgres(
    pg_dsn: str, meltano_db: Path, tmp_path: Path
) -> None:
    raw, marts = f"ig_{uuid.uuid4().hex[:8]}", f"an_{uuid.uuid4().hex[:8]}"
    pg = postgres_env("TARGET_POSTGRES", pg_dsn)
    dbt = {"DBT_POSTGRES_HOST": pg["TARGET_POSTGRES_HOST"], "DBT_POSTGRES_PORT": pg["TARGET_POSTGRES_PORT"],
           "DBT_POSTGRES_USER": pg["TARGET_POSTGRES_USER"], "DBT_POSTGRES_DBNAME": pg["TARGET_POSTGRES_DATABASE"],
           "DBT_POSTGRES_PASSWORD": pg["TARGET_POSTGRES_PASSWORD"], "DBT_POSTGRES_SCHEMA": marts,
           "DBT_RAW_SCHEMA": raw}  # fmt: skip
    with running_sandbox("demo", 1, frozen=True) as frozen:
        demo = demo_for(frozen)
        meltano = Meltano(meltano_db, {
            **pg, "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": raw, "TAP_INSTAGRAM_API_URL": demo.base,
            "TAP_INSTAGRAM_ACCESS_TOKEN": demo.fb_token, **dbt, **_dbt_env(tmp_path),
        })  # fmt: skip
        meltano("run", "--state-id-suffix", tmp_path.name, "tap-instagram", "target-postgres")
    meltano("invoke", "dbt-postgres:build")
    assert set(_results(tmp_path).values()) == {"success", "pass"}
    counts = {m: int(sql(pg_dsn, f"select count(*) from {marts}.{m}")[0][0]) for m in MARTS}
    assert counts["instagram__posts"] == 72 and min(counts.values()) > 0
    [[posts, distinct]] = sql(
        pg_dsn, f"select count(*), count(distinct media_id) from {marts}.instagram__posts"
    )
    assert posts == distinct
