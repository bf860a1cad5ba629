"""StopOnSignal: a signal while an operation runs stops before the next line, never mid-way."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from target_instagram.stopping import StopOnSignal, Stopped


def test_a_signal_while_a_line_is_being_handled_stops_before_the_next_line() -> None:
    guard = StopOnSignal(["a\n", "b\n", "c\n"])
    taken: list[str] = []

    def apply_all() -> None:
        for line in guard:
            taken.append(line)
            guard._handle(signal.SIGTERM, None)  # arrives while "a" is being applied

    with pytest.raises(Stopped) as stopped:
        apply_all()
    assert taken == ["a\n"] and stopped.value.exit_code == 143


def test_a_signal_while_waiting_for_input_stops_at_once() -> None:
    def lines() -> Iterator[str]:
        yield "a\n"
        guard._handle(signal.SIGINT, None)  # arrives inside the blocking read
        yield "never\n"

    guard = StopOnSignal(lines())
    with pytest.raises(Stopped) as stopped:
        list(guard)
    assert stopped.value.exit_code == 130


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert list(StopOnSignal(["a\n"])) == ["a\n"]
    assert signal.getsignal(signal.SIGTERM) is before
