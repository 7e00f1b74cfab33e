"""What a story plans: messages to deliver, and what each one means for the known answers.

A `Sent` is one file to deliver: a heenbericht, or the retour of one, or a second
delivery of either (a duplicate). It is rendered to bytes only when it is written, so a
planned archive window costs little memory. Its `effects` tell the alert tracker what
happens when the engine applies it; its `links` are the link records it proves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from streams.core import keys
from streams.core.frozen import record
from streams.testing.messages import Heen
from streams.testing.xmlbuild import RetourHead


@record
class Await:
    """The subject starts waiting for a partner; a missing alert when the clock passes due."""

    rule: str
    subject: str
    due: date


@record
class Settle:
    """The awaited partner arrives (or the subject is withdrawn)."""

    rule: str
    subject: str


@record
class Late:
    """The partner arrived after its due date: a *_late alert (unless due < alerts_from)."""

    rule: str
    subject: str
    due: date
    received: date


@record
class Rejected:
    """A retour with codes other than 0200/0233: retour_rejected on the heen."""

    subject: str
    codes: tuple[str, ...]
    received: date


@record
class Withdrawn:
    """A status-3 line withdrew the subject: its *_late alert, if raised, is resolved
    (product.md §4: "a resolved event follows when … the subject is withdrawn")."""

    rule: str
    subject: str


Effect = Await | Settle | Late | Rejected | Withdrawn


@dataclass(slots=True)
class Link:
    """A link record, with the planned messages it depends on: a choice holds only when
    all its messages are in the archive (the end of the archive may cut them off)."""

    unit: str
    kind: str  # line / retour / message
    choices: list[tuple[str, tuple[Sent, ...]]]
    start: tuple[str, Sent] | None = None  # a 307 line: the start it stops

    def record(self) -> dict[str, str] | None:
        target = next((t for t, needs in self.choices if all(s.kept for s in needs)), None)
        if target is None or (self.start is not None and not self.start[1].kept):
            return None
        rec = {"unit": self.unit, "kind": self.kind, "target": target}
        if self.start is not None:
            rec["start"] = self.start[0]
        return rec


@dataclass(slots=True)
class Sent:
    heen: Heen
    received_at: datetime
    retour: RetourHead | None = None  # set: this file is the retour of `heen`
    line_codes: dict[int, tuple[str, ...]] | None = None
    duplicate: bool = False
    emit_at: datetime | None = None  # later than received_at: arrives out of order
    kept: bool = True  # False: after the end of the archive, not written
    effects: list[Effect] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def received(self) -> date:
        return self.received_at.date()  # UTC office hours: the local date is the same

    @property
    def arrival(self) -> datetime:
        return self.emit_at or self.received_at

    @property
    def key(self) -> str:
        """message_key (product.md §2): a retour's own identity, sent by the heen's receiver."""
        h = self.heen.head
        if self.retour is None:
            return keys.message_key(h.domain, h.code, h.afzender, h.identificatie,
                                    h.dagtekening)
        return keys.message_key(h.domain, h.code + 1, h.ontvanger, self.retour.identificatie,
                                self.retour.dagtekening)

    @property
    def msg(self) -> str:
        return self.heen.head.msg if self.retour is None else str(int(self.heen.head.msg) + 1)

    def line_key(self, n: int) -> str:
        return keys.line_key(self.key, n)

    def render(self) -> bytes:
        if self.retour is None:
            return self.heen.xml()
        return self.heen.retour(self.retour.identificatie, self.retour.dagtekening,
                                header_codes=self.retour.codes, line_codes=self.line_codes)
