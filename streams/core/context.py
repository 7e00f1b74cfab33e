"""What every rule works with: the state, the due-index, the calendar, the terms, the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from streams.core.alerts import Alerts
from streams.core.config import Terms
from streams.core.store import DueIndex, Store
from streams.core.werkdagen import Calendar


@dataclass(slots=True)
class Context:
    store: Store
    due: DueIndex
    calendar: Calendar
    terms: Terms
    alerts: Alerts
    today: date  # the engine clock (product.md §4 Clock)
    alerts_from: date  # alerts due before this are not raised (archive edge)
    # units of the message being applied that its retour, read before it, rejected (0001
    # or a line code): made "not sent" from the start (product.md §4)
    not_sent: frozenset[str] = field(default_factory=frozenset)
