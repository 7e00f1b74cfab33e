"""The agent's work on a batch of input records: decode each, apply it to its partition's
engine; then per partition write the state and one outbox entry, and send the outputs
(architecture §2).

Faust flushes the producer before it commits input offsets, so everything an input wrote
or sent is delivered before the input counts as done; the outbox (streams/app/partition.py)
covers a worker killed before that.

The state, not the consumer, says which input comes next: every commit records the
partition's next offset. A record before it was applied already (a redelivery) and is
passed over; a record after it means the consumer skipped some (faust-streaming 0.15.3 can,
after a restart: docs/decisions.md), and the skipped records are read from the topic and
applied first. So every input is applied once, in order, whatever the consumer delivers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from streams.app.config import LiveSettings
from streams.app.metrics import Metrics
from streams.app.partition import Changelog, PartitionStore, Producer
from streams.app.records import Output, Reported, Router, decode_input
from streams.core.engine import Engine
from streams.core.events import Alert, Event, TrajectoryUpdated
from streams.core.model import Failure
from streams.core.outputs import engine_failure
from streams.core.ticks import Tick
from streams.state.rocks import RocksDueIndex

WALL_ZONE = "Europe/Amsterdam"  # the live wall clock's calendar day when no --zone is set
_TALLY = "tally"
_NEXT = "~next"  # the partition's next input offset
log = logging.getLogger(__name__)

InputRecord = tuple[int, bytes | None, bytes | None]  # offset, key, value
# partition, offset, key, value, and whether the partition is caught up
Delivered = tuple[int, int, bytes | None, bytes | None, bool]


class InputLog(Protocol):
    """The input topic, beside the consumer: for records the consumer skipped."""

    async def read(self, partition: int, start: int, end: int) -> list[InputRecord]:
        """The records of offsets start ≤ offset < end that the topic still holds."""
        ...

    async def skipped(self, partition: int, start: int, end: int) -> None:
        """Offsets start ≤ offset < end were not delivered, and are applied without the
        consumer: count them as done when it commits (from its committed offset on)."""
        ...


@dataclass(slots=True)
class Pending:
    """Inputs applied to a partition's state, to be committed as one outbox entry."""

    last: int = -1  # offset of the last of them
    inputs: int = 0
    outputs: list[Output] = field(default_factory=list)


@dataclass(slots=True)
class Partition:
    store: PartitionStore
    engine: Engine
    redone: int  # output records of the outbox sent again when it was opened
    fresh: bool = True  # no input delivered since the assignment
    offset: int = -1  # the last offset delivered
    pending: Pending = field(default_factory=Pending)


_OPEN = frozenset({"requested", "assigned", "in_care"})  # trajectory statuses still open


class Linker:
    def __init__(self, settings: LiveSettings, changelog: Changelog, producer: Producer,
                 metrics: Metrics, inputs: InputLog) -> None:
        self.settings = settings
        self.changelog = changelog
        self.producer = producer
        self.inputs = inputs
        self.metrics = metrics
        self.router = Router(settings.topics)
        self.parts: dict[int, Partition] = {}
        self.tallies: dict[int, dict[str, int]] = {}
        self.declared: asyncio.Event | None = None  # set when the output topics exist

    async def part(self, partition: int) -> Partition:
        part = self.parts.get(partition)
        if part is None:
            part = self.parts[partition] = await self._open(partition)
        return part

    async def _open(self, partition: int) -> Partition:
        """After an assignment: the outbox is redone first, and only then does the engine
        read its state (its clock, its due index's floor) and the tallies. A changelog
        recovery can leave the database behind the outbox (the records of the last batch
        cut off, an older value of a key written over a newer one); the redo brings it to
        the end of the last batch, and an engine that had read the state before would go
        on with a clock of before it."""
        store = PartitionStore(self.changelog, self.producer, partition)
        redone = await store.redo()
        await self._send(redone)
        await store.confirm()  # before this epoch writes an entry of its own
        engine = Engine(store, RocksDueIndex(store), terms=self.settings.terms, publish=True)
        self.tallies[partition] = dict(store.get(_TALLY) or {})
        return Partition(store, engine, len(redone))

    def forget(self) -> None:
        """After a rebalance: partitions are opened (and their outboxes redone) anew."""
        self.parts.clear()
        self.tallies.clear()

    async def handle(self, batch: Sequence[Delivered]) -> None:
        """Records as the consumer delivered them (each partition's in offset order). Each
        partition's share is committed as one outbox entry: one state write, one changelog
        batch."""
        if self.declared is not None:
            await self.declared.wait()
        by_partition: dict[int, list[Delivered]] = {}
        for record in batch:
            by_partition.setdefault(record[0], []).append(record)
        for partition, records in by_partition.items():
            part = await self.part(partition)
            for _, offset, key, value, caught_up in records:
                after = await self._delivered(part, offset)
                if after is not None and offset < after:
                    continue  # applied before a restart; its outputs were sent or are redone
                if after is not None and offset > after:
                    await self._fill(part, after, offset)
                await self._work(part, offset, key, value, caught_up)
            await self._commit(part)

    async def _delivered(self, part: Partition, offset: int) -> int | None:
        """Note a delivered offset; returns the partition's next offset to apply."""
        partition = part.store.partition
        if part.fresh:
            part.fresh = False
            log.info("partition %d opened at offset %d: %d output records sent again",
                     partition, offset, part.redone)
            # The consumer's committed offset is where it should have started.
            await self.inputs.skipped(partition, 0, offset)
        elif offset > part.offset + 1:
            await self.inputs.skipped(partition, part.offset + 1, offset)
        part.offset = offset
        after: int | None = part.store.get(_NEXT)
        return after

    async def _fill(self, part: Partition, start: int, end: int) -> None:
        """The consumer skipped offsets start..end-1, which the state has not applied:
        read and apply them first."""
        partition = part.store.partition
        records = await self.inputs.read(partition, start, end)
        log.warning("partition %d: offsets %d to %d were not delivered; %d records read "
                    "from the topic instead", partition, start, end - 1, len(records))
        for offset, key, value in records:
            await self._work(part, offset, key, value, False)

    async def _work(self, part: Partition, offset: int, key: bytes | None,
                    value: bytes | None, caught_up: bool) -> None:
        partition = part.store.partition
        record = decode_input(value, key, f"{self.settings.topics.input}/{partition}/{offset}")
        if isinstance(record, Reported):  # the ingest has dead-lettered it: counted only
            self.metrics.failure(record.failure)
            outputs = []
        elif isinstance(record, Failure):
            self.metrics.failure(record)
            outputs = [self.router.dead_letter(record, value)]
        else:
            try:
                outputs = self.router.outputs(self._apply(part, record, caught_up))
            except Exception as err:  # a bug: one record must not stop the partition (§8)
                log.exception("partition %d offset %d: the engine failed; the input goes to "
                              "the dead-letter topic", partition, offset)
                part.store.forget_decoded()  # what it changed without a put: not kept
                failed = engine_failure(
                    getattr(record, "source", f"{self.settings.topics.input}/{partition}/"
                            f"{offset}"), getattr(record, "digest", ""),
                    getattr(record, "received_at", None), err)
                self.metrics.failure(failed)
                outputs = [self.router.dead_letter(failed, value)]
        part.store.put(_NEXT, offset + 1)
        pending = part.pending
        pending.last, pending.inputs = offset, pending.inputs + 1
        pending.outputs += outputs
        if pending.inputs >= self.settings.batch_max:
            await self._commit(part)

    async def _commit(self, part: Partition) -> None:
        pending = part.pending
        if not pending.inputs:
            return
        part.pending = Pending()
        await part.store.commit(pending.last, pending.outputs, pending.inputs)
        await self._send(pending.outputs)
        if part.store.unconfirmed >= self.settings.confirm_every:
            await part.store.confirm()

    def _apply(self, part: Partition, record: Any, caught_up: bool) -> list[Event]:
        if isinstance(record, Tick):
            events = part.engine.on_tick(record, caught_up)
        else:
            self.metrics.message(record)
            # what the input added overdue is raised now, as a replay raises it
            events = part.engine.apply(record) + part.engine.raise_due()
        if events:
            self.metrics.events(events)
            self._tally(part, events)
        return events

    def _tally(self, part: Partition, events: list[Event]) -> None:
        """Open alerts and live trajectories of the partition, kept in its state so that a
        restarted worker reports them right."""
        tally = self.tallies[part.store.partition]
        before = dict(tally)
        for e in events:
            if isinstance(e, Alert):
                key = f"alert|{e.domain}|{e.rule}"
                tally[key] = tally.get(key, 0) + (1 if e.status == "raised" else -1)
            elif isinstance(e, TrajectoryUpdated):
                self._trajectories(part, e, tally)
        if tally != before:
            part.store.put(_TALLY, dict(tally))

    @staticmethod
    def _trajectories(part: Partition, e: TrajectoryUpdated, tally: dict[str, int]) -> None:
        """Open trajectories: requested, assigned or in care (not ended, rejected or
        deleted); `tj/{id}` holds whether a trajectory counts, an id merged away goes."""
        key = f"trajectory|{e.domain}|"
        now = e.status in _OPEN
        was = part.store.get(f"tj/{e.trajectory_id}")
        if was is None or bool(was) != now:
            part.store.put(f"tj/{e.trajectory_id}", now)
            tally[key] = tally.get(key, 0) + int(now) - int(bool(was))
        for old in e.merged:
            if (gone := part.store.get(f"tj/{old}")) is not None:
                part.store.delete(f"tj/{old}")
                tally[key] -= int(bool(gone))

    async def _send(self, outputs: list[Output]) -> None:
        for topic, key, value in outputs:
            await self.producer.send(topic, key, value)

    def wall_tick(self) -> Tick:
        # today is a Dutch calendar day (the received dates of live traffic are, too)
        return Tick(wall=datetime.now(ZoneInfo(self.settings.base.zone or WALL_ZONE)).date())
