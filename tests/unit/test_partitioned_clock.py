"""The live service's partitions, without Kafka: the sample stream split by the input key
over three engines, with the ingest's ticks, gives exactly what one replay engine gives —
the same links, and every alert event with the same id, status, due and raised day."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from datetime import date

from streams.cli import parse_paths
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Alert, Event, UnitLinked
from streams.core.keys import partition_key
from streams.core.model import Failure, Message
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.core.ticks import Tick, Timeline
from streams.settings import Settings
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "sample.zip"


def inputs() -> list[list[Message]]:
    return [parsed for parsed in parse_paths((SAMPLE,), Settings(hmac_key=b"partition-key-01"))
            if not isinstance(parsed, Failure)]


def replayed(stream: Iterable[list[Message]]) -> list[Event]:
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms())
    events: list[Event] = []
    for records in stream:
        for m in records:
            events += engine.apply(m)
        wm = engine.watermark()
        assert wm is not None
        events += engine.tick(wm)
    return events + engine.finish()


def partitioned(stream: Iterable[list[Message]], n: int, wall_at: int | None = None
                ) -> list[Event]:
    """`wall_at`: a wall-clock tick of today, while caught up, before that input."""
    engines = [Engine(MemoryStore(), MemoryDueIndex(), terms=Terms()) for _ in range(n)]
    timeline = Timeline()
    events: list[Event] = []

    def broadcast(tick: Tick | None, caught_up: bool = False) -> None:
        for engine in engines if tick else []:
            events.extend(engine.on_tick(tick, caught_up))  # type: ignore[arg-type]

    for i, records in enumerate(stream):
        if i == wall_at:
            broadcast(Tick(wall=date(2026, 11, 30)), caught_up=True)
        broadcast(timeline.start(records[0].received))
        for m in records:
            key = partition_key(m.domain, m.gemeente, m.aanbieder)
            events.extend(engines[zlib.crc32(key.encode()) % n].apply(m))
        broadcast(timeline.after(max(m.received for m in records)))
    broadcast(timeline.end())
    return events


def alert_events(events: list[Event]) -> Counter[tuple[object, ...]]:
    return Counter((a.alert_id, a.status, a.due, a.raised, a.late_werkdagen, a.codes)
                   for a in events if isinstance(a, Alert))


def links(events: list[Event]) -> dict[str, tuple[str, str, str | None]]:
    return {e.unit: (e.target, e.rule, e.start) for e in events if isinstance(e, UnitLinked)}


def test_three_partitions_with_ticks_give_what_one_replay_gives() -> None:
    stream = inputs()
    one = replayed(stream)
    three = partitioned(stream, 3)
    assert sum(alert_events(one).values()) > 100
    assert alert_events(three) == alert_events(one)
    assert len(links(one)) > 3000
    assert links(three) == links(one)


def test_a_wall_clock_tick_does_not_jump_an_archive_years_ahead() -> None:
    """product.md §4 Clock: a worker that keeps pace with an archive ingest is caught up
    by offsets, but its event time is years old: the wall date must not become its clock
    (every partner still on its way would be raised missing)."""
    stream = inputs()
    assert alert_events(partitioned(stream, 3, wall_at=len(stream) // 2)) == alert_events(
        replayed(stream))


def test_a_wall_clock_tick_moves_the_clock_of_current_traffic() -> None:
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms())
    engine.observe(date(2026, 11, 25))
    engine.on_tick(Tick(wall=date(2026, 11, 30)), caught_up=True)
    assert engine.clock is not None and engine.clock.today == date(2026, 11, 30)
    engine.on_tick(Tick(wall=date(2026, 12, 9)), caught_up=True)  # 14 days without traffic
    assert engine.clock.today == date(2026, 11, 30)


def test_without_the_ticks_a_quiet_partition_falls_behind() -> None:
    """Why the ticks exist: one partition's own messages alone move its clock later."""
    stream = inputs()
    engines = [Engine(MemoryStore(), MemoryDueIndex(), terms=Terms()) for _ in range(3)]
    events: list[Event] = []
    for records in stream:
        for m in records:
            key = partition_key(m.domain, m.gemeente, m.aanbieder)
            engine = engines[zlib.crc32(key.encode()) % 3]
            events += engine.apply(m)
            wm = engine.watermark()
            assert wm is not None
            events += engine.tick(wm)
    events += [e for engine in engines for e in engine.finish()]
    assert alert_events(events) != alert_events(replayed(stream))
