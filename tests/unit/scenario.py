"""Scenario helpers: messages in (with receipt dates), events out — as replay runs them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Alert, Event
from streams.core.model import Message
from streams.core.store import MemoryDueIndex, MemoryStore

NOW = Terms(alerts_from_days=0)


def at(decoder: Any, xml: bytes, day: date) -> Message:
    (m,) = decoder.parse(xml, "x", datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    return m  # type: ignore[no-any-return]


def replay(messages: Iterable[Message], terms: Terms = NOW) -> list[Event]:
    """What replay does: apply, advance the watermark, and at the end the last date."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=terms)
    events: list[Event] = []
    for m in messages:
        events += engine.apply(m)
        wm = engine.watermark()
        assert wm is not None
        events += engine.tick(wm)
    return events + engine.finish()


def alerts(events: list[Event]) -> list[tuple[str, str, str, date | None, date, int | None]]:
    return [(a.rule, a.status, a.subject, a.due, a.raised, a.late_werkdagen)
            for a in events if isinstance(a, Alert)]


