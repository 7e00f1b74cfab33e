"""The engine: messages and clock ticks in, events out (architecture §1).

`apply(message)` applies one parsed record; `tick(today)` advances the clock and raises
what became due. Order of work (product.md §4): apply the message, then advance the clock.
The clock and the run's first date live in the store, so a resumed run goes on exactly
where it stopped.
"""

from __future__ import annotations

from datetime import date

from streams.core import (
    bestfit,
    outputs,
    requests,
    retourlines,
    retours,
    toewijzingen,
    trajectories,
    zorg,
    zorg_terms,
)
from streams.core.alerts import Alerts
from streams.core.chain import Chain, chain_key
from streams.core.config import Terms
from streams.core.context import Context
from streams.core.events import Alert, Event, TrajectoryUpdated, UnitLinked
from streams.core.frozen import record, replace
from streams.core.model import Message
from streams.core.store import DueIndex, Store
from streams.core.ticks import Tick
from streams.core.werkdagen import Calendar, shifted

_RETOUR_RULES = frozenset({"retour_missing", "unlinked_retour"})
_CHAIN_RULES = {  # due-index token rule → handler(ctx, chain, subject, due)
    "start_missing": toewijzingen.on_start_due,
    "stop_missing": zorg_terms.on_stop_due,
    "unlinked_zorg": zorg_terms.on_unlinked_due,
    "request_unanswered": requests.on_unanswered_due,
    "request_undecided": requests.on_undecided_due,
    "unlinked_317": requests.on_unlinked_317_due,
}


@record
class Clock:
    first: date  # received date of the run's first message
    today: date  # the engine clock
    newest: date  # newest received date seen (the replay watermark's source)


class Engine:
    def __init__(self, store: Store, due: DueIndex, calendar: Calendar | None = None,
                 terms: Terms | None = None, *, publish: bool = False) -> None:
        """`publish`: tell every change of a trajectory's record (dates, status, members)
        as it happens, for the live topic; a replay writes the final records instead, and
        its engine tells only changes of membership."""
        self.store = store
        self.due = due
        self.terms = terms or Terms()
        self.calendar = calendar or Calendar(frozenset(self.terms.extra_holidays),
                                             frozenset(self.terms.not_holidays))
        self.publish = publish
        self.alerts = Alerts(store)
        self._clock: Clock | None = store.get("clock")
        # the last result of each, for the date it was computed from (asked every input)
        self._watermark: tuple[date, date] | None = None
        self._alerts_from: tuple[date, date] | None = None

    @property
    def clock(self) -> Clock | None:
        return self._clock

    def _set_clock(self, clock: Clock) -> None:
        self._clock = clock
        self.store.put("clock", clock)

    def apply(self, m: Message) -> list[Event]:
        """Apply one record. Duplicates (same message and client) change nothing."""
        ctx = self._context(m.received)
        pending = None if m.retour else retours.waiting_retour(ctx, m)
        known = pending or (self._retour_of(m.message_key) if m.client_index else None)
        if known is not None and (known.whole_rejected or known.rejected_lines):
            ctx.not_sent = retours.rejected_units(m, known)  # never counted, not undone
        if m.retour:  # a retour again changes nothing by itself: the first one counts
            heen_key = m.heen_key or m.message_key
            before = self._retour_of(heen_key)
            events = retours.on_retour(ctx, m)
            reached = _reached(m, before)
            after = self._after_retour(ctx, heen_key, reached)
            if not self.publish:
                return events + (after or [])
            events = self._stamped(events, heen_key)
            # a rejecting retour changed the chains, perhaps a trajectory's record with no
            # other event (a request not sent): the live topic gets the record as it is
            return events if after is None else self._published(events + after, heen_key,
                                                                reached)
        if m.client is None:  # a 319: no chain to remember it in
            seen = f"s/{m.message_key}#{m.client_index}"
            if self.store.get(seen) is not None:
                return []
            self.store.put(seen, True)
            events = requests.on_319(ctx, m)
            key = requests.request_chain(ctx, m)
        else:
            chain_events = self._chain_work(ctx, m)
            if chain_events is None:
                return []  # a duplicate
            events, key = chain_events, chain_key(m)
        met = retours.on_heen(ctx, m, key, pending)  # its retour read before it, if any
        events += self._stamped(met, m.message_key) if met and self.publish else met
        events += self._after_retour(ctx, m.message_key, (key,) if key else ()) or []
        return self._published(events, m.message_key) if self.publish else events

    def _retour_of(self, heen_key: str) -> retours.Retour | None:
        """The retour a heenbericht has (2.x: an earlier client's record met it)."""
        heen: retours.Heen | None = self.store.get(f"h/{heen_key}")
        return heen.retour if heen is not None else None

    def _stamped(self, events: list[Event], heen_key: str) -> list[Event]:
        """Live: a retour's link and alerts name the trajectory of its heenbericht, as it
        stands then (product.md §3: a retour joins its heenbericht's trajectory). A replay
        looks every id up again in its final state, and skips this."""
        heen: retours.Heen | None = self.store.get(f"h/{heen_key}")
        chain: Chain | None = self.store.get(f"c/{heen.chains[0]}") if (
            heen is not None and heen.chains) else None
        if chain is None:
            return events
        tid = trajectories.trajectory_for(chain, heen_key)
        return [replace(e, trajectory_id=tid) if tid and isinstance(e, UnitLinked | Alert)
                and e.trajectory_id is None else e for e in events]

    def _published(self, events: list[Event], heen_key: str | None,
                   only: tuple[str, ...] | None = None) -> list[Event]:
        """Live: the records of the trajectories that changed in the chains the message
        reached (`only` those, else all of the heenbericht's), in place of the membership
        events."""
        heen: retours.Heen | None = self.store.get(f"h/{heen_key}")
        out: list[Event] = [e for e in events if not isinstance(e, TrajectoryUpdated)]
        for key in (heen.chains if only is None else only) if heen is not None else ():
            chain: Chain | None = self.store.get(f"c/{key}")
            changed = [] if chain is None else outputs.published(chain)
            if changed:
                out += changed
                self.store.put(f"c/{key}", chain)
        return out

    def _after_retour(self, ctx: Context, heen_key: str,
                      only: tuple[str, ...] | None) -> list[Event] | None:
        """What a rejecting retour means for the chains of its heenbericht (or for `only`,
        the chain a record of the heenbericht just reached), once heen and retour have
        met: a 2.x 316 rejection code answers a request; other codes make units "not
        sent". None when there is nothing of the kind (no chain was looked at)."""
        heen: retours.Heen | None = self.store.get(f"h/{heen_key}")
        if heen is None or heen.retour is None:
            return None
        r = heen.retour
        if not (r.whole_rejected or r.rejected_lines or r.refused_lines):
            return None
        events: list[Event] = []
        for key in heen.chains if only is None else only:
            chain: Chain | None = self.store.get(f"c/{key}")
            if chain is None:
                continue
            found: list[Event] = []
            units = retourlines.in_chain(chain, heen_key)
            if heen.msg == "315" and r.refused_lines:  # only the lines it refused
                refused = retourlines.line_keys(r.refused_lines, heen_key, chain.client, units)
                found += requests.answer_316(ctx, chain, r.key, r.received, refused)
            rejected = retourlines.line_keys(r.rejected_lines, heen_key, chain.client, units)
            found += requests.not_sent(ctx, chain, heen_key, r.whole_rejected, rejected)
            found += self._not_sent(ctx, chain, heen_key, r.whole_rejected, rejected)
            found += bestfit.rematch(ctx, chain)
            found += trajectories.updated(chain)  # a toewijzing not sent is no care
            events += trajectories.stamp(chain, found)
            self.store.put(f"c/{key}", chain)
        return events

    def _not_sent(self, ctx: Context, chain: Chain, heen_key: str, whole: bool,
                  rejected: frozenset[str]) -> list[Event]:
        """A retour with 0001 (or a line code such as 9019) makes the heenbericht, or those
        lines, "considered not sent": still linked, but no start, stop or version, and what
        they settled is open again (product.md §4)."""
        events: list[Event] = []
        hit = [(z, z.counts()) for z in chain.zorg.values() if z.message_key == heen_key
               and not z.not_sent and (whole or z.line_key in rejected)]
        for z, _ in hit:  # all of them first: a correction rejected whole is no line at all
            z.not_sent = True
        for z, counted in hit:
            events += zorg.uncount(ctx, chain, z) + zorg.freed(ctx, chain, z) if counted else []
            events += zorg.unwithdraw(ctx, chain, z) if z.withdrew else []
            events += zorg.released(ctx, chain, z) if z.withdrawn else []
        for t in chain.toewijzingen.values():
            before, first = t.current(), t.first_received
            for v in t.versions:
                if v.message_key == heen_key and (whole or v.line_key in rejected):
                    v.not_sent = True
            if t.current() is not before:  # the version in force changed, or none is left
                events += toewijzingen.changed(ctx, chain, t, before)
                events += zorg_terms.assignment_care(ctx, chain, t.key)
            elif before is not None and t.first_received != first:  # its first 301 went
                ctx.due.add(toewijzingen.start_due(ctx, t, before),
                            f"start_missing|{chain.key}|{t.key}")
            if t.first_received != first:
                events += zorg_terms.rejudge_starts(ctx, chain, {t.key})
        return events

    def _chain_work(self, ctx: Context, m: Message) -> list[Event] | None:
        """The client chain's part of a heenbericht; None when the chain has seen it."""
        assert m.client is not None
        key = chain_key(m)
        chain: Chain | None = self.store.get(f"c/{key}")
        if chain is None:
            chain = Chain(key, m.domain, m.gemeente, m.aanbieder, m.client)
        seen = f"{m.message_key}#{m.client_index}"
        if seen in chain.seen:
            return None
        chain.seen.add(seen)
        if m.msg == "301":
            events, moved = toewijzingen.on_301(ctx, chain, m)
            events += zorg_terms.rejudge_starts(ctx, chain, moved.first) if moved.first else []
            # its Ingangsdatum may have changed, or the 301 that completed the measurement
            for toewijzing in sorted(moved.current | moved.earlier):
                events += zorg_terms.assignment_care(ctx, chain, toewijzing)
            events += zorg.relink(ctx, chain)
            events += requests.relink(ctx, chain)
            events += requests.answer_301(ctx, chain, m)
            events += bestfit.rematch(ctx, chain)
        elif m.msg in ("315", "317"):
            events = requests.on_request(ctx, chain, m)
            events += bestfit.rematch(ctx, chain)
        else:  # starts and stops join their toewijzing's trajectory; membership stays
            events = zorg.on_zorg(ctx, chain, m)
            trajectories.index_lines(chain, m.message_key)
            self.store.put(f"c/{key}", chain)
            return trajectories.stamp(chain, events)
        events += trajectories.updated(chain)
        self.store.put(f"c/{key}", chain)
        return trajectories.stamp(chain, events)

    def observe(self, newest: date, first: date | None = None) -> None:
        """Event time told by the stream's source rather than by a message: the newest
        received date of the whole stream (and the date of its first message). The live
        ingest sends it to every partition, so each partition's clock takes the values the
        one clock of a replay of the same stream takes (product.md §4 Clock)."""
        clock = self.clock
        if clock is None:
            self._context(first or newest)
            clock = self.clock
            assert clock is not None
        if newest > clock.newest:
            self._set_clock(Clock(clock.first, clock.today, newest))

    def watermark(self) -> date | None:
        """Replay's clock: newest received date minus the allowed lateness."""
        clock = self.clock
        if clock is None:
            return None
        memo = self._watermark
        if memo is None or memo[0] != clock.newest:
            lateness = self.terms.allowed_lateness_days
            memo = self._watermark = (clock.newest, shifted(clock.newest, -lateness))
        return memo[1]

    def tick(self, today: date) -> list[Event]:
        """Advance the clock to `today` (never back) and raise what passed its due date by
        the clock: also when it did not move, for what the input before added overdue (a
        message read after the clock passed its due date: product.md §4, after each input
        "raise what has become due")."""
        clock = self.clock
        if clock is None:
            return []
        if today > clock.today:
            self._set_clock(Clock(clock.first, today, clock.newest))
        return self._fire(max(today, clock.today))

    def raise_due(self) -> list[Event]:
        """What passed its due date by the clock as it stands (the live worker, after each
        input: its clock moves on tick records only)."""
        clock = self.clock
        return [] if clock is None else self._fire(clock.today)

    def _fire(self, today: date) -> list[Event]:
        """What passed its due date by `today`, the clock's date, raised."""
        popped = self.due.pop_before(today)
        if not popped:
            return []
        ctx = self._context(None)
        events: list[Event] = []
        for due, token in popped:
            rule, _, subject = token.partition("|")
            if rule in _RETOUR_RULES:
                found = retours.on_due(ctx, rule, subject, due)
                events += self._stamped(found, subject) if self.publish and found else found
            elif rule == "unlinked_319":
                ref, _, message_key = subject.partition("|")
                events += requests.on_unlinked_319_due(ctx, ref, message_key, due)
            elif rule in _CHAIN_RULES:
                key, _, unit = subject.partition("|")
                chain: Chain | None = self.store.get(f"c/{key}")
                if chain is not None:
                    events += trajectories.stamp(chain, _CHAIN_RULES[rule](ctx, chain, unit, due))
                    self.store.put(f"c/{key}", chain)
        return events

    def on_tick(self, tick: Tick, caught_up: bool = False) -> list[Event]:
        """A clock record of the live input (streams/core/ticks.py): the stream's event time
        advances the watermark; a wall-clock date counts only while the partition is
        caught up (product.md §4 Clock: no false "missing" alerts from a backlog)."""
        if tick.newest is not None:
            self.observe(tick.newest, tick.first)
        if tick.finish:
            return self.finish()
        if tick.wall is not None and caught_up and self._current(tick.wall):
            return self.tick(tick.wall)
        watermark = self.watermark()
        return self.tick(watermark) if watermark is not None else []

    def _current(self, wall: date) -> bool:
        """The stream's event time is near the wall clock: traffic as it happens, not an
        archive the worker keeps pace with (whose partners are still on their way in event
        time: a wall date would raise them all missing)."""
        clock = self.clock
        return clock is not None and (wall - clock.newest).days <= self.terms.wall_clock_days

    def finish(self) -> list[Event]:
        """End of a replay: the clock advances to the last received date, so the final
        state does not depend on the allowed lateness (product.md §4)."""
        clock = self.clock
        return [] if clock is None else self.tick(clock.newest)

    def _context(self, received: date | None) -> Context:
        clock = self.clock
        if clock is None:
            assert received is not None
            start = shifted(received, -self.terms.allowed_lateness_days)
            clock = Clock(received, start, received)
            self._set_clock(clock)
        elif received is not None and received > clock.newest:
            clock = Clock(clock.first, clock.today, received)
            self._set_clock(clock)
        memo = self._alerts_from
        if memo is None or memo[0] != clock.first:
            memo = self._alerts_from = (clock.first,
                                        shifted(clock.first, self.terms.alerts_from_days))
        return Context(self.store, self.due, self.calendar, self.terms, self.alerts,
                       clock.today, memo[1])


def _reached(m: Message, before: retours.Retour | None) -> tuple[str, ...] | None:
    """The chains a retour record can change: all of the heenbericht's when it is the
    first record of its retour to meet it (a header code such as 0001 reaches every
    client), else only its own client's, whose lines it names. The records of a 2.x retour
    on many clients then cost each one chain, not all of them (it was cubic)."""
    if before is None or before.key != m.message_key or m.client is None:
        return None
    return (chain_key(m),)
