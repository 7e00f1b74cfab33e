"""The stall watchdog's verdict (streams/app/watchdog.py): input waits and no committed
offset moves for the limit → the worker ends itself; anything else keeps it running."""

from __future__ import annotations

import asyncio
import logging

import pytest

from streams.app.watchdog import EXIT_STALLED, Offsets, Stall, Watchdog

WAITING = {0: (10, 50), 1: (7, 7)}  # partition 0: 40 records waiting


def looks(stall: Stall, *seen: tuple[float, Offsets | None]) -> list[bool]:
    return [stall.observe(now, offsets) for now, offsets in seen]


def test_input_waiting_and_no_commit_for_the_limit_is_a_stall() -> None:
    assert looks(Stall(60), (0, WAITING), (30, WAITING), (59, WAITING), (60, WAITING)) == [
        False, False, False, True]


def test_a_commit_that_moves_starts_the_clock_again() -> None:
    moved = {0: (11, 50), 1: (7, 7)}
    assert looks(Stall(60), (0, WAITING), (50, moved), (100, moved), (110, moved)) == [
        False, False, False, True]


def test_new_input_on_a_commit_that_does_not_move_is_still_a_stall() -> None:
    more = {0: (10, 90), 1: (7, 7)}
    assert looks(Stall(60), (0, WAITING), (40, more), (60, more)) == [False, False, True]


def test_nothing_waiting_is_no_stall_however_long() -> None:
    idle = {0: (50, 50), 1: (7, 7)}
    assert looks(Stall(60), (0, idle), (100, idle), (1000, idle)) == [False] * 3


def test_one_offset_short_of_the_end_is_no_waiting_input() -> None:
    """A transactional producer's last commit marker takes an offset nobody commits past."""
    marker = {0: (49, 50), 1: (7, 7)}
    assert looks(Stall(60), (0, marker), (100, marker), (1000, marker)) == [False] * 3


def test_the_clock_runs_from_when_input_starts_to_wait() -> None:
    idle = {0: (10, 10), 1: (7, 7)}
    assert looks(Stall(60), (0, idle), (100, WAITING), (150, WAITING), (160, WAITING)) == [
        False, False, False, True]


def test_a_rebalance_recovery_or_silent_broker_stops_the_clock() -> None:
    assert looks(Stall(60), (0, WAITING), (50, None), (60, WAITING), (100, WAITING),
                 (120, WAITING)) == [False, False, False, False, True]


def test_another_set_of_partitions_held_starts_the_clock_again() -> None:
    after = {0: (10, 50)}  # partition 1 went to another worker
    assert looks(Stall(60), (0, WAITING), (50, after), (100, after), (110, after)) == [
        False, False, False, True]


class Reader:
    def __init__(self, offsets: Offsets | None) -> None:
        self.offsets, self.asked = offsets, []

    async def read(self, partitions: list[int]) -> Offsets | None:
        self.asked.append(partitions)
        return self.offsets


def test_the_watchdog_exits_stalled_with_the_offsets_in_its_log(
        caplog: pytest.LogCaptureFixture) -> None:
    now, exits = [0.0], []
    reader = Reader(WAITING)
    dog = Watchdog(Stall(60), reader, exits.append, lambda: now[0])
    for now[0] in (0.0, 30.0, 61.0):
        asyncio.run(dog.look([0, 1], {0: 9}, "output topics declared: True"))
    assert exits == [EXIT_STALLED]
    assert reader.asked == [[0, 1]] * 3
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "partition 0: committed 10 of 50, applied up to 9" in error.getMessage()
    assert "output topics declared: True" in error.getMessage()


def test_the_watchdog_asks_nothing_while_the_worker_cannot_be_judged() -> None:
    now, exits = [0.0], []
    reader = Reader(WAITING)
    dog = Watchdog(Stall(60), reader, exits.append, lambda: now[0])
    for now[0] in (0.0, 100.0, 200.0):
        asyncio.run(dog.look(None, {}, ""))
    assert exits == [] and reader.asked == []
