"""The live service's partitions, without Kafka: the sample stream split by the input key
over three engines, with the ingest's ticks, gives exactly what one replay engine gives —
the same links, and every alert event with the same id, status, due and raised day."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable

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


def partitioned(stream: Iterable[list[Message]], n: int) -> list[Event]:
    engines = [Engine(MemoryStore(), MemoryDueIndex(), terms=Terms()) for _ in range(n)]
    timeline = Timeline()
    events: list[Event] = []

    def broadcast(tick: Tick | None) -> None:
        for engine in engines if tick else []:
            events.extend(engine.on_tick(tick))  # type: ignore[arg-type]

    for records in stream:
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
