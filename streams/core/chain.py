"""Per-client chain state: everything one client has at one aanbieder from one gemeente in
one domain — toewijzingen (with their versions), starts and stops, requests and answers,
the links made, and the trajectories. Stored under `c/{chain key}`.

All partners of a link meet here (architecture §2): a 305 finds its toewijzing, a 307 its
start, a 315 its 301 — without a cross-partition lookup. Only the 319 (no client) and
header-only retours need a small index to find their chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from streams.core.alerts import Party
from streams.core.events import UnitLinked
from streams.core.model import Message


def chain_key(m: Message) -> str:
    return f"{m.domain}:{m.gemeente}:{m.aanbieder}:{m.client}"


@dataclass(slots=True)
class Version:
    """One 301 line: a version of a toewijzing (newest Toewijzingsdatum+tijd wins)."""

    line_key: str
    message_key: str
    received: date
    stamp: tuple[date, str]  # (Toewijzingsdatum, Toewijzingstijd)
    ingangsdatum: date
    einddatum: date | None
    reden_wijziging: str | None
    categorie: str | None
    code: str | None
    referentie: str | None
    beschikking_key: str | None
    not_sent: bool = False  # its 301 was rejected (0001) or the line was (e.g. 9019)

    @property
    def deleted(self) -> bool:
        """RedenWijziging 13 (3.2), or in 3.0 code 01 with Einddatum = Ingangsdatum."""
        return self.reden_wijziging == "13" or (
            self.reden_wijziging == "01" and self.einddatum == self.ingangsdatum)


@dataclass(slots=True)
class Toewijzing:
    key: str
    versions: list[Version] = field(default_factory=list)

    def current(self) -> Version | None:
        """The version in force: the newest that counts as sent."""
        sent = [v for v in self.versions if not v.not_sent]
        return max(sent, key=lambda v: (v.stamp, v.received, v.line_key)) if sent else None

    @property
    def first_received(self) -> date:
        """The received date of its first 301 that counts as sent (a 301 rejected by its
        retour and sent again starts the terms from the one sent again)."""
        return min((v.received for v in self.versions if not v.not_sent),
                   default=min(v.received for v in self.versions))

    def is_care(self) -> bool:
        """Current and not deleted: the toewijzing counts as care."""
        v = self.current()
        return v is not None and not v.deleted


@dataclass(slots=True)
class ZorgLine:
    """A 305 (start) or 307 (stop) line."""

    line_key: str
    message_key: str
    msg: str  # "305" | "307"
    received: date
    nummer: str | None
    beschikking_key: str | None
    categorie: str | None
    code: str | None
    toewijzing_ingangsdatum: date | None
    begindatum: date
    einddatum: date | None  # 307
    reden: str | None  # 307 RedenBeeindiging
    status: str
    toewijzing: str | None = None  # the toewijzing_key it links to
    rule: str | None = None
    start: str | None = None  # 307: the start line it stops
    withdrawn: bool = False  # a later status-3 line withdrew it
    not_sent: bool = False  # its retour rejected it (0001, or a line code such as 9019)
    correction: bool = False  # a status-1 line replacing a withdrawn one (not judged late)
    replaced: bool = False  # a withdrawn line that a correction has replaced
    release: str = "3.2"
    withdrew: str | None = None  # status 3: the line it withdrew (None: still waiting)

    def counts(self) -> bool:
        """A line that is a start/stop for the rules: status 1, not withdrawn, sent."""
        return self.status != "3" and not self.withdrawn and not self.not_sent

    def same_key(self, other: ZorgLine) -> bool:
        """The logical key (domain.md §4): ToewijzingNummer + Product + Begindatum, for a
        stop also Einddatum, and RedenBeeindiging from 3.2 on. The toewijzing is the linked
        one where both are linked, so a 3.0 line withdraws a 2.x line that named it by
        Beschikking."""
        mine: str | None
        theirs: str | None
        if self.toewijzing and other.toewijzing:
            mine, theirs = self.toewijzing, other.toewijzing
        else:
            mine = self.nummer or self.beschikking_key
            theirs = other.nummer or other.beschikking_key
        reden = self.release >= "3.2" and other.release >= "3.2"  # 3.0/3.1 without it
        return (self.msg, mine, self.categorie, self.code, self.begindatum,
                self.reden if reden else None, self.einddatum) == (
                    other.msg, theirs, other.categorie, other.code, other.begindatum,
                    other.reden if reden else None, other.einddatum)


@dataclass(slots=True)
class Answer:
    """One request's answer (never shared between requests: `not_sent` is set on it when
    that request is judged again)."""

    key: str  # the answering unit: 301 line_key, 319 or 316 message_key
    msg: str  # "301" | "319" | "316"
    received: date
    final: bool  # a 301, a 319 rejection, a 316 rejection code; not a 319 "in onderzoek"
    target: str  # link target of a 315 line: toewijzing_key (301) or message_key (319/316)
    message_key: str  # the answering message (a 317 links to it)
    not_sent: bool = False
    by_fit: bool = False  # the 2.x fallback paired it (streams/core/bestfit.py)


@dataclass(slots=True)
class Request:
    """A 315 line or a whole 317."""

    unit: str
    msg: str  # "315" | "317"
    message_key: str
    received: date
    dagtekening: date
    referentie: str | None
    categorie: str | None
    code: str | None
    ingangsdatum: date | None  # requested
    names: list[str] = field(default_factory=list)  # 317: toewijzing keys it names
    answers: list[Answer] = field(default_factory=list)
    not_sent: bool = False  # rejected by its retour, or withdrawn (2.x status 3)
    named: dict[str, str] = field(default_factory=dict)  # 317: line_key → toewijzing_key
    release: str = "3.2"  # its message's: a 2.x request may be answered by best fit

    def first_answer(self) -> Answer | None:
        sent = [a for a in self.answers if not a.not_sent]
        return min(sent, key=lambda a: (a.received, a.key)) if sent else None

    def link_target(self) -> Answer | None:
        """product.md §3: the answering 301 if there is one, else the final 319 (or 316
        rejection), else the 319 "in onderzoek". Answers that were not sent stay linked
        while no other one is there (the link does not depend on when the retour came)."""
        answers = sorted(self.answers, key=lambda a: (a.received, a.key))
        sent = [a for a in answers if not a.not_sent] or answers
        for answer in sent:
            if answer.msg == "301":
                return answer
        finals = [a for a in sent if a.final]
        if finals:
            return finals[-1]
        return sent[-1] if sent else None

    def first_sent_or_not(self) -> Answer | None:
        """The answer a 317 links to: the first one sent, else the first one at all."""
        return self.first_answer() or min(self.answers, key=lambda a: (a.received, a.key),
                                          default=None)

    def in_onderzoek(self) -> Answer | None:
        """The first 319 "in onderzoek" that counts (OP274/OP346: 8 weeks to decide)."""
        return next((a for a in sorted(self.answers, key=lambda a: (a.received, a.key))
                     if not a.final and not a.not_sent), None)

    def final_answer(self) -> Answer | None:
        return next((a for a in sorted(self.answers, key=lambda a: (a.received, a.key))
                     if a.final and not a.not_sent), None)


@dataclass(slots=True)
class Trajectory:
    id: str
    seq: int  # issue order within the chain: the oldest id survives a merge
    toewijzingen: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    published: int = 0  # checksum of its last published record (live: engine publish=True)


@dataclass(slots=True)
class Chain:
    key: str
    domain: str
    gemeente: str
    aanbieder: str
    client: str | None
    toewijzingen: dict[str, Toewijzing] = field(default_factory=dict)
    zorg: dict[str, ZorgLine] = field(default_factory=dict)  # 305/307 lines by line_key
    requests: dict[str, Request] = field(default_factory=dict)
    links: dict[str, UnitLinked] = field(default_factory=dict)
    trajectories: list[Trajectory] = field(default_factory=list)
    # merged away, with the members they had then: a split gives such an id back
    retired: list[Trajectory] = field(default_factory=list)
    next_seq: int = 0
    trajectory_of: dict[str, str] = field(default_factory=dict)  # unit/toewijzing → id
    seen: set[str] = field(default_factory=set)  # "{message_key}#{client_index}" applied

    def party(self, unit: str, *, with_client: bool = True) -> Party:
        """Who an alert on `unit` is about, with the unit's trajectory when known."""
        return Party(self.domain, self.gemeente, self.aanbieder,
                     self.client if with_client else None, self.trajectory_of.get(unit))
