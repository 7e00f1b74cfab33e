"""Scenario helpers: messages in (with receipt dates), events out — as replay runs them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Alert, Event
from streams.core.model import Message
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.state import codec

NOW = Terms(alerts_from_days=0)


def at(decoder: Any, xml: bytes, day: date) -> Message:
    (m,) = decoder.parse(xml, "x", datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    return m  # type: ignore[no-any-return]


def replay(messages: Iterable[Message], terms: Terms = NOW) -> list[Event]:
    """What replay does: apply, advance the watermark, and at the end the last date.

    Each scenario runs twice: on a store that hands out the stored objects, and on one
    that hands out a fresh copy on every read (as RocksDB does once a chain left the
    cache, and a restarted worker): an outcome that hangs on object identity (an object
    shared by two parts of the state, or changed after it was stored) fails the test."""
    inputs = list(messages)
    events = run_on(inputs, terms, MemoryStore())
    assert run_on(inputs, terms, CopyingStore()) == events, "the outcome hangs on identity"
    return events


def run_on(messages: list[Message], terms: Terms, store: MemoryStore) -> list[Event]:
    engine = Engine(store, MemoryDueIndex(), terms=terms)
    events: list[Event] = []
    for m in messages:
        events += engine.apply(m)
        wm = engine.watermark()
        assert wm is not None
        events += engine.tick(wm)
    return events + engine.finish()


class CopyingStore(MemoryStore):
    """Keeps encoded bytes: every read decodes a copy of its own."""

    def get(self, key: str) -> Any:
        raw = super().get(key)
        return None if raw is None else codec.loads(raw)

    def put(self, key: str, value: Any) -> None:
        super().put(key, codec.dumps(value))

    def scan(self, prefix: str, start: str = "") -> Iterator[tuple[str, Any]]:
        for key, raw in super().scan(prefix, start):
            yield key, codec.loads(raw)


def alerts(events: list[Event]) -> list[tuple[str, str, str, date | None, date, int | None]]:
    return [(a.rule, a.status, a.subject, a.due, a.raised, a.late_werkdagen)
            for a in events if isinstance(a, Alert)]


