"""301 lines: toewijzingen and their versions (domain.md §6), and start_missing (OP271).

A 301 is a full snapshot per client × aanbieder; a toewijzing missing from a later 301 is
not deleted. The same ToewijzingNummer is the same toewijzing: the newest version
(Toewijzingsdatum + Toewijzingstijd) is in force. Deletion: RedenWijziging 13 (3.0: 01 with
Einddatum = Ingangsdatum). An extension or deletion withdraws the subject of a raised
start_missing / stop_missing, which is then resolved (product.md §4).
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from streams.core.chain import Chain, Toewijzing, Version
from streams.core.context import Context
from streams.core.events import Event, UnitLinked
from streams.core.frozen import record
from streams.core.model import Line, Message


def version_of(m: Message, line: Line) -> Version:
    assert line.ingangsdatum is not None  # the parser refuses a 301 line without one
    stamp = (line.toewijzingsdatum or m.dagtekening, _time_order(line.toewijzingstijd))
    return Version(line.line_key, m.message_key, m.received, stamp, line.ingangsdatum,
                   line.einddatum, line.reden_wijziging, line.categorie, line.code,
                   line.referentie_aanbieder, line.beschikking_key)


def _time_order(tijd: str | None) -> str:
    """Toewijzingstijd as it orders: hh:mm:ss and its fraction, as text. The standard's
    times carry no zone; one that a sloppy producer adds does not count (`…Z` would sort
    after `….5`), as the date beside it has none either."""
    if not tijd:
        return ""
    if tijd.endswith("Z"):
        tijd = tijd[:-1]
    elif len(tijd) > 8 and tijd[-6] in "+-":
        tijd = tijd[:-6]
    return tijd.rstrip("0").rstrip(".") if "." in tijd else tijd  # 09:00:00.0 = 09:00:00


@record
class Moved:
    """Toewijzingen already known that a 301 changed: their first receipt moved (their
    starts are judged again, OP271), or their version in force (assignment → care is
    measured again from its Ingangsdatum), or a version came that was received before one
    already read (the 301 that completed assignment → care may be another, §6 `msg`)."""

    first: set[str]
    current: set[str]
    earlier: set[str]


def on_301(ctx: Context, chain: Chain, m: Message) -> tuple[list[Event], Moved]:
    """The 301's versions; returns the events and what moved."""
    events: list[Event] = []
    moved = Moved(set(), set(), set())
    for line in m.lines:
        assert line.toewijzing_key is not None  # the parser gives every 301 line a key
        toewijzing = chain.toewijzingen.get(line.toewijzing_key)
        if toewijzing is None:
            toewijzing = chain.toewijzingen[line.toewijzing_key] = Toewijzing(line.toewijzing_key)
        before = toewijzing.current()
        first = toewijzing.first_received if toewijzing.versions else None
        version = version_of(m, line)
        version.not_sent = line.line_key in ctx.not_sent  # its retour, read first
        if any(v.received > version.received for v in toewijzing.versions):
            moved.earlier.add(toewijzing.key)
        toewijzing.versions.append(version)
        rule = "toewijzingnummer" if line.toewijzing_nummer else "beschikking"
        chain.links[line.line_key] = UnitLinked(line.line_key, "line", toewijzing.key, None, rule)
        events.append(chain.links[line.line_key])
        events += changed(ctx, chain, toewijzing, before)
        if first is not None and toewijzing.current() is not before:
            moved.current.add(toewijzing.key)
        if first is not None and toewijzing.first_received != first:
            moved.first.add(toewijzing.key)
            if before is not None and toewijzing.current() is before:  # else changed() did
                ctx.due.add(start_due(ctx, toewijzing, before),
                            f"start_missing|{chain.key}|{toewijzing.key}")
    return events, moved


def changed(ctx: Context, chain: Chain, t: Toewijzing, before: Version | None) -> list[Event]:
    """Re-arm the deadlines of a toewijzing whose version in force may have changed."""
    after = t.current()
    if after is before:
        return []
    if after is None:  # no version left that counts as sent: its deadlines are withdrawn
        return _withdrawn_subjects(ctx, chain, t)
    events: list[Event] = []
    withdrawn = before is not None and withdraws(before, after)
    if not (withdrawn and before is not None and not after.deleted
            and start_due(ctx, t, before) == start_due(ctx, t, after)):
        ctx.due.add(start_due(ctx, t, after), f"start_missing|{chain.key}|{t.key}")
    # else an extension: it resolves a raised start_missing (below) for its due date, which
    # has not moved (product.md §4); a start_missing not raised yet keeps its deadline
    if withdrawn:
        events += _withdrawn_subjects(ctx, chain, t)
    if after.einddatum is not None and not after.deleted:
        for z in chain.zorg.values():
            if z.msg == "305" and z.toewijzing == t.key and z.counts():
                ctx.due.add(ctx.calendar.due(after.einddatum, ctx.terms.stop),
                            f"stop_missing|{chain.key}|{z.line_key}")
    return events


def _withdrawn_subjects(ctx: Context, chain: Chain, t: Toewijzing) -> list[Event]:
    """product.md §4: a withdrawn subject resolves its start_missing / stop_missing."""
    events = ctx.alerts.resolve("start_missing", t.key, ctx.today)
    for z in chain.zorg.values():
        if z.msg == "305" and z.toewijzing == t.key:
            events += ctx.alerts.resolve("stop_missing", z.line_key, ctx.today)
    return events


def withdraws(before: Version, after: Version) -> bool:
    """An extension (later or no Einddatum) or a deletion arriving later. From a deleted
    version back to a live one (the deletion not sent, or revived) is neither: the live
    one's deadlines count again."""
    if before.deleted:
        return False
    if after.deleted:
        return True
    if before.einddatum is None:
        return False
    return after.einddatum is None or after.einddatum > before.einddatum


def start_due(ctx: Context, t: Toewijzing, v: Version) -> date:
    """OP271 with grace: due(max(Ingangsdatum, received date of its first 301), 20)."""
    return ctx.calendar.due(max(v.ingangsdatum, t.first_received), ctx.terms.start)


def has_start(chain: Chain, key: str) -> bool:
    return any(z.msg == "305" and z.toewijzing == key and z.counts()
               for z in chain.zorg.values())


def on_start_due(ctx: Context, chain: Chain, key: str, due: date) -> list[Event]:
    t = chain.toewijzingen.get(key)
    if t is None or not t.is_care() or has_start(chain, key):
        return []
    current = t.current()
    assert current is not None
    if start_due(ctx, t, current) != due:
        return []  # a newer version moved the deadline; its own token judges it
    events = ctx.alerts.raise_("start_missing", key, chain.party(key), due, ctx.today,
                               ctx.alerts_from)
    if _extended_after(t, due):  # read before the clock passed the due date: as in
        events += ctx.alerts.resolve("start_missing", key, ctx.today)  # receipt order
    return events


def _extended_after(t: Toewijzing, due: date) -> bool:
    """An extension received after `due` withdrew the subject of the start_missing then
    raised (product.md §4), whatever the allowed lateness or the read order."""
    return any(v.received > due for _, v in withdrawals(t))


def withdrawals(t: Toewijzing) -> list[tuple[Version, Version]]:
    """(version, the one after it) for every extension or deletion among the versions
    that count as sent, in version order."""
    sent = sorted((v for v in t.versions if not v.not_sent),
                  key=lambda v: (v.stamp, v.received, v.line_key))
    return [(u, v) for u, v in pairwise(sent) if withdraws(u, v)]

