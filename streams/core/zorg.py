"""305/307 lines: starts and stops of care applied (OP271, OP272, OP288).

A line links to its toewijzing (what it names: `zorg_keys`) and is judged (`zorg_terms`).
StatusAanlevering 3 withdraws the earlier line with the same key; a status-1 line replacing a
withdrawn one is a correction and is not judged late again (product.md §4). Withdrawals,
their undoing and lines that turn out not sent live here, beside linking, because each can
make the other happen again: a stop that links may restore a withdrawn start, a withdrawal
may let its stops link anew.
"""

from __future__ import annotations

from datetime import date

from streams.core.chain import Chain, Version, ZorgLine
from streams.core.context import Context
from streams.core.events import Event, UnitLinked
from streams.core.model import Line, Message
from streams.core.steps import forget
from streams.core.toewijzingen import start_due
from streams.core.zorg_keys import (
    TEMPORARY,
    early_withdrawal,
    find_start,
    find_toewijzing,
    numbered,
    same_product,
    stopped,
    stronger_key,
    waiting,
)
from streams.core.zorg_terms import (
    after_pause_changed,
    assignment_care,
    definitive_stops,
    is_correction,
    judge,
    late,
    report_delay,
    same_toewijzing,
    stop_ends_start,
)


def zorg_line(m: Message, line: Line) -> ZorgLine:
    assert line.begindatum is not None  # the parser refuses a 305/307 line without one
    return ZorgLine(line.line_key, m.message_key, m.msg, m.received, line.toewijzing_nummer,
                    line.beschikking_key, line.categorie, line.code,
                    line.toewijzing_ingangsdatum, line.begindatum,
                    line.einddatum if m.msg == "307" else None,
                    line.reden_beeindiging, line.status_aanlevering or "1",
                    release=m.release)


def on_zorg(ctx: Context, chain: Chain, m: Message) -> list[Event]:
    events: list[Event] = []
    # withdrawals first: a correction (status 3 + new status 1, domain.md §6) may list
    # its lines in either order, and the new line is judged as a correction either way
    for line in sorted(m.lines, key=lambda ln: ln.status_aanlevering != "3"):
        z = zorg_line(m, line)
        z.not_sent = z.line_key in ctx.not_sent
        chain.zorg[z.line_key] = z
        ctx.due.add(ctx.calendar.due(z.received, ctx.terms.unlinked),
                    f"unlinked_zorg|{chain.key}|{z.line_key}")
        if z.status == "3":
            events += try_link(ctx, chain, z)  # linked, never judged
            events += _withdraw(ctx, chain, z, correct=not _renews(m, line))
        else:
            events += _new_line(ctx, chain, z)
    if m.msg == "305":  # a stop that came before its start names it now (out of order)
        events += relink(ctx, chain)
    return events


def _renews(m: Message, withdrawal: Line) -> bool:
    """The message holds the new line of this withdrawal too: a status-1 line of the same
    toewijzing (a new line of another toewijzing replaces nothing of it)."""
    named = (withdrawal.toewijzing_nummer, withdrawal.beschikking_key)
    return any(ln.status_aanlevering != "3"
               and (ln.toewijzing_nummer, ln.beschikking_key) == named for ln in m.lines)


def _new_line(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """A status-1 line: linked, then judged, unless a withdrawal read before it (out of
    order) turns out to be its own: then it never counts."""
    z.withdrawn = True  # not judged while it links: its key is compared once it is linked
    events = try_link(ctx, chain, z)
    if z.not_sent:  # its retour, read first, rejected it: linked, and nothing more
        z.withdrawn = False
        return events
    early = early_withdrawal(chain, z)
    z.withdrawn = early is not None
    if early is not None:
        return events + _withdrawn(ctx, chain, early, z)
    events += report_delay(ctx, chain, z)
    if z.line_key in chain.links:
        return events + judge(ctx, chain, z)
    if z.msg == "307":  # OP272: stop_late needs the 307 alone; judged again once linked
        z.correction = is_correction(chain, z)
        events += late(ctx, chain, z)
    return events


def relink(ctx: Context, chain: Chain) -> list[Event]:
    """After a 301: lines that waited for their toewijzing may link now, and a 2.x line
    that its period (or Beschikking) linked moves to the toewijzing its Beschikking (or
    number) names, once that is known (product.md §3: a link that becomes possible later
    is made then)."""
    events: list[Event] = []
    # starts first: a stop waiting with them can then name its start in the same pass
    for z in sorted(chain.zorg.values(), key=lambda z: (z.msg, z.received, z.line_key)):
        stronger = stronger_key(chain, z)
        if stronger is not None and stronger[0] != z.toewijzing:
            events += _move(ctx, chain, z)
        elif stronger is not None:  # the same toewijzing: its link names the stronger key,
            z.rule = stronger[1]  # as if that had been read first (any reading order)
            events += try_link(ctx, chain, z)
        elif z.toewijzing is None or (z.msg == "307" and z.start is None):
            events += try_link(ctx, chain, z)
    return events


def _move(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """`z` leaves the toewijzing a weaker key chose: what it settled there is open again,
    and it is linked, measured and judged anew, as if it had named the right one first."""
    events: list[Event] = []
    counted = z.counts()
    if counted:
        z.withdrawn = True  # for uncount, which asks every line whether it counts
        events += uncount(ctx, chain, z)
        z.withdrawn = False
    z.toewijzing, z.rule = None, None
    z.start = None
    events += try_link(ctx, chain, z)
    return events + (report_delay(ctx, chain, z) if counted else [])


def try_link(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    found = (z.toewijzing, z.rule or "") if z.toewijzing else find_toewijzing(chain, z)
    if not found:
        return _task_oriented(ctx, chain, z)
    first_time = z.toewijzing is None
    z.toewijzing, z.rule = found
    start_found = False
    restored: list[Event] = []
    if z.msg == "307" and z.start is None:
        start = find_start(chain, z)
        if start is None and z.status != "3":
            start, restored = _restore_start(ctx, chain, z)
        z.start = start.line_key if start else None
        start_found = start is not None
    link = UnitLinked(z.line_key, "line", z.toewijzing, None, z.rule, z.start)
    if chain.links.get(z.line_key) == link:
        return restored
    chain.links[z.line_key] = link
    unlinked_due = ctx.calendar.due(z.received, ctx.terms.unlinked)
    events: list[Event] = [*restored, link,
                           *ctx.alerts.resolve("unlinked", z.line_key, ctx.today,
                                               fixed_due=unlinked_due)]
    if first_time and z.counts():
        events += judge(ctx, chain, z)
    elif start_found and z.counts():  # the start came after its stop
        events += stop_ends_start(ctx, chain, z)
    return events


def _restore_start(ctx: Context, chain: Chain, stop: ZorgLine, task_oriented: bool = False
                   ) -> tuple[ZorgLine | None, list[Event]]:
    """domain.md §6: a start cannot be withdrawn once stopped (retour 9071). A withdrawal
    received on or after this stop's day, but read before it, withdrew its start: that is
    undone, and the start counts (and is measured) again. Only a stop that counts does so
    (the caller marks a new line withdrawn while it links, so that is asked of the lines
    that withdraw)."""
    if stop.not_sent or any(w.withdrew == stop.line_key for w in chain.zorg.values()) \
            or early_withdrawal(chain, stop) is not None:  # withdrawn itself, read first
        return None, []
    for w in chain.zorg.values():
        start = chain.zorg.get(w.withdrew or "")
        if w.received >= stop.received and start is not None and start.msg == "305" \
                and not start.not_sent and start.toewijzing == stop.toewijzing \
                and start.begindatum == stop.begindatum \
                and not (task_oriented and numbered(start)) \
                and same_product((start.categorie, start.code), (stop.categorie, stop.code)):
            return start, _undo(ctx, chain, w, start, by=stop)
    return None, []


def _undo(ctx: Context, chain: Chain, w: ZorgLine, old: ZorgLine,
          by: ZorgLine | None = None) -> list[Event]:
    """`w` withdrew nothing after all: `old` counts again (measured and judged), and a new
    line of `w`'s message is no correction of it, so it is judged late like any other.
    `by`: the stop that undoes it (it names `old` itself)."""
    old.withdrawn, old.replaced, w.withdrew = False, False, None
    if old.not_sent:
        return []  # it does not count either way
    events = report_delay(ctx, chain, old)
    events += judge(ctx, chain, old) if old.line_key in chain.links else []
    ctx.due.add(ctx.calendar.due(old.received, ctx.terms.unlinked),  # judged again, if
                f"unlinked_zorg|{chain.key}|{old.line_key}")  # passed at the next tick
    for z in chain.zorg.values():
        if z.message_key == w.message_key and z.correction and z.counts():
            z.correction = False
            events += late(ctx, chain, z)
    if old.msg == "305":  # stops read while it was withdrawn name it now
        for z in list(chain.zorg.values()):
            if z.msg == "307" and z is not by and z.start is None and z.counts() \
                    and z.toewijzing == old.toewijzing:
                events += try_link(ctx, chain, z)
    else:  # a stop that counts again stops its start: a withdrawal after it takes nothing
        events += _unstop(ctx, chain, old)
    return events


def _unstop(ctx: Context, chain: Chain, stop: ZorgLine) -> list[Event]:
    start = chain.zorg.get(stop.start or "")
    w = next((w for w in chain.zorg.values()
              if start is not None and w.withdrew == start.line_key), None)
    if start is None or w is None or not stopped(chain, start, w.received):
        return []
    return _undo(ctx, chain, w, start)


def _task_oriented(ctx: Context, chain: Chain, z: ZorgLine) -> list[Event]:
    """domain.md §3: in the task-oriented variant (no toewijzing) a line has no
    ToewijzingNummer and its key is Product + Begindatum; a stop names its start by that
    key (§4), and then it links to something."""
    if z.msg != "307" or numbered(z) or z.start is not None:
        return []
    start = find_start(chain, z, task_oriented=True)  # toewijzing None on both sides
    restored: list[Event] = []
    if start is None and z.status != "3":
        start, restored = _restore_start(ctx, chain, z, task_oriented=True)
    if start is None:
        return restored
    z.start, z.rule = start.line_key, "product_begindatum"
    link = chain.links[z.line_key] = UnitLinked(z.line_key, "line", start.line_key, None,
                                                z.rule, z.start)
    events: list[Event] = [*restored, link,
                           *ctx.alerts.resolve("unlinked", z.line_key, ctx.today)]
    return events + (judge(ctx, chain, z) if z.counts() else [])


def _withdraw(ctx: Context, chain: Chain, w: ZorgLine, *, correct: bool) -> list[Event]:
    """Status 3: the earlier line with the same key is considered not sent. `correct`:
    no new line in the withdrawing message, so one sent again, read before, is the
    correction (a new line of the message itself becomes it when judged)."""
    if w.not_sent:
        return []  # its own retour rejected it: it withdraws nothing
    earlier = [o for o in chain.zorg.values() if o.status != "3" and not o.withdrawn
               and not o.not_sent and o.message_key != w.message_key
               and o.received <= w.received and o.same_key(w)
               and not stopped(chain, o, w.received)]
    if not earlier:
        return []  # it may still come (out of order): see _early_withdrawal
    return _withdrawn(ctx, chain, w, max(earlier, key=lambda o: (o.received, o.line_key)),
                      correct=correct)


def unwithdraw(ctx: Context, chain: Chain, w: ZorgLine) -> list[Event]:
    """A status-3 line that turns out not sent (its retour rejects it, product.md §4)
    withdrew nothing: the line it took counts again, measured and judged again, unless
    another withdrawal waits for it."""
    old = chain.zorg.get(w.withdrew or "")
    if old is None or not old.withdrawn:
        w.withdrew = None
        return []
    return _undo(ctx, chain, w, old) + _withdraw_waiting(ctx, chain, old, None)


def released(ctx: Context, chain: Chain, line: ZorgLine) -> list[Event]:
    """A line a withdrawal took turns out not sent (a line not sent is nothing to take):
    the withdrawal takes the line it would have taken with the retour read first, and
    the correction made of it goes along."""
    w = next((w for w in chain.zorg.values() if w.withdrew == line.line_key), None)
    if w is None:
        return []
    w.withdrew, replaced = None, line.replaced
    events = _withdraw(ctx, chain, w, correct=not replaced)
    taken = chain.zorg.get(w.withdrew or "")
    if taken is not None:
        taken.replaced = replaced
    return events


def freed(ctx: Context, chain: Chain, stop: ZorgLine) -> list[Event]:
    """A stop that turns out not sent never stood in the way of a withdrawal of its
    start: one that waited takes the start now."""
    start = chain.zorg.get(stop.start or "") if stop.msg == "307" else None
    return _withdraw_waiting(ctx, chain, start, None) if start is not None else []


def _withdraw_waiting(ctx: Context, chain: Chain, line: ZorgLine,
                      since: date | None) -> list[Event]:
    """A withdrawal of `line` that found nothing to take (a stop, or another withdrawal,
    came first) takes it now that nothing stands in its way. `since`: the day what stood
    in the way was withdrawn (a withdrawal received before that was refused, 9071); None
    when it was never sent."""
    if not line.counts():
        return []
    for w in waiting(chain, line):
        if (since is None or w.received >= since) and not stopped(chain, line, w.received):
            return _withdrawn(ctx, chain, w, line)
    return []


def _withdrawn(ctx: Context, chain: Chain, w: ZorgLine, old: ZorgLine, *,
               correct: bool = True) -> list[Event]:
    old.withdrawn = True
    w.withdrew = old.line_key
    events = uncount(ctx, chain, old) + (_corrected(ctx, chain, w) if correct else [])
    start = chain.zorg.get(old.start or "") if old.msg == "307" else None
    if start is not None:  # a withdrawal of its start received since takes it now
        events += _withdraw_waiting(ctx, chain, start, w.received)
    return events


def uncount(ctx: Context, chain: Chain, old: ZorgLine) -> list[Event]:
    """A start or stop that no longer counts (withdrawn, or not sent): its alerts resolved,
    its process times removed, and what it had settled is open again (OP271, OP272)."""
    events: list[Event] = []
    for rule in ("start_late", "stop_late", "stop_missing", "unlinked"):
        events += ctx.alerts.resolve(rule, old.line_key, ctx.today)
    for metric in ("start_report_delay", "stop_report_delay", "care_duration"):
        events += forget(ctx, chain, metric, old.line_key)
    start = old.start if old.msg == "307" and old.reden != TEMPORARY else None
    if start is not None:  # also a task-oriented stop, which has no toewijzing
        events += _still_stopped(ctx, chain, chain.zorg[start])
    if old.msg == "307" and old.reden == TEMPORARY:  # its definitive stops: late after all?
        events += after_pause_changed(ctx, chain, old)
    if old.toewijzing is None:
        return events
    t = chain.toewijzingen[old.toewijzing]
    v = t.current()
    if old.msg == "305":
        events += _let_go(ctx, chain, old)
        events += assignment_care(ctx, chain, old.toewijzing)
        if v is not None:  # judged again when due (at once if that has passed)
            ctx.due.add(start_due(ctx, t, v), f"start_missing|{chain.key}|{t.key}")
        paused = [z.line_key for z in chain.zorg.values()  # a restart no longer ends them
                  if z.msg == "305" and z.toewijzing == t.key and z.counts()]
        _stop_due_again(ctx, chain, v, paused)
    elif old.start is not None:  # a paused start that counted as restarted, too
        _stop_due_again(ctx, chain, v, [old.start])
    return events


def _stop_due_again(ctx: Context, chain: Chain, v: Version | None, starts: list[str]) -> None:
    """stop_missing of these starts judged again at its due date (at once if passed)."""
    if v is not None and v.einddatum is not None:
        for start in starts:
            ctx.due.add(ctx.calendar.due(v.einddatum, ctx.terms.stop),
                        f"stop_missing|{chain.key}|{start}")


def _let_go(ctx: Context, chain: Chain, start: ZorgLine) -> list[Event]:
    """Stops that named a start which no longer counts name the current start with its
    key instead, if there is one (product.md §3: the current status-1 line), else none."""
    events: list[Event] = []
    for z in chain.zorg.values():
        if z.msg == "307" and z.start == start.line_key and z.counts() \
                and z.toewijzing is not None:
            z.start = None
            events += try_link(ctx, chain, z)
    return events


def _still_stopped(ctx: Context, chain: Chain, start: ZorgLine) -> list[Event]:
    """Care duration of a start whose stop no longer counts: from another stop, or none."""
    stops = definitive_stops(chain, start.line_key)
    if not stops:
        return forget(ctx, chain, "care_duration", start.line_key)
    return stop_ends_start(ctx, chain, min(stops, key=lambda z: (z.received, z.line_key)))


def _corrected(ctx: Context, chain: Chain, w: ZorgLine) -> list[Event]:
    """A withdrawal that reached its line after the line replacing it was judged: the new
    line of the same message, else the first one received on or after the withdrawal (read
    before it: any order, product.md §1), is the correction after all, and not late (§4)."""
    new = [z for z in chain.zorg.values()
           if z.counts() and not z.correction and z.msg == w.msg and same_toewijzing(z, w)
           and (z.message_key == w.message_key or z.received >= w.received)]
    for z in sorted(new, key=lambda z: (z.message_key != w.message_key, z.received,
                                        z.line_key)):
        if is_correction(chain, z):
            z.correction = True
            return ctx.alerts.resolve("start_late" if z.msg == "305" else "stop_late",
                                      z.line_key, ctx.today)
    return []
