"""Requests and their answers (OP274, OP346): 315 lines and 317s, answered by a 301 or a 319
(and in 2.x rejected by a 316 retour code 8857–8862).

A request meets its answer by ReferentieAanbieder (+ aanbieder, gemeente): every 301 line
that answers carries it, and the 319 (which has no client) finds the request's chain through
the index `ref/{domain}:{gemeente}:{aanbieder}:{ref}`; a 319 that comes first waits under
`q/…`. A 2.x request without a reference is answered by the best-fitting 301 that came after it.
"""

from __future__ import annotations

from datetime import date

from streams.core import trajectories
from streams.core.alerts import Party
from streams.core.chain import Answer, Chain, Request
from streams.core.context import Context
from streams.core.events import Event, UnitLinked, UnitUnlinked
from streams.core.frozen import replace
from streams.core.model import Line, Message
from streams.core.retours import Heen
from streams.core.steps import completing, forget, measure
from streams.core.werkdagen import shifted

IN_ONDERZOEK = "2"  # VerzoekAntwoord


def ref_key(m: Message | Chain, ref: str) -> str:
    return f"{m.domain}:{m.gemeente}:{m.aanbieder}:{ref}"


def on_request(ctx: Context, chain: Chain, m: Message) -> list[Event]:
    """A 315 (one request per line) or a 317 (one request for the whole message)."""
    events: list[Event] = []
    if m.msg == "315":
        new = [Request(ln.line_key, "315", m.message_key, m.received, m.dagtekening,
                       ln.referentie_aanbieder, ln.categorie, ln.code, ln.toewijzing_ingangsdatum,
                       not_sent=ln.line_key in ctx.not_sent, release=m.release)
               for ln in m.lines if ln.status_aanlevering != "3"]
        for w in [ln for ln in m.lines if ln.status_aanlevering == "3"]:
            events += _withdraw(ctx, chain, m, w)
    else:
        new = [_vow(ctx, chain, m)]
    for r in new:  # all of them first: lines under one reference are told apart together
        chain.requests[r.unit] = r
        ctx.due.add(ctx.calendar.due(r.received, ctx.terms.answer),
                    f"request_unanswered|{chain.key}|{r.unit}")
        if r.referentie:
            ctx.store.put(f"ref/{ref_key(chain, r.referentie)}", chain.key)
    for r in new:
        events += link_named(ctx, chain, r) + _earlier_answers(ctx, chain, r)
    return events


def _withdraw(ctx: Context, chain: Chain, m: Message, w: Line) -> list[Event]:
    """2.x 315 lines carry StatusAanlevering (domain.md §3): a status-3 line is no request;
    it withdraws the earlier, unanswered request line with its key (Product +
    ToewijzingIngangsdatum), which is then considered not sent: nothing is awaited."""
    fits = [r for r in chain.requests.values()
            if r.msg == "315" and not r.not_sent and r.received <= m.received and not any(
                not a.not_sent and a.received <= m.received for a in r.answers)
            and r.message_key != m.message_key and (r.categorie, r.code, r.ingangsdatum)
            == (w.categorie, w.code, w.toewijzing_ingangsdatum)]
    if not fits:
        return []
    # of several, the latest received, whichever was read first (as for starts and stops)
    return _never_received(ctx, chain, max(fits, key=lambda r: (r.received, r.unit)))


def _vow(ctx: Context, chain: Chain, m: Message) -> Request:
    """A 317: its Ongewijzigd and TeWijzigen lines name toewijzingen, and link to them once
    they are known; a 317 that links to nothing at due(received, 5) is unlinked (TR355)."""
    r = Request(m.message_key, "317", m.message_key, m.received, m.dagtekening,
                m.referentie_aanbieder, next((ln.categorie for ln in m.lines if ln.categorie),
                                             None), None, None,
                [ln.toewijzing_key for ln in m.lines if ln.toewijzing_key],
                not_sent=m.message_key in ctx.not_sent)
    r.named = {ln.line_key: ln.toewijzing_key for ln in m.lines
               if ln.toewijzing_key and ln.element != "NieuwProduct"}
    ctx.due.add(ctx.calendar.due(m.received, ctx.terms.unlinked),
                f"unlinked_317|{chain.key}|{r.unit}")
    return r


def link_named(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """The named lines of a 317 whose toewijzing is known now."""
    events: list[Event] = []
    for line_key, key in r.named.items():
        if key in chain.toewijzingen and line_key not in chain.links:
            chain.links[line_key] = UnitLinked(line_key, "line", key, None, "toewijzingnummer")
            events += [chain.links[line_key],
                       *ctx.alerts.resolve("unlinked", r.unit, ctx.today)]
    return events


def relink(ctx: Context, chain: Chain) -> list[Event]:
    """After a 301: 317 lines that waited for their toewijzing."""
    return [e for r in list(chain.requests.values()) if r.named
            for e in link_named(ctx, chain, r)]


def on_unlinked_317_due(ctx: Context, chain: Chain, unit: str, due: date) -> list[Event]:
    """TR355: a 317 that names no known toewijzing and has no answer."""
    r = chain.requests.get(unit)
    if r is None or r.not_sent or r.answers or any(line in chain.links for line in r.named):
        return []  # one its retour rejected is considered not sent: nothing to link
    return ctx.alerts.raise_("unlinked", unit, chain.party(unit), due, ctx.today,
                             ctx.alerts_from)


def _earlier_answers(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """Answers that arrived before the request: 301 lines in the chain, waiting 319s."""
    events: list[Event] = []
    for t in chain.toewijzingen.values():
        for v in t.versions:
            if r.referentie and v.referentie == r.referentie and r in _of_product(
                    [q for q in chain.requests.values() if q.referentie == r.referentie],
                    v.categorie, v.code, v.ingangsdatum):
                events += add_answer(ctx, chain, r, Answer(
                    v.line_key, "301", v.received, True, t.key, v.message_key, v.not_sent))
    if r.referentie and not r.not_sent:
        events += _sent_again(ctx, chain, r)
    if r.referentie:
        waiting: list[Message] = ctx.store.get(f"q/{ref_key(chain, r.referentie)}") or []
        ctx.store.delete(f"q/{ref_key(chain, r.referentie)}")
        for m in waiting:
            events += on_319_in_chain(ctx, chain, m)
    return events


def answer_301(ctx: Context, chain: Chain, m: Message) -> list[Event]:
    """A 301's lines answer the requests whose reference they carry."""
    events: list[Event] = []
    for ln in m.lines:
        assert ln.toewijzing_key is not None
        if ln.referentie_aanbieder:  # without one: the 2.x fallback (bestfit.rematch)
            same = [r for r in chain.requests.values() if r.referentie == ln.referentie_aanbieder]
            for r in _of_product(same, ln.categorie, ln.code, ln.ingangsdatum):
                # an Answer of its own per request: `not_sent` marks each one's judging
                events += add_answer(ctx, chain, r, Answer(
                    ln.line_key, "301", m.received, True, ln.toewijzing_key, m.message_key,
                    ln.line_key in ctx.not_sent))
    return events


def request_chain(ctx: Context, m: Message) -> str | None:
    """The chain of the request a 319 answers, if that request has arrived."""
    assert m.referentie_aanbieder is not None
    chain_key: str | None = ctx.store.get(f"ref/{ref_key(m, m.referentie_aanbieder)}")
    return chain_key


def _of_product(same: list[Request], categorie: str | None, code: str | None,
                ingang: date | None) -> list[Request]:
    """The requests under one reference that a 301 line answers: the best fit among all of
    them, and among those sent, so that one not sent (linked, never judged) cannot take
    the answer from the request sent again under its reference."""
    best = _best_fit(same, categorie, code, ingang)
    sent = [r for r in same if not r.not_sent]
    if len(sent) == len(same) or not sent:
        return best
    chosen = _best_fit(sent, categorie, code, ingang)
    return chosen + [r for r in best if r not in chosen]


def _best_fit(same: list[Request], categorie: str | None, code: str | None,
              ingang: date | None) -> list[Request]:
    """In 3.2 a reference names one request line; in 3.0/3.1 the 315 key was Product +
    ToewijzingIngangsdatum (domain.md §4), so lines could share one: those of the line's
    category, and among them the ones whose code and requested start it meets best (a
    gemeente may assign another code or start than asked: then the category alone). All of
    them when none is of its category. A 317 (one request for the whole VOW) takes every
    line."""
    vows = [r for r in same if r.msg == "317"]
    lines = [r for r in same if r.msg != "317"
             and (r.categorie in (None, categorie) or categorie is None)]
    if not lines:
        return vows or same
    miss = {id(r): (_differ(r.code, code), _differ(r.ingangsdatum, ingang)) for r in lines}
    best = min(miss.values())
    return vows + [r for r in lines if miss[id(r)] == best]


def _differ(asked: object, given: object) -> bool:
    return asked is not None and given is not None and asked != given


def by_fit(r: Request) -> bool:
    """product.md §3: a request without a reference, or a 2.x one (whose 301 may leave the
    optional ReferentieAanbieder out), is answered by the best-fitting 301 line."""
    return not r.referentie or r.release < "3"


def on_319(ctx: Context, m: Message) -> list[Event]:
    """A 319 finds its request's chain through the reference index, or waits for it."""
    assert m.referentie_aanbieder is not None  # the parser refuses a 319 without one
    key = ref_key(m, m.referentie_aanbieder)
    chain_key: str | None = ctx.store.get(f"ref/{key}")
    chain: Chain | None = ctx.store.get(f"c/{chain_key}") if chain_key else None
    if chain is None:
        waiting: list[Message] = ctx.store.get(f"q/{key}") or []
        ctx.store.put(f"q/{key}", [*waiting, m])
        ctx.due.add(ctx.calendar.due(m.received, ctx.terms.unlinked),
                    f"unlinked_319|{key}|{m.message_key}")
        return []
    events = on_319_in_chain(ctx, chain, m) + trajectories.updated(chain)
    ctx.store.put(f"c/{chain.key}", chain)
    return trajectories.stamp(chain, events)


def on_319_in_chain(ctx: Context, chain: Chain, m: Message) -> list[Event]:
    events: list[Event] = []
    final = m.verzoek_antwoord != IN_ONDERZOEK
    heen: Heen | None = ctx.store.get(f"h/{m.message_key}")  # a 319 that waited: its
    rejected = m.message_key in ctx.not_sent or (
        heen is not None and heen.retour is not None and heen.retour.whole_rejected)
    if heen is not None and chain.key not in heen.chains:  # a retour read later finds it
        ctx.store.put(f"h/{heen.key}", replace(heen, chains=(*heen.chains, chain.key)))
    requests = sorted((r for r in chain.requests.values()
                       if r.referentie == m.referentie_aanbieder), key=lambda r: r.not_sent)
    for r in requests:
        if r is requests[0]:  # several lines under one reference (3.0/3.1): the first;
            # a request not sent and sent again under its reference: the one sent again
            link = UnitLinked(m.message_key, "message", r.unit, None, "referentie")
            chain.links[m.message_key] = link
            events += [link, *ctx.alerts.resolve("unlinked", m.message_key, ctx.today)]
        events += _answer_319(ctx, chain, r, Answer(m.message_key, "319", m.received, final,
                                                    m.message_key, m.message_key, rejected))
    return events


def _answer_319(ctx: Context, chain: Chain, r: Request, answer: Answer) -> list[Event]:
    events = add_answer(ctx, chain, r, answer)
    if not answer.final and not answer.not_sent:  # OP274/OP346: decided within 8 weeks
        ctx.due.add(_undecided_due(ctx, r), f"request_undecided|{chain.key}|{r.unit}")
    return events


def _sent_again(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """A request sent again under the reference of one its retour rejected: the 319s read
    before it answered the one not sent; they answer this one, and link to it (in any
    read order, as when it came first)."""
    events: list[Event] = []
    for q in [q for q in chain.requests.values()
              if q is not r and q.not_sent and q.referentie == r.referentie]:
        for a in [a for a in q.answers if a.msg == "319"]:
            events += _answer_319(ctx, chain, r, replace(a))
        for a in [a for a in q.answers if a.msg == "301" and _answers(chain, r, a)]:
            events += add_answer(ctx, chain, r, replace(a))
        events += _relink_319s(chain, q)
    return events


def _answers(chain: Chain, r: Request, a: Answer) -> bool:
    """The 301 line of answer `a` answers request `r` among the sent requests under its
    reference (product.md §3: by ReferentieAanbieder; 3.0/3.1: of its product)."""
    v = next((v for t in chain.toewijzingen.values() for v in t.versions
              if v.line_key == a.key), None)
    same = [q for q in chain.requests.values() if q.referentie == r.referentie]
    return v is not None and r in _of_product(same, v.categorie, v.code, v.ingangsdatum)


def _relink_319s(chain: Chain, q: Request) -> list[Event]:
    """The 319s that link to `q`, a request not sent, link to the request sent again
    under its reference that they answer too, if there is one."""
    events: list[Event] = []
    for a in [a for a in q.answers if a.msg == "319"]:
        link = chain.links.get(a.message_key)
        other = next((o for o in chain.requests.values() if o.referentie == q.referentie
                      and not o.not_sent and any(b.key == a.key for b in o.answers)), None)
        if link is not None and link.target == q.unit and other is not None:
            chain.links[a.message_key] = replace(link, target=other.unit)
            events.append(chain.links[a.message_key])
    return events


def answer_316(ctx: Context, chain: Chain, retour_key: str, received: date,
               lines: frozenset[str]) -> list[Event]:
    """2.x: a 316 rejection code on a request line answers it (rejected)."""
    events: list[Event] = []
    for unit in sorted(lines):
        r = chain.requests.get(unit)
        if r is not None:
            events += add_answer(ctx, chain, r, Answer(retour_key, "316", received, True,
                                                       retour_key, retour_key))
    return events


def not_sent(ctx: Context, chain: Chain, heen_key: str, whole: bool,
             rejected: frozenset[str]) -> list[Event]:
    """product.md §4: a 301 or 319 whose retour rejects it (0001, or a line-level code on
    the line) stays linked but is no answer: the request is judged again without it. A
    request so rejected awaits no answer."""
    events: list[Event] = []
    for r in chain.requests.values():
        if r.message_key == heen_key and not r.not_sent and (
                whole or (r.msg == "315" and r.unit in rejected)):
            events += _never_received(ctx, chain, r)
        hit = [a for a in r.answers if a.message_key == heen_key and not a.not_sent
               and (whole or a.key in rejected)]
        if hit:
            first, final = r.first_answer(), r.final_answer()
            for a in hit:
                a.not_sent = True
            events += judge_again(ctx, chain, r, first, final)
    return events


def _never_received(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """domain.md §3: a request its retour rejects (0001, or a code on its line such as
    9374) counts as not sent: the gemeente never had it, so no answer is awaited, and one
    that comes (to the request sent again under the same reference) is not measured or
    judged for it."""
    r.not_sent = True
    events = [e for rule in ("request_unanswered", "request_answered_late",
                             "request_undecided", "unlinked")
              for e in ctx.alerts.resolve(rule, r.unit, ctx.today)]
    events += forget(ctx, chain, "request_answer", r.unit)
    again = [o for o in chain.requests.values()  # sent again, and read before: the
             if o.referentie and o.referentie == r.referentie and not o.not_sent]
    for o in again:  # answers read meanwhile are its own (this relinks r's 319s too)
        events += _sent_again(ctx, chain, o)
    return events + ([] if again else _relink_319s(chain, r))


def judge_again(ctx: Context, chain: Chain, r: Request, first: Answer | None,
                final: Answer | None) -> list[Event]:
    """After answers turned out not sent, or the 2.x fallback took its answer away: the
    request's first and final answer anew."""
    events = _link(chain, r)
    now = r.first_answer()
    if now is None:  # unanswered again: judged when due (at once if that has passed);
        # the late answer that raised answered_late does not count (product.md §4)
        events += ctx.alerts.resolve("request_answered_late", r.unit, ctx.today)
        ctx.due.add(ctx.calendar.due(r.received, ctx.terms.answer),
                    f"request_unanswered|{chain.key}|{r.unit}")
    elif now is not first:
        events += _judge_first(ctx, chain, r, now)
    events += _measure(ctx, chain, r)
    if final is not None and r.final_answer() is None and now is not None:
        ctx.due.add(_undecided_due(ctx, r),
                    f"request_undecided|{chain.key}|{r.unit}")  # only "in onderzoek" left
    if r.in_onderzoek() is None and r.final_answer() is None:  # the 8 weeks rested on a
        events += ctx.alerts.resolve("request_undecided", r.unit, ctx.today)  # 319 not sent
    return events + _decided(ctx, chain, r)


def add_answer(ctx: Context, chain: Chain, r: Request, answer: Answer) -> list[Event]:
    if any(a.key == answer.key for a in r.answers):
        return []
    first_before = r.first_answer()
    r.answers.append(answer)
    events = _link(chain, r)
    if r.msg == "317" and len(r.answers) == 1:  # it links to something now
        events += ctx.alerts.resolve("unlinked", r.unit, ctx.today)
    first = r.first_answer()
    if first is not None and first is not first_before:
        events += _judge_first(ctx, chain, r, first)
    if not r.not_sent:
        events += _measure(ctx, chain, r)
    if not answer.not_sent:  # the "in onderzoek" read after the final answer, too
        events += _decided(ctx, chain, r)
    return events


def _undecided_due(ctx: Context, r: Request) -> date:
    return shifted(r.dagtekening, ctx.terms.undecided_days)


def _decided(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """OP274/OP346: after a 319 "in onderzoek", a final answer within 8 weeks of the
    request's Dagtekening. One received after that was overdue: `request_undecided` is
    raised (if the clock has not done so yet) and resolved by it, whatever the allowed
    lateness or the read order (product.md §4)."""
    final, waiting = r.final_answer(), r.in_onderzoek()
    if final is None or r.not_sent:
        return []
    due = _undecided_due(ctx, r)
    events: list[Event] = []
    if waiting is not None and waiting.received <= final.received and final.received > due \
            and not ctx.alerts.known("request_undecided", r.unit):  # once, not per answer
        events += ctx.alerts.raise_("request_undecided", r.unit, chain.party(r.unit), due,
                                    ctx.today, ctx.alerts_from)
    return events + ctx.alerts.resolve("request_undecided", r.unit, ctx.today)


def _link(chain: Chain, r: Request) -> list[Event]:
    target = r.link_target() if r.msg == "315" else r.first_sent_or_not()
    if target is None:  # its only answer went to a better-fitting request (2.x)
        return [UnitUnlinked(r.unit)] if chain.links.pop(r.unit, None) else []
    dest = target.target if r.msg == "315" else target.message_key
    link = UnitLinked(r.unit, "line" if r.msg == "315" else "message", dest, None,
                      "score" if target.by_fit else "retour" if target.msg == "316"
                      else "referentie")
    if chain.links.get(r.unit) == link:
        return []
    chain.links[r.unit] = link
    return [link]


def _judge_first(ctx: Context, chain: Chain, r: Request, first: Answer) -> list[Event]:
    if r.not_sent:  # never received: nothing was awaited
        return []
    events = ctx.alerts.resolve("request_unanswered", r.unit, ctx.today)
    due = ctx.calendar.due(r.received, ctx.terms.answer)
    if first.received > due:  # OP274/OP346
        events += ctx.alerts.raise_("request_answered_late", r.unit, chain.party(r.unit), due,
                                    ctx.today, ctx.alerts_from,
                                    late=ctx.calendar.between(due, first.received))
    else:  # an earlier answer read after a late one: the first by received date counts
        events += ctx.alerts.resolve("request_answered_late", r.unit, ctx.today)
    return events


def _measure(ctx: Context, chain: Chain, r: Request) -> list[Event]:
    """product.md §5 request → answer: to the first 301/319 received. A 2.x 316 refusal
    answers the request for the alert rules (§4), but is neither: no figure of its own."""
    answers = [a for a in r.answers if a.msg != "316" and not a.not_sent]
    if r.not_sent or not answers:
        return forget(ctx, chain, "request_answer", r.unit)
    first = min(answers, key=lambda a: (a.received, a.key))
    return measure(ctx, "request_answer", r.unit, ctx.calendar.between(r.received,
                                                                       first.received),
                   "werkdagen", chain.domain, chain.gemeente, chain.aanbieder,
                   completing((first.received, first.message_key),
                              (r.received, r.message_key)))


def on_unanswered_due(ctx: Context, chain: Chain, unit: str, due: date) -> list[Event]:
    """OP274/OP346: any answer (a 319 "in onderzoek" too) by due(received, 5)."""
    return _unless_answered(ctx, chain, unit, due, "request_unanswered", final=False)


def on_undecided_due(ctx: Context, chain: Chain, unit: str, due: date) -> list[Event]:
    """OP274/OP346: a final answer within 8 weeks of the request's Dagtekening."""
    return _unless_answered(ctx, chain, unit, due, "request_undecided", final=True)


def _unless_answered(ctx: Context, chain: Chain, unit: str, due: date, rule: str, *,
                     final: bool) -> list[Event]:
    r = chain.requests.get(unit)
    if r is None or r.not_sent or (r.final_answer() if final else r.first_answer()) is not None:
        return []
    if final and r.in_onderzoek() is None:  # "in onderzoek" not sent: no 8 weeks either
        return []
    return ctx.alerts.raise_(rule, unit, chain.party(unit), due, ctx.today, ctx.alerts_from)


def on_unlinked_319_due(ctx: Context, ref: str, message_key: str, due: date) -> list[Event]:
    """TR355: a 319 whose request is still unknown at due(received, 5)."""
    waiting: list[Message] = ctx.store.get(f"q/{ref}") or []
    for m in waiting:
        if m.message_key == message_key:
            heen: Heen | None = ctx.store.get(f"h/{message_key}")  # its retour: 0001?
            if heen is not None and heen.retour is not None and heen.retour.whole_rejected:
                return []  # considered not sent: nothing to link
            party = Party(m.domain, m.gemeente, m.aanbieder, None)
            return ctx.alerts.raise_("unlinked", message_key, party, due, ctx.today,
                                     ctx.alerts_from)
    return []

