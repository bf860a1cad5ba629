"""Partitions of accounts: each Dagster partition is one share of the accounts, read by one run.

A partition key is `INDEX-of-COUNT`. The tap itself decides which accounts are in a share (a stable
hash of the account id, see tap-instagram's `partition_index` and `partition_count` settings), so
no account list is kept here and a new account joins a share on its own. Each share keeps its own
Meltano state id (`--state-id-suffix partition-INDEX-of-COUNT`).
"""

from __future__ import annotations

import os

COUNT_ENV = "INSTAGRAM_PARTITIONS"
DEFAULT_COUNT = 4


def partition_count() -> int:
    """How many shares the accounts are split into (`INSTAGRAM_PARTITIONS`, default 4)."""
    raw = os.environ.get(COUNT_ENV, str(DEFAULT_COUNT))
    try:
        count = int(raw)
    except ValueError:
        raise ValueError(f"{COUNT_ENV} must be a whole number of partitions, got {raw!r}") from None
    if not 1 <= count <= 1000:
        raise ValueError(f"{COUNT_ENV} must be between 1 and 1000, got {count}")
    return count


def partition_keys(count: int) -> list[str]:
    """The keys of `count` partitions: `0-of-4` … `3-of-4`."""
    return [f"{index}-of-{count}" for index in range(count)]


def parse_key(key: str) -> tuple[int, int]:
    """(index, count) of a partition key."""
    index, _, count = key.partition("-of-")
    if not (index.isdigit() and count.isdigit()) or int(index) >= int(count):
        raise ValueError(f"{key!r} is not a partition key such as 0-of-4")
    return int(index), int(count)


def state_id_suffix(index: int, count: int) -> str:
    """The Meltano state id suffix of one partition: its state is its own."""
    return f"partition-{index}-of-{count}"
