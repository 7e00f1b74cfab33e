"""The 2.x fallback of product.md §3: a request without a usable reference is answered by
"a 301 after the request whose Ingangsdatum fits the requested one, best score wins".

Every request of the chain that is linked this way, and every toewijzing first sent after
it without a reference of its own, form candidate pairs: same product category, an
Ingangsdatum within 31 days of the requested one. A request that its keys answer (a 301
line carrying its reference, or a 316 refusal code on it) takes no score pair, whichever
came first: the keys say what answered it (product.md §3, "a 2.x line rejected by a 316
code links to that 316's message_key"). The best pairs win (the exact product
first, then the nearest date, then the earliest 301), each request and each toewijzing
once. The pairs are made again whenever a 301, a request or a retour changes the chain,
so the answer is the best of all the 301s, not the first one read: the same in any read
order.
"""

from __future__ import annotations

from streams.core.chain import Answer, Chain, Request, Version
from streams.core.context import Context
from streams.core.events import Event
from streams.core.requests import add_answer, by_fit, judge_again

MAX_GAP_DAYS = 31  # requested and assigned Ingangsdatum this far apart still fit


def rematch(ctx: Context, chain: Chain) -> list[Event]:
    """Give each request its best-fitting toewijzing; what changed is linked and judged."""
    fits = [r for r in chain.requests.values() if r.msg == "315" and by_fit(r)]
    if not fits:
        return []
    wanted = _best_pairs(chain, fits)
    events: list[Event] = []
    for r in fits:
        had = next((a for a in r.answers if a.by_fit), None)  # one not sent is none
        want = wanted.get(r.unit)
        if (had.key if had else None) == (want.key if want else None):
            continue
        first, final = r.first_answer(), r.final_answer()
        if had is not None:  # a better pair took its toewijzing, or its 301 was not sent
            r.answers.remove(had)
        if want is not None:
            events += add_answer(ctx, chain, r, want)
        else:
            events += judge_again(ctx, chain, r, first, final)
    return events


def _first_sent(chain: Chain) -> dict[str, Version]:
    """Per toewijzing without a reference: its first 301 line that counts as sent (a
    version sent later, or a snapshot repeating it, is no new answer)."""
    firsts: dict[str, Version] = {}
    for t in chain.toewijzingen.values():
        sent = [v for v in t.versions if not v.not_sent]
        if sent:
            v = min(sent, key=lambda v: (v.received, v.line_key))
            if v.referentie is None:
                firsts[t.key] = v
    return firsts


def _best_pairs(chain: Chain, fits: list[Request]) -> dict[str, Answer]:
    firsts = _first_sent(chain)
    pairs = []
    for r in fits:
        if r.not_sent or any(not a.by_fit and not a.not_sent for a in r.answers):
            continue  # answered by its keys: a 301 by reference, or refused by a 316
        for key, v in firsts.items():
            if v.received < r.received or v.categorie != r.categorie:
                continue
            gap = abs((v.ingangsdatum - r.ingangsdatum).days) if r.ingangsdatum else 365
            if gap <= MAX_GAP_DAYS:
                pairs.append(((v.code != r.code, gap, v.received, v.line_key, r.received,
                               r.unit), r.unit, key, v))
    wanted: dict[str, Answer] = {}
    taken: set[str] = set()
    for _, unit, key, v in sorted(pairs, key=lambda p: p[0]):
        if unit not in wanted and key not in taken:
            taken.add(key)
            wanted[unit] = Answer(v.line_key, "301", v.received, True, key, v.message_key,
                                  by_fit=True)
    return wanted
