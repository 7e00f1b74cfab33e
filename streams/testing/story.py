"""The story builder: sends heenberichten and their retours for one care trajectory.

A story is planned whole (a few dozen messages at most), then handed to the archive
window. Every message it sends gets its retour planned here too (on time, late, missing,
received before its heenbericht, or rejected), and the effects and links that the known
answers need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from streams.testing import werkdagen as wd
from streams.testing.lines import AnyLine
from streams.testing.messages import Heen
from streams.testing.plan import Await, Late, Link, Rejected, Sent, Settle
from streams.testing.world import Bsns, Domain, Numbers, Party, release_on
from streams.testing.xmlbuild import Head, RetourHead

RetourKind = Literal["auto", "ok", "late", "missing", "first", "0001", "codes"]
_ACCEPTED = frozenset({"0200", "0233"})
_OFFICE = time(7, 0)  # receipts fall in 07:00–17:00 UTC: local and UTC dates agree


@dataclass(slots=True)
class World:
    """What all stories share: the random stream, the counters, the parties, the edges."""

    rng: random.Random
    numbers: Numbers
    bsns: Bsns
    gemeenten: list[Party]
    aanbieders: list[Party]
    start: date  # first day of the archive
    end: date  # last day of the archive: later messages are cut off
    rates: dict[str, float] = field(default_factory=dict)  # anomaly probabilities

    def chance(self, what: str) -> bool:
        return self.rng.random() < self.rates.get(what, 0.0)


@dataclass(slots=True)
class Story:
    """One client of one gemeente at one aanbieder, in one domain and product category."""

    world: World
    domain: Domain
    gemeente: Party
    aanbieder: Party
    bsn: str
    categorie: str
    code: str
    day0: date
    beschikking: str
    sents: list[Sent] = field(default_factory=list)

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    def receipt(self, day: date) -> datetime:
        """A receipt timestamp on that day, inside office hours (UTC)."""
        minutes = self.rng.randrange(600)
        return datetime.combine(day, _OFFICE, tzinfo=UTC) + timedelta(minutes=minutes)

    def delay(self) -> int:
        """Werkdagen between Dagtekening and receipt: usually the same day, else 1–2."""
        r = self.rng.random()
        return 0 if r < 0.7 else (1 if r < 0.95 else 2)

    def head(self, msg: str, day: date) -> Head:
        from_gemeente = msg in ("301", "319")
        sender, receiver = ((self.gemeente, self.aanbieder) if from_gemeente
                            else (self.aanbieder, self.gemeente))
        ident = self.world.numbers.ident(sender.code, msg)
        return Head(self.domain, msg, release_on(day), sender.code, receiver.code, ident, day,
                    sender.layout)

    def send(self, msg: str, day: date, lines: list[AnyLine], *, delay: int | None = None,
             retour: RetourKind = "auto", codes: dict[int, tuple[str, ...]] | None = None,
             verzoek: tuple[str, str] | None = None,
             antwoord: tuple[str, str, str | None] | None = None) -> tuple[Sent, Sent | None]:
        """A heenbericht on `day` (its Dagtekening), received `delay` werkdagen later, and
        its retour. Returns (heen, retour); the retour is None when it is omitted."""
        head = self.head(msg, day)
        besch = self.beschikking if msg == "301" and head.release.startswith("2.") else None
        clients = [] if msg == "319" else [(self.bsn, lines)]
        heen = Heen(head, clients, beschikking=besch, verzoek=verzoek, antwoord=antwoord)
        if retour == "auto":
            retour = self._retour_kind()
        if delay is None:
            delay = 3 if retour == "first" else self.delay()
        sent = self._add(Sent(heen, self.receipt(wd.due(day, delay))))
        due = wd.due(sent.received, 3)  # OP090: retour within 3 werkdagen
        sent.effects.append(Await("retour_missing", sent.key, due))
        if retour == "missing":
            return sent, None
        back = self._retour(sent, retour, codes)
        back.effects.append(Settle("retour_missing", sent.key))
        if back.received > due:
            back.effects.append(Late("retour_late", sent.key, due, back.received))
        rejected = tuple(c for c in _all_codes(back) if c not in _ACCEPTED)
        if rejected:
            back.effects.append(Rejected(sent.key, rejected, back.received))
        back.links.append(Link(back.key, "retour", [(sent.key, (sent,))]))
        return sent, back

    def _retour_kind(self) -> RetourKind:
        w = self.world
        for kind in ("missing", "late", "first"):
            if w.chance(f"retour_{kind}"):
                return kind
        return "ok"

    def _retour(self, sent: Sent, kind: RetourKind,
                codes: dict[int, tuple[str, ...]] | None) -> Sent:
        if kind == "first":  # the retour is received before its heenbericht
            day = wd.due(sent.heen.head.dagtekening, 1)
            received = day
        elif kind == "late":
            day = wd.due(sent.received, self.rng.randint(4, 7))
            received = day
        else:
            day = wd.due(wd.on_or_after(sent.received), self.rng.randint(0, 1))
            received = wd.due(day, 0 if kind in ("0001", "codes") else self.rng.randint(0, 1))
        receiver = sent.heen.head.ontvanger
        header = ("0001",) if kind == "0001" else ()
        ident = self.world.numbers.ident(receiver, str(int(sent.msg) + 1))
        return self._add(Sent(sent.heen, self.receipt(received),
                              retour=RetourHead(ident, day, header), line_codes=codes))

    def _add(self, sent: Sent) -> Sent:
        """Plans the file, and now and then a second delivery or a late arrival."""
        self.sents.append(sent)
        # listed up to a day later than received; never in the last days, so that the last
        # manifest entry carries the last received date (the end-of-replay clock)
        near_end = sent.received >= self.world.end - timedelta(days=3)
        if self.world.chance("out_of_order") and not near_end:
            sent.emit_at = sent.received_at + timedelta(hours=self.rng.randint(4, 20))
        if self.world.chance("duplicate"):
            again = replace(sent, duplicate=True, emit_at=None, effects=[], links=[],
                            received_at=sent.received_at + timedelta(
                                days=self.rng.randint(1, 2)))
            self.sents.append(again)
        return sent

    def finish(self) -> list[Sent]:
        """Cuts what falls after the archive's end; the links check what survived."""
        for s in self.sents:
            s.kept = s.received <= self.world.end
        return [s for s in self.sents if s.kept]


def _all_codes(sent: Sent) -> list[str]:
    found = list(sent.retour.codes) if sent.retour else []
    for codes in (sent.line_codes or {}).values():
        found.extend(codes)
    return found
