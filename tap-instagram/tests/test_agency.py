"""Many accounts: the sandbox's `agency` (200 accounts, one Facebook Login user and 50 Instagram
Login creators) read in one run, accounts at once, state per account, failures kept to their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from instagram_graph.errors import SettingsError
from instagram_sandbox.server import SandboxClient, running_sandbox
from tap_instagram.connections import credential_configs, share_of

from .conftest import Run, run_tap

DAY = 86400
EXPIRED_CREATOR = "client162"  # the creator whose Instagram token expired 10 days ago
FORBIDDEN = ("client007", "client033", "client061", "client088", "client140")  # no insights scope


@pytest.fixture(scope="module")
def agency() -> Iterator[tuple[SandboxClient, dict[str, Any], dict[str, str]]]:
    with running_sandbox("agency", 1, frozen=True) as sandbox:
        control = sandbox.client()
        rows = control.tokens()["accounts"]
        facebook = sorted({r["access_token"] for r in rows if "(Facebook Login)" in r["label"]})
        creators = [
            {"access_token": r["access_token"], "login": "instagram",
             "api_url": sandbox.instagram_base_url}
            for r in rows if "(Instagram Login)" in r["label"]
        ]  # fmt: skip
        start = datetime.fromtimestamp(control.now() - 10 * DAY, UTC).isoformat()
        config = {"api_url": sandbox.base_url, "credentials": [{"access_token": facebook[0]}, *creators],
                  "start_date": start, "account_totals_days": 2, "max_concurrent_accounts": 4,
                  "initial_retry_interval_millis": 1, "maximum_retries_interval_millis": 5}  # fmt: skip
        ids = {a["username"]: a["id"] for a in control.accounts()}
        yield control, config, ids


def by_account(run: Run, stream: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in run.records(stream):
        counts[record["account_id"]] = counts.get(record["account_id"], 0) + 1
    return counts


def test_one_run_reads_every_live_account_at_once_and_keeps_failures_to_their_own(
    agency: tuple[SandboxClient, dict[str, Any], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    control, config, ids = agency
    control.reset_stats()
    run = run_tap(config)
    stats = control.stats()
    accounts = {r["id"] for r in run.records("accounts")}
    assert len(accounts) == 199 and ids[EXPIRED_CREATOR] not in accounts
    assert stats["in_flight_max"] <= 4 * 4  # bounded: accounts at once × requests per credential
    media = by_account(run, "media")
    assert len(media) > 150  # every account with media in the window, of both login kinds
    insights = by_account(run, "media_insights")
    for name in FORBIDDEN:
        assert ids[name] not in insights and ids[name] in by_account(run, "account_snapshots")
    assert set(insights) >= set(media) - {ids[n] for n in FORBIDDEN}
    text = caplog.text
    assert "credentials[13] (instagram login): cannot be used" in text  # in the run summary
    assert text.count("credentials[13] (instagram login) cannot be used") == 1  # warned once
    partitions = run.state["bookmarks"]["media"]["partitions"]
    assert {p["context"]["account_id"] for p in partitions} == accounts  # state per account


@pytest.mark.parametrize("at_once", [1, 3])
def test_accounts_are_read_at_once_up_to_the_setting(
    agency: tuple[SandboxClient, dict[str, Any], dict[str, str]], at_once: int
) -> None:
    control, config, _ = agency
    creators = [c for c in config["credentials"] if c.get("login") == "instagram"][:6]
    control.configure(latency_ms=50)  # answers take a while: reads of several accounts overlap
    control.reset_stats()
    try:
        run = run_tap({**config, "credentials": creators, "max_concurrent_accounts": at_once})
    finally:
        control.configure(latency_ms=0)
    assert len(run.records("accounts")) == 6
    assert control.stats()["tokens_in_flight_max"] == at_once  # one token per creator


def test_the_next_run_reads_each_account_from_its_own_state(
    agency: tuple[SandboxClient, dict[str, Any], dict[str, str]],
) -> None:
    control, config, ids = agency
    first = run_tap(config)
    control.advance(DAY)
    busy = ids["client005"]
    new = set(control.add_media(account_id=busy, count=2, comments_per_media=1)["media"])
    control.reset_stats()
    second = run_tap(config, first.state)
    assert {r["id"] for r in second.records("media") if r["account_id"] == busy} >= new
    assert set(by_account(second, "media")) <= set(by_account(first, "media")) | {busy}
    # each account's insights start at its own bookmark, less the two lookback days
    for stream, key in (("account_insights", "end_time"), ("account_insights_totals", "date")):
        last: dict[str, str] = {}
        for row in first.records(stream):
            last[row["account_id"]] = max(last.get(row["account_id"], ""), row[key])
        assert len(last) > 150
        for row in second.records(stream):
            start = datetime.fromisoformat(last[row["account_id"]][:10]).timestamp() - 3 * DAY
            assert datetime.fromisoformat(row[key][:10]).timestamp() >= start, (stream, row)


def test_an_account_that_keeps_failing_costs_its_own_streams_only(
    agency: tuple[SandboxClient, dict[str, Any], dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    control, config, ids = agency
    broken = ids["client050"]  # a big one, Facebook Login
    control.add_fault(kind="server_error", method="GET", path=f"/{broken}/media", every=1)
    try:
        run = run_tap({**config, "maximum_retries": 1})
    finally:
        control.clear_faults()
    media = by_account(run, "media")
    assert broken not in media and len(media) > 150
    assert caplog.text.count(f"account {broken} failed") == 1  # warned once, not per stream
    summary = caplog.text.split("run summary: skipped")[-1]
    assert f"account {broken}: TransientError" in summary  # and listed at the end


def test_credentials_inherit_shared_settings_and_name_their_own_errors() -> None:
    config = {"access_token": "EAA" + "x" * 30, "maximum_retries": 7, "ig_user_ids": ["1"],
              "credentials": [{"access_token": "IGAA" + "y" * 30, "login": "instagram"}]}  # fmt: skip
    (top_label, top), (label, entry) = credential_configs(config)
    assert (top_label, label) == ("access_token", "credentials[0]")
    assert top["ig_user_ids"] == ["1"] and "ig_user_ids" not in entry  # identity is not inherited
    assert entry["maximum_retries"] == 7 and entry["login"] == "instagram"
    only = credential_configs({"credentials": [{"access_token": "EAA" + "z" * 30}]})
    assert [label for label, _ in only] == [
        "credentials[0]"
    ]  # no top-level token: not a credential
    with pytest.raises(SettingsError, match=r"credentials\[0\]\.page_size"):
        credential_configs({"credentials": [{"access_token": "EAA" + "z" * 30, "page_size": 5}]})


def test_a_bad_credential_entry_is_refused_at_start_naming_it() -> None:
    from tap_instagram.tap import TapInstagram

    config = {"credentials": [{"access_token": "EAA" + "z" * 30},
                              {"access_token": "EAA" + "z" * 30, "login": "instagram"}]}  # fmt: skip
    with pytest.raises(SettingsError, match=r"credentials\[1\]\.login`: access_token looks like"):
        TapInstagram(config=config)


def test_shares_split_the_accounts_without_overlap(
    agency: tuple[SandboxClient, dict[str, Any], dict[str, str]],
) -> None:
    _, config, _ = agency
    creators = [c for c in config["credentials"] if c.get("login") == "instagram"][:12]
    base = {**config, "credentials": creators, "account_totals_days": 1}
    every = {r["id"] for r in run_tap(base).records("accounts")}
    parts = [{r["id"] for r in run_tap({**base, "partition_count": 3, "partition_index": i})
              .records("accounts")} for i in range(3)]  # fmt: skip
    assert set().union(*parts) == every and sum(len(p) for p in parts) == len(every) == 12
    assert all(parts)  # 12 accounts over 3 shares: none empty
    empty = next(i for i in range(50) if all(share_of(a, 50) != i for a in every))
    nothing = run_tap({**base, "partition_count": 50, "partition_index": empty})
    assert nothing.counts == {} or not any(nothing.counts.values())


def test_a_share_out_of_range_is_refused() -> None:
    from tap_instagram.tap import TapInstagram

    with pytest.raises(SettingsError, match="partition_index"):
        TapInstagram(config={"access_token": "EAA" + "z" * 30, "partition_count": 2,
                             "partition_index": 2})  # fmt: skip
