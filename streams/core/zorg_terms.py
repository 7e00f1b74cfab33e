"""305/307 lines judged against their terms (OP271, OP272, OP288) and measured (product.md
§5): start_late, stop_late, stop_missing, unlinked, and the process times of care."""

from __future__ import annotations

from datetime import date

from streams.core.chain import Chain, Toewijzing, ZorgLine
from streams.core.context import Context
from streams.core.events import Event
from streams.core.steps import completing, forget, measure
from streams.core.toewijzingen import withdrawals
from streams.core.zorg_keys import TEMPORARY, numbered, restarted, same_product


def report_delay(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """product.md §5: Begindatum (305) or Einddatum (307) → received, in werkdagen: from
    the line alone, linked or not (a start of a toewijzing from before the archive too)."""
    reported = z.begindatum if z.msg == "305" else z.einddatum
    assert reported is not None  # the parser refuses a 307 line without an Einddatum
    return measure(ctx, f"{'start' if z.msg == '305' else 'stop'}_report_delay", z.line_key,
                   ctx.calendar.between(reported, z.received), "werkdagen", chain.domain,
                   chain.gemeente, chain.aanbieder, z.message_key, first=True)


def judge(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    return _judge_start(ctx, chain, z) if z.msg == "305" else _judge_stop(ctx, chain, z)


def _judge_start(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    assert z.toewijzing is not None
    t = chain.toewijzingen[z.toewijzing]
    events = ctx.alerts.resolve("start_missing", t.key, ctx.today)
    for paused in chain.zorg.values():  # a restart after a temporary stop ends that start
        if paused.msg == "305" and paused is not z and paused.toewijzing == t.key \
                and restarted(chain, paused):
            events += ctx.alerts.resolve("stop_missing", paused.line_key, ctx.today)
    z.correction = z.correction or is_correction(chain, z)  # judged again: no second one
    events += assignment_care(ctx, chain, t.key)
    events += late(ctx, chain, z)
    v = t.current()
    if v is not None and v.einddatum is not None and not v.deleted:
        ctx.due.add(ctx.calendar.due(v.einddatum, ctx.terms.stop),
                    f"stop_missing|{chain.key}|{z.line_key}")
    return events


def rejudge_starts(ctx: Context, chain: Chain, keys: set[str]) -> list[Event]:
    """OP271 again for the starts of toewijzingen whose first 301 moved (an older version
    read late, or the first one not sent): the same verdict as in receipt order."""
    events: list[Event] = []
    for z in chain.zorg.values():
        if z.msg == "305" and z.toewijzing in keys and z.counts() and not z.correction \
                and z.line_key in chain.links:
            overdue = z.received > _start_late_due(ctx, chain, z)
            events += late(ctx, chain, z) if overdue else ctx.alerts.resolve(
                "start_late", z.line_key, ctx.today)
    return events


def _judge_stop(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    z.correction = z.correction or is_correction(chain, z)  # judged again: no second one
    events = late(ctx, chain, z) + stop_ends_start(ctx, chain, z)
    return events + (after_pause_changed(ctx, chain, z) if z.reden == TEMPORARY else [])


def after_pause_changed(ctx: Context, chain: Chain, pause: ZorgLine) -> list[Event]:
    """A temporary stop that came to count (read after what follows it), or stopped
    counting: the definitive stops of its start are judged again (one after a pause is not
    late), and a start restarted since needs no stop of its own (product.md §4, §1)."""
    start = chain.zorg.get(pause.start or "")
    if start is None:
        return []
    events: list[Event] = []
    for stop in definitive_stops(chain, start.line_key):
        events += late(ctx, chain, stop)
    if pause.counts() and restarted(chain, start):
        events += ctx.alerts.resolve("stop_missing", start.line_key, ctx.today)
    return events


def _start_late_due(ctx: Context, chain: Chain, z: ZorgLine) -> date:
    assert z.toewijzing is not None
    first = chain.toewijzingen[z.toewijzing].first_received
    return ctx.calendar.due(max(z.begindatum, first), ctx.terms.start_late)


def late(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """start_late (OP271: due(max(Begindatum, first 301 received), 5)) or stop_late (OP272:
    due(Einddatum, 5)); a correction is not judged again, nor a definitive stop after a
    temporary one (the day it became definitive is not in the message)."""
    rule = "start_late" if z.msg == "305" else "stop_late"
    if z.correction or (z.reden != TEMPORARY and z.msg == "307" and _after_a_pause(chain, z)):
        return ctx.alerts.resolve(rule, z.line_key, ctx.today)  # judged before it was known
    if z.msg == "305":
        due = _start_late_due(ctx, chain, z)
    else:
        assert z.einddatum is not None
        due = ctx.calendar.due(z.einddatum, ctx.terms.stop)
    if z.received <= due:
        return []
    return ctx.alerts.raise_(rule, z.line_key, chain.party(z.line_key), due, ctx.today,
                             ctx.alerts_from, late=ctx.calendar.between(due, z.received))


def _after_a_pause(chain: Chain, stop: ZorgLine) -> bool:
    """A temporary stop of the same start came first: the one it names, or (not linked
    yet) one with the same key: toewijzing, Product, Begindatum."""
    return any(o.msg == "307" and o.counts() and o.reden == TEMPORARY and o is not stop
               and o.received <= stop.received  # a pause received after it is no excuse
               and (o.start == stop.start if stop.start is not None else
                    (o.nummer, o.beschikking_key, o.begindatum) == (
                        stop.nummer, stop.beschikking_key, stop.begindatum)
                    and same_product((o.categorie, o.code), (stop.categorie, stop.code)))
               for o in chain.zorg.values())


def stop_ends_start(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """A definitive stop of a known start: stop_missing resolved, care duration measured."""
    if z.reden == TEMPORARY or z.start is None:
        return []
    start = chain.zorg[z.start]
    # of several definitive stops, the first received ends the care, in any read order
    first = min(definitive_stops(chain, start.line_key) or [z],
                key=lambda o: (o.received, o.line_key))
    assert first.einddatum is not None
    events = ctx.alerts.resolve("stop_missing", start.line_key, ctx.today)
    msg = completing((first.received, first.message_key),
                     (start.received, start.message_key))  # a stop read before its start
    return events + measure(ctx, "care_duration", start.line_key,
                            (first.einddatum - start.begindatum).days, "days", chain.domain,
                            chain.gemeente, chain.aanbieder, msg)


def assignment_care(ctx: Context, chain: Chain, key: str) -> list[Event]:
    """Toewijzing Ingangsdatum → earliest Begindatum among its current starts (days). The
    message that completed it (product.md §6) is the start with that Begindatum, or the
    301 that first gave the Ingangsdatum in force when that was received later: a 301
    that repeats the toewijzing (a snapshot, domain.md §6) or only extends it completes
    nothing. A deleted toewijzing does not count as care (product.md §3): no figure."""
    t = chain.toewijzingen[key]
    v = t.current()
    starts = [z for z in chain.zorg.values()
              if z.msg == "305" and z.toewijzing == key and z.counts()]
    if v is None or v.deleted or not starts:
        return forget(ctx, chain, "assignment_care", key)
    first = min(starts, key=lambda z: (z.begindatum, z.received, z.line_key))
    origin = min((x for x in t.versions if not x.not_sent and x.ingangsdatum == v.ingangsdatum),
                 key=lambda x: (x.received, x.line_key), default=v)
    msg = completing((first.received, first.message_key),
                     (origin.received, origin.message_key))
    return measure(ctx, "assignment_care", key, (first.begindatum - v.ingangsdatum).days,
                   "days", chain.domain, chain.gemeente, chain.aanbieder, msg)


def definitive_stops(chain: Chain, start: str) -> list[ZorgLine]:
    return [z for z in chain.zorg.values() if z.msg == "307" and z.counts()
            and z.start == start and z.reden != TEMPORARY]


def definitively_stopped(chain: Chain, start: str) -> bool:
    return bool(definitive_stops(chain, start))


def on_stop_due(ctx: Context, chain: Chain, start_key: str, due: date) -> list[Event]:
    """OP272/OP288: every start is eventually stopped, also at the planned end."""
    z = chain.zorg.get(start_key)
    if z is None or not z.counts() or z.toewijzing is None \
            or definitively_stopped(chain, start_key) or restarted(chain, z):
        return []
    t = chain.toewijzingen[z.toewijzing]
    v = t.current()
    if v is not None and not v.deleted and v.einddatum is not None \
            and ctx.calendar.due(v.einddatum, ctx.terms.stop) == due:
        return ctx.alerts.raise_("stop_missing", start_key, chain.party(start_key), due,
                                 ctx.today, ctx.alerts_from)
    if not _withdrawn_after(ctx, t, due):
        return []  # a newer version moved the deadline; its own token judges it
    # an extension or deletion received after the due date, read before the clock passed
    # it: raised and resolved, as in receipt order (start_missing: toewijzingen.py)
    events = ctx.alerts.raise_("stop_missing", start_key, chain.party(start_key), due,
                               ctx.today, ctx.alerts_from)
    return events + ctx.alerts.resolve("stop_missing", start_key, ctx.today)


def _withdrawn_after(ctx: Context, t: Toewijzing, due: date) -> bool:
    """A version whose Einddatum set `due` was extended or deleted by one received after
    it (product.md §4: that withdraws the subject of the stop_missing then raised)."""
    return any(v.received > due and u.einddatum is not None
               and ctx.calendar.due(u.einddatum, ctx.terms.stop) == due
               for u, v in withdrawals(t))


def on_unlinked_due(ctx: Context, chain: Chain, line_key: str, due: date) -> list[Event]:
    z = chain.zorg.get(line_key)
    if z is None or z.toewijzing is not None or z.start is not None or not z.counts():
        return []  # linked (to its toewijzing, or task-oriented to its start), or not sent
    return ctx.alerts.raise_("unlinked", line_key, chain.party(line_key), due, ctx.today,
                             ctx.alerts_from)


def is_correction(chain: Chain, z: ZorgLine) -> bool:
    """`z` replaces a withdrawn line of the same toewijzing (product.md §4)."""
    for o in chain.zorg.values():
        if o.withdrawn and not o.replaced and not o.not_sent and o.msg == z.msg \
                and same_toewijzing(o, z):
            o.replaced = True
            return True
    return False


def same_toewijzing(o: ZorgLine, z: ZorgLine) -> bool:
    """Lines of one toewijzing: the one they link to; unlinked (its 301 not read yet, or
    sent before the archive began), the one their number or Beschikking names; task-
    oriented lines, which name none, of the same Product."""
    if o.toewijzing is not None or z.toewijzing is not None:
        return o.toewijzing == z.toewijzing
    if numbered(o) or numbered(z):
        return (o.nummer or o.beschikking_key) == (z.nummer or z.beschikking_key)
    return (o.categorie, o.code) == (z.categorie, z.code)
