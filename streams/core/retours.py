"""Retourberichten (OP090): every heenbericht gets a retour within 3 werkdagen of receipt.

State: `h/{heen key}` → Heen (the heenbericht as far as retours care), and
`p/{heen key}` → Retour while a retour waits for a heenbericht that has not arrived yet.
A 2.x message with several clients arrives as one record per client (product.md §2): the
records of a heenbericht share one Heen, which lists the chain of each client, and the
records of a retour merge into one Retour.
Rules: retour_missing, retour_late, retour_rejected, unlinked (a retour still without its
heenbericht at due(received, 5), TR019); measure: retour_time (told, and kept in `h/`).
"""

from __future__ import annotations

from datetime import date

from streams.core import retourlines
from streams.core.alerts import Party
from streams.core.context import Context
from streams.core.events import Event, StepMeasured, UnitLinked
from streams.core.frozen import record, replace
from streams.core.model import Message
from streams.core.steps import completing
from streams.core.werkdagen import Calendar

ACCEPTED = frozenset({"0200", "0233"})  # no remark / not assessed
WHOLE_MESSAGE_REJECTED = "0001"  # the heenbericht counts as not sent
REQUEST_REFUSED = frozenset({"8857", "8858", "8859", "8860", "8861", "8862"})  # 2.x 316


@record
class Retour:
    key: str
    heen_key: str
    received: date
    rejecting: tuple[str, ...]  # codes other than 0200/0233, in order, once each
    whole_rejected: bool  # 0001 at header level
    # lines a line-level code rejects, named by place, client and content (retourlines)
    rejected_lines: tuple[str, ...]
    party: Party  # from the copied header (and the repeated client, when the body has one)
    refused_lines: tuple[str, ...] = ()  # 2.x 316: request lines refused (8857–8862)


@record
class Heen:
    key: str
    msg: str
    party: Party  # its first client's (alerts on the heenbericht carry one client)
    received: date
    due: date
    retour: Retour | None = None
    chains: tuple[str, ...] = ()  # the chains of its units: one per client, or a 319's


def merged(first: Retour, more: Retour) -> Retour:
    """The records of one retour (one per client in 2.x) as one retour: every code."""
    return replace(first, rejecting=tuple(dict.fromkeys(first.rejecting + more.rejecting)),
                   whole_rejected=first.whole_rejected or more.whole_rejected,
                   rejected_lines=tuple(dict.fromkeys(first.rejected_lines + more.rejected_lines)),
                   refused_lines=tuple(dict.fromkeys(first.refused_lines + more.refused_lines)))


def retour_of(m: Message) -> Retour:
    assert m.heen_key is not None
    rejecting = tuple(dict.fromkeys(c.code for c in m.retour_codes if c.code not in ACCEPTED))
    whole = any(c.code == WHOLE_MESSAGE_REJECTED and c.where.lower() == "header"
                for c in m.retour_codes)  # names are read case-insensitively
    refused = {c.line for c in m.retour_codes if c.line is not None and c.code in REQUEST_REFUSED}
    rejected = {c.line for c in m.retour_codes
                if c.line is not None and c.code not in ACCEPTED} - refused  # refused: answered
    heen_msg = str(int(m.msg) - 1)
    sigs = {ln.n: retourlines.of_line(heen_msg, ln) for ln in m.lines}

    def named(lines: set[int]) -> tuple[str, ...]:
        return tuple(retourlines.named(n, m.client, sigs.get(n, "|||")) for n in sorted(lines))

    return Retour(m.message_key, m.heen_key, m.received, rejecting, whole, named(rejected),
                  party(m), named(refused))


def party(m: Message) -> Party:
    return Party(m.domain, m.gemeente, m.aanbieder, None if m.msg == "319" else m.client)


def retour_link(heen_key: str, retour_key: str) -> UnitLinked:
    return UnitLinked(retour_key, "retour", heen_key, None, "header")


def waiting_retour(ctx: Context, m: Message) -> Retour | None:
    """The retour of heenbericht `m` if it was read before it (and waits under `p/`)."""
    pending: Retour | None = ctx.store.get(f"p/{m.message_key}")
    return pending if pending is not None and answers(party(m), pending) else None


def answers(heen: Party, retour: Retour) -> bool:
    """The retour's copied header names the heenbericht's Ontvanger too. product.md §3
    links by domain, code, Afzender, Ontvanger, Identificatie and Dagtekening; the key
    holds all but the Ontvanger, which the parties tell. A header that names another
    Ontvanger answers nothing known (live, it is not even in the heenbericht's partition)."""
    return (heen.gemeente, heen.aanbieder) == (retour.party.gemeente, retour.party.aanbieder)


def rejected_units(m: Message, r: Retour) -> frozenset[str]:
    """The units of `m` its retour `r` rejects: all of them (0001), or lines by code."""
    if r.whole_rejected:
        return frozenset([m.message_key, *(ln.line_key for ln in m.lines)])
    return retourlines.line_keys(r.rejected_lines, m.message_key, m.client,
                                 [(ln.n, retourlines.of_line(m.msg, ln)) for ln in m.lines])


def on_heen(ctx: Context, m: Message, chain: str | None,
            pending: Retour | None) -> list[Event]:
    """A new heenbericht, or its next client (duplicates are filtered before): wait for its
    retour. `chain`: the chain key of this record's units, if any; `pending`: its retour,
    read before it."""
    known: Heen | None = ctx.store.get(f"h/{m.message_key}")
    if known is not None:  # another client of the same 2.x message (or a reused key,
        # TR056: the retour names the key, so it is one heenbericht): one heenbericht
        if chain is not None and chain not in known.chains:
            ctx.store.put(f"h/{known.key}", replace(known, chains=(*known.chains, chain)))
        return []
    heen = Heen(m.message_key, m.msg, party(m), m.received,
                ctx.calendar.due(m.received, ctx.terms.retour), None,
                () if chain is None else (chain,))
    if pending is None:
        ctx.store.put(f"h/{heen.key}", heen)
        ctx.due.add(heen.due, f"retour_missing|{heen.key}")
        return []
    ctx.store.delete(f"p/{m.message_key}")
    events = ctx.alerts.resolve("unlinked", pending.key, ctx.today)
    return events + _link(ctx, heen, pending)


def on_retour(ctx: Context, m: Message) -> list[Event]:
    retour = retour_of(m)
    heen: Heen | None = ctx.store.get(f"h/{retour.heen_key}")
    if heen is not None and not answers(heen.party, retour):
        heen = None  # another Ontvanger: it waits, and is unlinked when due (TR019)
    pending: Retour | None = None if heen else ctx.store.get(f"p/{retour.heen_key}")
    first = (heen.retour if heen else pending) or retour
    events: list[Event] = []
    if retour.rejecting and first.key == retour.key:  # only the retour that counts; raised
        # raised even when the heenbericht is absent (product.md §4); raised by an earlier
        # client's record, it takes this one's codes too ("codes listed in the alert")
        events += ctx.alerts.raise_(
            "retour_rejected", retour.heen_key, heen.party if heen else retour.party, None,
            ctx.today, ctx.alerts_from, codes=retour.rejecting)
    if heen is None:
        if pending is None:
            ctx.store.put(f"p/{retour.heen_key}", retour)
            ctx.due.add(ctx.calendar.due(retour.received, ctx.terms.unlinked),
                        f"unlinked_retour|{retour.heen_key}")
        elif pending.key == retour.key:  # its next client's record
            ctx.store.put(f"p/{retour.heen_key}", merged(pending, retour))
        return events  # another retour on the same heenbericht: the first one counts
    if heen.retour is None:
        return events + _link(ctx, heen, retour)
    if heen.retour.key == retour.key:  # its next client's record
        ctx.store.put(f"h/{heen.key}", replace(heen, retour=merged(heen.retour, retour)))
    return events  # another retour on the same heenbericht: the first one counts


def _link(ctx: Context, heen: Heen, retour: Retour) -> list[Event]:
    ctx.store.put(f"h/{heen.key}", replace(heen, retour=retour))
    link = retour_link(heen.key, retour.key)  # kept in the heen record, not on its own
    p = heen.party
    # a heenbericht links one retour: always new, and kept in the heen record too
    events: list[Event] = [link, retour_step(ctx.calendar, heen, retour)]
    events += ctx.alerts.resolve("retour_missing", heen.key, ctx.today, fixed_due=heen.due)
    if retour.whole_rejected:  # not sent: a 317 or 319 has nothing to link to (TR355)
        events += ctx.alerts.resolve("unlinked", heen.key, ctx.today)
    if retour.received > heen.due:  # OP090
        late = ctx.calendar.between(heen.due, retour.received)
        events += ctx.alerts.raise_("retour_late", heen.key, p, heen.due, ctx.today,
                                    ctx.alerts_from, late=late)
    return events


def retour_step(calendar: Calendar, heen: Heen, retour: Retour) -> StepMeasured:
    """retour_time (product.md §5): heen received → retour received, in werkdagen. Not kept
    under `t/` like the other steps: the heenbericht's record holds both messages (it is
    written once and never withdrawn), and the replay's output derives it from there."""
    p = heen.party
    return StepMeasured("retour_time", heen.key, calendar.between(heen.received, retour.received),
                        "werkdagen", p.domain, p.gemeente, p.aanbieder,
                        completing((retour.received, retour.key), (heen.received, heen.key)))


def on_due(ctx: Context, rule: str, subject: str, due: date) -> list[Event]:
    if rule == "retour_missing":
        heen: Heen | None = ctx.store.get(f"h/{subject}")
        if heen is None or heen.retour is not None:
            return []
        return ctx.alerts.raise_("retour_missing", subject, heen.party, due, ctx.today,
                                 ctx.alerts_from)
    pending: Retour | None = ctx.store.get(f"p/{subject}")  # unlinked_retour
    if pending is None:
        return []
    # TR019: the retour still links to nothing
    return ctx.alerts.raise_("unlinked", pending.key, pending.party, due, ctx.today,
                             ctx.alerts_from)
