"""Toewijzingen, starts and stops of one story, with the alerts their timing proves.

Late judgements follow product.md §4: start_late from max(Begindatum, receipt of the
toewijzing's first 301) + 5 werkdagen (OP271), stop_late from the 307's Einddatum + 5
(OP272); corrections (status 3 + 1), rejected lines and a definitive stop after a
temporary one are not judged. Lines whose judgement would hinge on an unspecified
choice (a start rejected by its retour) are planned so early that both readings agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from streams.core import keys
from streams.testing import werkdagen as wd
from streams.testing.lines import Start, Stop, Toegewezen
from streams.testing.plan import Await, Late, Link, Sent, Settle, Withdrawn
from streams.testing.story import RetourKind, Story
from streams.testing.world import release_on


@dataclass(slots=True)
class Toewijzing:
    nummer: str
    key: str  # toewijzing_key
    line: Toegewezen  # the current version
    first: Sent  # its first 301: start_missing counts from its receipt
    started: bool = False

    @property
    def ingang(self) -> date:
        return self.line.ingangsdatum

    @property
    def einde(self) -> date:
        assert self.line.einddatum is not None
        return self.line.einddatum


@dataclass(slots=True)
class Care:
    """The current start of a toewijzing: the 305 line a 307 stops."""

    line: Start
    key: str
    sent: Sent


def days(n: int) -> timedelta:
    return timedelta(days=n)


def new_line(s: Story, day: date, ingang: date, einde: date, *,
             referentie: str | None = None, volume: int = 4) -> Toegewezen:
    """A 301 line with a new ToewijzingNummer (unique per gemeente per domain, OP275)."""
    nummer = s.world.numbers.toewijzing_nummer(s.domain, s.gemeente.code)
    return Toegewezen(nummer, s.categorie, s.code, day, ingang, einde, referentie=referentie,
                      volume=volume)


def toewijzing(s: Story, line: Toegewezen, sent: Sent) -> Toewijzing:
    """The toewijzing a 301 line creates; OP271 / R65186: without a start it is missing
    after 20 werkdagen from max(Ingangsdatum, receipt of its first 301)."""
    assert line.nummer is not None
    t = Toewijzing(line.nummer, keys.toewijzing_key(s.domain, s.gemeente.code, line.nummer),
                   line, sent)
    due = wd.due(max(t.ingang, sent.received), 20)
    sent.effects.append(Await("start_missing", t.key, due))
    return t


def assign(s: Story, day: date, ingang: date, einde: date, *, referentie: str | None = None,
           delay: int | None = None, retour: RetourKind = "auto") -> Toewijzing:
    """A 301 with one new toewijzing (on the gemeente's initiative, or answering a 315)."""
    line = new_line(s, day, ingang, einde, referentie=referentie)
    sent, _ = s.send("301", day, [line], delay=delay, retour=retour)
    t = toewijzing(s, line, sent)
    sent.links.append(Link(sent.line_key(0), "line", [(t.key, ())]))
    return t


def version(s: Story, t: Toewijzing, day: date, einde: date, reden: str, *,
            retour: RetourKind = "auto") -> tuple[Sent, Sent | None]:
    """A new version of the same ToewijzingNummer: extension, shortening, deletion."""
    line = replace(t.line, toewijzingsdatum=day, einddatum=einde, reden_wijziging=reden,
                   referentie=None, toewijzingstijd="10:30:00")
    sent, back = s.send("301", day, [line], retour=retour)
    sent.links.append(Link(sent.line_key(0), "line", [(t.key, (t.first,))]))
    if retour != "0001":
        t.line = line
    return sent, back


def start(s: Story, t: Toewijzing, begin: date, *, day: date | None = None,
          late: bool = False, judged: bool = True, counts: bool = True,
          delay: int | None = None, retour: RetourKind = "auto",
          codes: dict[int, tuple[str, ...]] | None = None) -> tuple[Care, Sent | None]:
    line = Start(t.nummer, s.categorie, t.line.code, t.ingang, begin,
                 beschikking=s.beschikking)
    base = max(begin, t.first.received)
    if day is None:
        k = s.rng.randint(7, 10) if late else s.rng.randint(0, 2)
        day = wd.due(wd.on_or_after(base), k)
    sent, back = s.send("305", day, [line], delay=delay, retour=retour, codes=codes)
    key = sent.line_key(0)
    sent.links.append(Link(key, "line", [(t.key, (t.first,))]))
    if counts and not t.started:
        sent.effects.append(Settle("start_missing", t.key))
        t.started = True
    due = wd.due(base, 5)
    if judged and sent.received > due:
        sent.effects.append(Late("start_late", key, due, sent.received))
    return Care(line, key, sent), back


def start_rejected(s: Story, t: Toewijzing, begin: date, code: str) -> Care:
    """A start rejected by its retour (0001 for the message, 9019 for the line), sent again
    the next werkdag. Both are received within the term, so no reading judges them late."""
    day = wd.on_or_after(max(begin, t.first.received))
    codes: dict[int, tuple[str, ...]] | None = {0: ("9019",)} if code == "9019" else None
    kind: RetourKind = "0001" if code == "0001" else "codes"
    _, back = start(s, t, begin, day=day, delay=0, judged=False, counts=False, retour=kind,
                    codes=codes)
    assert back is not None
    care, _ = start(s, t, begin, day=wd.due(back.received, 1), delay=0)
    return care


def correct_start(s: Story, t: Toewijzing, care: Care) -> Care:
    """A status-3 line withdrawing the start plus a status-1 line with the right Begindatum."""
    begin = care.line.begindatum - days(s.rng.randint(1, 3))
    if begin < t.ingang:
        begin = care.line.begindatum + days(1)
    day = wd.due(care.sent.received, s.rng.randint(2, 5))
    lines = [replace(care.line, status="3"), replace(care.line, begindatum=begin)]
    sent, _ = s.send("305", day, list(lines))
    sent.effects.append(Withdrawn("start_late", care.key))
    for n in (0, 1):
        sent.links.append(Link(sent.line_key(n), "line", [(t.key, (t.first,))]))
    return Care(lines[1], sent.line_key(1), sent)


def stop(s: Story, t: Toewijzing, care: Care, einde: date, reden: str, *,
         day: date | None = None, late: bool = False, judged: bool = True,
         delay: int | None = None, retour: RetourKind = "auto") -> tuple[Stop, Sent, Sent | None]:
    line = Stop(care.line, einde, reden)
    if day is None:
        day = wd.due(einde, s.rng.randint(7, 11) if late else s.rng.randint(1, 3))
    sent, back = s.send("307", day, [line], delay=delay, retour=retour)
    key = sent.line_key(0)
    sent.links.append(Link(key, "line", [(t.key, (t.first,))], start=(care.key, care.sent)))
    due = wd.due(einde, 5)
    if judged and sent.received > due:
        sent.effects.append(Late("stop_late", key, due, sent.received))
    return line, sent, back


def stop_rejected(s: Story, t: Toewijzing, care: Care, einde: date, reden: str) -> None:
    """A stop the gemeente rejects with 0001, sent again the next werkdag (on time)."""
    _, _, back = stop(s, t, care, einde, reden, day=wd.due(einde, 1), delay=0, judged=False,
                      retour="0001")
    assert back is not None
    stop(s, t, care, einde, reden, day=wd.due(back.received, 1), delay=0)


def correct_stop(s: Story, t: Toewijzing, care: Care, line: Stop, sent: Sent) -> None:
    einde = max(line.einddatum - days(s.rng.randint(1, 3)), care.line.begindatum)
    day = wd.due(sent.received, s.rng.randint(2, 5))
    lines = [replace(line, status="3"), replace(line, einddatum=einde)]
    fix, _ = s.send("307", day, list(lines))
    fix.effects.append(Withdrawn("stop_late", sent.line_key(0)))
    for n in (0, 1):
        fix.links.append(Link(fix.line_key(n), "line", [(t.key, (t.first,))],
                              start=(care.key, care.sent)))


def delete(s: Story, t: Toewijzing) -> bool:
    """Deletion: Einddatum = Ingangsdatum with RedenWijziging 13 (3.2), in 3.0 code 01;
    other releases have no deletion code, then nothing is sent (False). A deletion
    withdraws the start_missing subject."""
    day = wd.due(t.first.received, s.rng.randint(1, 3))
    reden = {"3.0": "01", "3.2": "13"}.get(release_on(day))
    if reden is None:
        return False
    sent, _ = version(s, t, day, t.ingang, reden, retour="ok")
    sent.effects.append(Settle("start_missing", t.key))
    return True
