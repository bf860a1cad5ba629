"""`output/report.html` and its PNG charts, from the dbt marts in the demo's DuckDB file.

The page is self-contained (the charts are embedded as data URIs, no script or font is fetched), so
it opens offline; the same charts are also written as PNG files beside it. Days inside Meta's 48-hour
lag are drawn hatched and labelled "not settled", so a partial day never reads as final.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

MARTS = "analytics"
BLUE, ORANGE, GREY = "#3b6ea8", "#e08a2c", "#9aa5b1"


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def daily_reach(con: duckdb.DuckDBPyConnection, account: str, path: Path) -> Path:
    """Daily reach (bars) and new followers (line); unsettled days hatched, missing days blank."""
    rows = con.execute(
        f"""select day, reach, new_followers, settled
        from {MARTS}.instagram__account_daily where account_id = ? order by day""",
        [account],
    ).fetchall()
    nan = float("nan")
    fig, ax = plt.subplots(figsize=(9, 3.6))
    days = [r[0] for r in rows]
    bars = ax.bar(days, [nan if r[1] is None else r[1] for r in rows],
                  color=[BLUE if r[3] else GREY for r in rows])  # fmt: skip
    for bar, row in zip(bars, rows, strict=True):
        if not row[3]:
            bar.set_hatch("//")
    ax.set_ylabel("reach")
    ax.set_title("Daily reach and new followers (hatched: not settled, inside Meta's 48 h lag)")
    twin = ax.twinx()
    twin.plot(days, [nan if r[2] is None else r[2] for r in rows], color=ORANGE, marker=".")
    twin.set_ylabel("new followers")
    fig.autofmt_xdate()
    return _save(fig, path)


def top_posts(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """The ten posts with the most reach."""
    rows = con.execute(f"""select coalesce(left(caption, 40), media_id), reach, media_type
        from {MARTS}.instagram__posts where reach is not null order by reach desc limit 10""").fetchall()
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.barh([r[0] for r in rows][::-1], [r[1] for r in rows][::-1], color=BLUE)
    ax.set_xlabel("reach (lifetime)")
    ax.set_title("Top posts by reach")
    return _save(fig, path)


def by_media_type(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Average interactions per post, by media type."""
    rows = con.execute(f"""select media_product_type || ' ' || media_type, avg(total_interactions), count(*)
        from {MARTS}.instagram__posts where total_interactions is not null group by 1 order by 2 desc""").fetchall()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar([f"{r[0]}\n({r[2]} posts)" for r in rows], [r[1] for r in rows], color=ORANGE)
    ax.set_ylabel("interactions per post")
    ax.set_title("Average interactions by media type")
    return _save(fig, path)


def online_hours(con: duckdb.DuckDBPyConnection, account: str, path: Path) -> Path:
    """Followers online by hour of the day."""
    rows = con.execute(
        f"""select hour, avg_followers_online, hour_rank <= 3 from {MARTS}.instagram__best_hours
        where account_id = ? order by hour""",
        [account],
    ).fetchall()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(
        [r[0] for r in rows], [r[1] for r in rows], color=[ORANGE if r[2] else BLUE for r in rows]
    )
    ax.set_xlabel("hour of the day (account time)")
    ax.set_ylabel("followers online (average)")
    ax.set_title("Followers online by hour (orange: the best three)")
    return _save(fig, path)


def performance_by_age(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Each post's reach against its age at the latest read; day 1, 7 and 30 marked.

    The marks carry the average reach of the posts read at exactly that age (dated snapshots).
    """
    rows = con.execute(f"""select metrics_as_of - cast(published_at as date), reach, media_product_type
        from {MARTS}.instagram__posts where reach is not null""").fetchall()
    marks = con.execute(f"""select avg(reach_day_1), avg(reach_day_7), avg(reach_day_30)
        from {MARTS}.instagram__posts""").fetchone() or (None, None, None)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for product, color in (("FEED", BLUE), ("REELS", ORANGE)):
        points = [(max(r[0], 0.5), r[1]) for r in rows if r[2] == product]
        ax.scatter(
            [p[0] for p in points], [p[1] for p in points], s=14, color=color, label=product.lower()
        )
    for day, mean in zip((1, 7, 30), marks, strict=True):
        ax.axvline(day, color=GREY, linestyle="--", linewidth=1)
        label = f"day {day}" + (f": {mean:,.0f}" if mean is not None else "")
        ax.annotate(
            label, (day, 1), xycoords=("data", "axes fraction"), rotation=90, va="top", fontsize=8
        )
    ax.set_xscale("log")
    ax.set_xlabel("days since publishing (at the latest read)")
    ax.set_ylabel("reach")
    ax.set_title("Post performance by age: day 1, 7 and 30")
    ax.legend()
    return _save(fig, path)


def write(database: Path, folder: Path, landed: dict[str, int], notes: list[str]) -> Path:
    """The charts as PNG files and `report.html` embedding them; the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as con:
        account = str(
            con.execute(
                f"select account_id from {MARTS}.instagram__posts group by 1 "
                "order by count(*) desc limit 1"
            ).fetchone()[0]
        )  # type: ignore[index]
        charts = [daily_reach(con, account, folder / "daily_reach.png"), top_posts(con, folder / "top_posts.png"),
                  by_media_type(con, folder / "interactions_by_media_type.png"),
                  online_hours(con, account, folder / "followers_online.png"),
                  performance_by_age(con, folder / "post_performance.png")]  # fmt: skip
        marts = {m: con.execute(f"select count(*) from {MARTS}.{m}").fetchone()[0]  # type: ignore[index]
                 for m in ("instagram__posts", "instagram__account_daily", "instagram__audience",
                           "instagram__best_hours", "instagram__comments")}  # fmt: skip
    page = folder / "report.html"
    page.write_text(_html(charts, landed, marts, notes), encoding="utf-8")
    return page


def _html(
    charts: list[Path], landed: dict[str, int], marts: dict[str, int], notes: list[str]
) -> str:
    figures = "\n".join(
        f'<figure><img alt="{html.escape(c.stem.replace("_", " "))}" '
        f'src="data:image/png;base64,{base64.b64encode(c.read_bytes()).decode()}"></figure>'
        for c in charts
    )
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in sorted(landed.items())
    )
    mart_rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in marts.items()
    )
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Instagram demo report</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}
figure{{margin:1.5em 0}} img{{max-width:100%}} table{{border-collapse:collapse}}
td{{padding:2px 12px;border-bottom:1px solid #ddd}} td:last-child{{text-align:right}}</style></head>
<body><h1>Instagram demo report</h1>
<p>From the dbt marts built on the demo account's data (the local sandbox).</p>
{figures}
<h2>Marts</h2><table>{mart_rows}</table>
<h2>Rows landed per stream</h2><table>{rows}</table>
<ul>{items}</ul>
</body></html>
"""
