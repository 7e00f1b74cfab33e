"""The stall watchdog's verdict (streams/app/watchdog.py): input waits and no committed
offset moves for the limit → the worker ends itself; anything else keeps it running."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from streams.app.watchdog import EXIT_STALLED, LoopGuard, Offsets, Stall, Watchdog, guarded

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
        asyncio.run(dog.look([0, 1], {0: 9}, lambda: "output topics declared: True"))
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
        asyncio.run(dog.look(None, {}, lambda: ""))
    assert exits == [] and reader.asked == []


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_looks_that_stop_end_the_worker_and_say_where_the_loop_stands(
        caplog: pytest.LogCaptureFixture) -> None:
    clock, stops = _Clock(), []
    guard = LoopGuard(60, stops.append, clock, every=3600)  # its thread: no check of its own
    assert not guard.check()  # before the first beat nothing is watched
    guard.beat()
    clock.now = 59.0
    assert not guard.check() and stops == []
    guard.beat()
    clock.now = 118.0
    assert not guard.check()
    clock.now = 119.0
    with caplog.at_level(logging.ERROR):
        assert guard.check()
    assert stops == [EXIT_STALLED]
    assert "has not looked in 60 s" in caplog.text
    assert "test_looks_that_stop_end_the_worker" in caplog.text  # the loop's thread: this
    assert not guard.check() and stops == [EXIT_STALLED]  # once


def test_the_guard_thread_ends_a_loop_blocked_by_a_call_that_does_not_return() -> None:
    """For real: a coroutine that blocks the loop in a synchronous call."""
    stopped = threading.Event()
    stops: list[int] = []

    def stop(code: int) -> None:
        stops.append(code)
        stopped.set()

    guard = LoopGuard(2.0, stop, time.monotonic, every=0.1)

    async def main() -> None:
        for _ in range(5):  # turning: no stop
            guard.beat()
            await asyncio.sleep(0.05)
        assert stops == []
        stopped.wait(30)  # blocks the loop until the guard has acted

    asyncio.run(main())
    assert stops == [EXIT_STALLED]


@pytest.mark.parametrize("error", [ValueError("a bug"), asyncio.CancelledError()])
def test_a_look_that_fails_ends_neither_the_timer_nor_the_guard(
        error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """An exception out of a Faust timer ends it for good: a failed look (an aiokafka
    client cancelled from within, say) is logged, and the guard hears of the look."""
    clock, stops = _Clock(), []
    guard = LoopGuard(60, stops.append, clock, every=3600)

    async def look() -> None:
        raise error

    with caplog.at_level(logging.WARNING):
        asyncio.run(guarded(look, guard))
    clock.now = 59.0
    assert not guard.check() and stops == []
    assert "stall check: a look" in caplog.text


def test_the_worker_stopping_still_ends_the_look() -> None:
    guard = LoopGuard(60, lambda _: None, _Clock(), every=3600)
    started = asyncio.Event()

    async def look() -> None:
        started.set()
        await asyncio.sleep(3600)

    async def main() -> None:
        task = asyncio.create_task(guarded(look, guard))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
