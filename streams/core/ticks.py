"""Clock records: how event time reaches the partitions of the live service.

A replay has one clock: after each input the watermark (newest received date minus the
allowed lateness) advances it (product.md §4). Live, the messages of one stream spread over
partitions, each with its own engine; a timer cannot write a table (architecture §2), so
time travels as records on the input topic. The ingest side sends a `Tick` to every
partition whenever the stream's newest received date advances, after the input that
advanced it — so every partition's clock passes through the values a replay's clock takes,
and the same stream gives the same alerts on the same days. The worker's timer adds
wall-clock ticks, which count only while a partition is caught up.
"""

from __future__ import annotations

from datetime import date

from streams.core.frozen import record


@record
class Tick:
    newest: date | None = None  # the stream's newest received date (ingest side)
    first: date | None = None  # the stream's first received date (ingest side)
    finish: bool = False  # the end of an archive: the clock goes to the newest date
    wall: date | None = None  # the timer's wall-clock date (live)


class Timeline:
    """The ingest side's view of event time: which ticks to send, and when."""

    def __init__(self) -> None:
        self.first: date | None = None
        self.newest: date | None = None

    def start(self, received: date) -> Tick | None:
        """Before the stream's first message: the first date, so that every partition's
        clock starts where a replay's starts (alerts_from counts from it)."""
        if self.first is not None:
            return None
        self.first = self.newest = received
        return Tick(newest=received, first=received)

    def after(self, received: date) -> Tick | None:
        """After an input (all its records) was sent: a tick when it advanced time."""
        self.start(received)
        if self.newest is not None and received <= self.newest:
            return None
        self.newest = received
        return Tick(newest=received, first=self.first)

    def end(self) -> Tick | None:
        return Tick(newest=self.newest, first=self.first, finish=True) if self.newest else None
