"""A worker that holds input it does not get through ends itself, for its supervisor (the
container's restart policy) to start it again.

faust-streaming can hang without a word: a fetcher that stops fetching, a commit that no
longer moves, a request that never returns (its issues tracker has several). A worker in
that state answers its probes, holds its partitions, and nobody else can take them over.
So the worker watches what an operator would: its consumer group's committed offsets on
the input partitions it holds, against their ends, as the broker reports them. When input
is waiting and no committed offset has moved for `stall_seconds`, it logs what it knows and
exits with EXIT_STALLED. Its state is safe at any moment (the outbox, architecture §2), so
the exit loses nothing. During a rebalance or a table recovery (which may take long by
right) the clock does not run.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

EXIT_STALLED = 75  # EX_TEMPFAIL: try again
READ_SECONDS = 30.0  # a look at the broker that takes longer tells nothing
log = logging.getLogger(__name__)

# partition → (committed offset, or the log start where nothing is committed; end offset)
Offsets = Mapping[int, tuple[int, int]]


@dataclass
class Stall:
    """The verdict, from successive looks at the held partitions' offsets (pure)."""

    limit: float  # seconds
    since: float | None = None  # when the committed offsets last moved, while input waits
    last: dict[int, int] | None = None

    def observe(self, now: float, offsets: Offsets | None) -> bool:
        """Whether the worker has been stuck for `limit` seconds. `offsets` is None when
        nothing can be judged: no partitions held, a rebalance or recovery under way, or
        the broker did not answer."""
        # One offset short of the end is not waiting input: a transactional producer's
        # last commit marker is an offset no consumer commits past. (A stuck worker's
        # input grows anyway: its own ticks go there every --tick-seconds.)
        if offsets is None or all(end - c <= 1 for c, end in offsets.values()):
            self.last = self.since = None  # the clock runs from when input waits
            return False
        committed = {p: c for p, (c, _) in offsets.items()}
        if committed != self.last or self.since is None:
            self.last, self.since = committed, now
            return False
        return now - self.since >= self.limit


class OffsetReader(Protocol):
    async def read(self, partitions: list[int]) -> Offsets | None: ...


class GroupOffsets:
    """The consumer group's committed offsets and the topic's end offsets, from the broker
    (what `kafka-consumer-groups --describe` shows), through clients of its own."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.bootstrap, self.group, self.topic = bootstrap, group, topic

    async def read(self, partitions: list[int]) -> dict[int, tuple[int, int]] | None:
        """None when the broker cannot tell now (or not within READ_SECONDS)."""
        try:
            async with asyncio.timeout(READ_SECONDS):
                return await self._read([TopicPartition(self.topic, p) for p in partitions])
        except (KafkaError, OSError) as error:  # a timeout is an OSError
            log.info("stall check: the broker did not tell the offsets (%r)", error)
            return None

    async def _read(self, tps: list[TopicPartition]) -> dict[int, tuple[int, int]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        try:
            await admin.start()
            await consumer.start()
            committed = await admin.list_consumer_group_offsets(self.group, partitions=tps)
            start = await consumer.beginning_offsets(tps)
            end = await consumer.end_offsets(tps)
        finally:
            await _quietly(consumer.stop())
            await _quietly(admin.close())
        return {tp.partition: (_committed(committed.get(tp), start[tp]), end[tp])
                for tp in tps}


async def _quietly(closing: Awaitable[object]) -> None:
    """A client's close that fails is nothing to act on. aiokafka's consumer can end its
    stop with CancelledError (a task of its own cancelled); raised out of the timer, that
    ended the watchdog for good without a word."""
    try:
        await closing
    except (KafkaError, OSError, asyncio.CancelledError) as error:
        log.debug("stall check: closing a client: %r", error)


def _committed(meta: object, start: int) -> int:
    offset = getattr(meta, "offset", -1)
    return max(offset, start) if isinstance(offset, int) else start


def describe(offsets: Offsets, applied: Mapping[int, int]) -> str:
    """Per held partition: committed / end, and the last offset the linker applied."""
    return "; ".join(f"partition {p}: committed {c} of {end}, applied up to "
                     f"{applied.get(p, -1)}" for p, (c, end) in sorted(offsets.items()))


class Watchdog:
    """Looks every `interval` seconds (the service's timer); `stop` ends the process."""

    def __init__(self, stall: Stall, offsets: OffsetReader, stop: Callable[[int], object],
                 clock: Callable[[], float]) -> None:
        self.stall, self.offsets, self.stop, self.clock = stall, offsets, stop, clock

    async def look(self, held: list[int] | None, applied: Mapping[int, int],
                   state: Callable[[], str]) -> None:
        """`held`: the input partitions held, None while the worker cannot be judged;
        `state` tells what else the worker knows, when the log needs it."""
        offsets = None if not held else await self.offsets.read(held)
        waiting = self.stall.since
        stalled = self.stall.observe(self.clock(), offsets)
        if (self.stall.since is None) != (waiting is None):  # the clock started or stopped
            log.info("stall check: %s", "nothing to judge or no input waits" if offsets is None
                     or self.stall.since is None
                     else f"input waits ({describe(offsets, applied)}; {state()})")
        if stalled and offsets is not None:
            log.error("no committed offset moved in %.0f s while input waits (%s; %s); "
                      "exiting for the supervisor to start the worker again",
                      self.stall.limit, describe(offsets, applied), state())
            self.stop(EXIT_STALLED)


class LoopGuard:
    """The watchdog's own watchdog: a thread, beside the event loop, that ends the process
    when the stall watchdog has not finished a look (`beat`) for `limit` seconds, and logs
    where the loop stands. The watchdog is a timer on the loop, so a call that blocks the
    loop stops it, and a timer that ends (an exception out of it: aiokafka's clients can
    end a request with CancelledError) stops it for good: either way a hung worker went
    on without a word (the crash test, session 15: everything applied, the commit stuck,
    four minutes of silence). It counts from the first beat: starting up is not watched."""

    def __init__(self, limit: float, stop: Callable[[int], object],
                 clock: Callable[[], float], every: float = 1.0) -> None:
        self.limit, self.stop, self.clock, self.every = limit, stop, clock, every
        self._last: float | None = None
        self._loop_thread: int | None = None
        self._done = threading.Event()

    def beat(self) -> None:
        """On the loop: the watchdog looked."""
        if self._last is None:
            log.info("stall check: the first look is done; looks that stop for %.0f s end "
                     "the worker", self.limit)
            self._loop_thread = threading.get_ident()
            threading.Thread(target=self._watch, name="loop-guard", daemon=True).start()
        self._last = self.clock()

    def check(self) -> bool:
        """Whether no look finished for the limit; then says where the loop stands and
        stops the process (once)."""
        last = self._last
        if last is None or self._done.is_set() or self.clock() - last < self.limit:
            return False
        self._done.set()
        log.error("the stall watchdog has not looked in %.0f s (the event loop blocked, or "
                  "its timer ended); exiting for the supervisor to start the worker again. "
                  "Where the loop stands:\n%s", self.limit, self.where())
        self.stop(EXIT_STALLED)
        return True

    def where(self) -> str:
        frame = sys._current_frames().get(self._loop_thread or -1)
        return "".join(traceback.format_stack(frame)) if frame is not None else "(unknown)"

    def _watch(self) -> None:
        while not self._done.wait(self.every):
            self.check()


async def guarded(look: Callable[[], Awaitable[None]], guard: LoopGuard) -> None:
    """One look of the watchdog's timer, which nothing may end but the worker's stop: an
    exception out of a Faust timer ends it for good, without a word. Then `guard` hears
    that the look is done."""
    try:
        await look()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the worker stops
        log.warning("stall check: a look ended with CancelledError from within")
    except Exception:
        log.exception("stall check: a look failed")
    guard.beat()
