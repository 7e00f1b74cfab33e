"""305/307 lines: what a line names (domain.md §4). By ToewijzingNummer (Product must
match); without one by the 2.x Beschikkingnummer + Product + Ingangsdatum key; else by the
period: same product and a Begindatum inside a current toewijzing of the chain. A 307 also
names the start it stops. Queries only: nothing changes here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from streams.core.chain import Chain, Toewijzing, ZorgLine

TEMPORARY = "20"  # RedenBeeindiging: tijdelijk beëindigd


def _product_fits(t: Toewijzing, z: ZorgLine) -> bool:
    """The line's Product fits the toewijzing's: the version in force, else (every 301 of
    it was not sent, yet it has a number) its newest, so that the link does not depend
    on whether the retour was read first."""
    v = t.current() or max(t.versions, key=lambda v: (v.stamp, v.received, v.line_key),
                           default=None)
    return v is not None and same_product((v.categorie, v.code), (z.categorie, z.code))


def find_toewijzing(chain: Chain, z: ZorgLine) -> tuple[str, str] | None:
    """(toewijzing_key, rule) of the toewijzing this line belongs to, if known yet."""
    if z.nummer:
        t = chain.toewijzingen.get(f"{chain.domain}:{chain.gemeente}:{z.nummer}")
        if t and _product_fits(t, z):
            return t.key, "toewijzingnummer"
        if not z.release.startswith("2."):
            return None  # a number that names nothing yet waits for it
    named = by_beschikking(chain, z)  # 2.x: the Beschikking names it too (product.md §3)
    if named is not None or z.nummer:
        return (named, "beschikking") if named is not None else None
    return _by_period(chain, z)


_RANK = {"periode": 0, "beschikking": 1, "toewijzingnummer": 2}


def stronger_key(chain: Chain, z: ZorgLine) -> tuple[str, str] | None:
    """(toewijzing, rule) that a stronger key of a linked line names now, if any: a 2.x
    line linked by its period or its Beschikking before the 301 it names was read. The
    toewijzing may be the one it has: then only the rule that links it is stronger."""
    if z.toewijzing is None or z.rule not in ("periode", "beschikking"):
        return None
    found = find_toewijzing(chain, z)
    if found is None or _RANK[found[1]] <= _RANK[z.rule]:
        return None
    return found


def by_beschikking(chain: Chain, z: ZorgLine) -> str | None:
    """The toewijzing that a 2.x line's Beschikkingnummer + Product + Ingangsdatum names."""
    if z.beschikking_key:
        for t in chain.toewijzingen.values():
            if t.key == z.beschikking_key or any(
                    v.beschikking_key == z.beschikking_key for v in t.versions):
                return t.key
    return None


def _by_period(chain: Chain, z: ZorgLine) -> tuple[str, str] | None:
    """Fallback: same product, Begindatum inside a current toewijzing (latest start wins)."""
    fits = []
    for t in chain.toewijzingen.values():
        v = t.current()
        if v is None or v.deleted or (v.categorie, v.code) != (z.categorie, z.code):
            continue
        if v.ingangsdatum <= z.begindatum and (v.einddatum is None or z.begindatum <= v.einddatum):
            fits.append((v.ingangsdatum, t.key))
    return (max(fits)[1], "periode") if fits else None


def find_start(chain: Chain, stop: ZorgLine, task_oriented: bool = False) -> ZorgLine | None:
    """The current status-1 start with the same toewijzing + Product + Begindatum (Product
    is optional in 305 and 307: absent on one side, it does not tell them apart). A
    task-oriented stop looks among the task-oriented starts only: a numbered start that
    waits for its toewijzing has no toewijzing yet either."""
    found = [z for z in chain.zorg.values()
             if z.msg == "305" and z.counts() and z.toewijzing == stop.toewijzing
             and z.begindatum == stop.begindatum
             and same_product((z.categorie, z.code), (stop.categorie, stop.code))
             and not (task_oriented and numbered(z))]
    return min(found, key=lambda z: (z.received, z.line_key)) if found else None


def same_product(a: tuple[str | None, str | None], b: tuple[str | None, str | None]
                 ) -> bool:
    """(categorie, code) pairs: a part absent on either side does not tell them apart."""
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def numbered(z: ZorgLine) -> bool:
    """Names a toewijzing (by number or 2.x Beschikking): not task-oriented."""
    return bool(z.nummer or z.beschikking_key)


def early_withdrawal(chain: Chain, z: ZorgLine) -> ZorgLine | None:
    """A status-3 line of another message, received on or after `z`'s day but read
    before it, that withdraws nothing yet and has `z`'s key: `z` is the line it withdraws
    (product.md §1: any order)."""
    return next(waiting(chain, z), None)


def waiting(chain: Chain, z: ZorgLine) -> Iterator[ZorgLine]:
    for w in chain.zorg.values():
        if w.status == "3" and w.withdrew is None and not w.not_sent \
                and w.received >= z.received and w.message_key != z.message_key \
                and w.same_key(z):
            yield w


def stopped(chain: Chain, start: ZorgLine, by: date) -> bool:
    """domain.md §6: a start cannot be deleted after it was stopped (first delete the stop;
    retour 9071): stopped by a stop received on or before `by`, the withdrawal's day."""
    return start.msg == "305" and any(z.msg == "307" and z.counts()
                                      and z.start == start.line_key and z.received <= by
                                      for z in chain.zorg.values())


def restarted(chain: Chain, start: ZorgLine) -> bool:
    """domain.md §6: after a temporary stop (20) only a definitive stop or a new start may
    follow. A start paused and started again (a later start of the same toewijzing and
    product, beginning on or after the pause) is ended by that: it needs no stop of its own."""
    paused = [z.einddatum for z in chain.zorg.values()
              if z.msg == "307" and z.counts() and z.start == start.line_key
              and z.reden == TEMPORARY and z.einddatum is not None]
    if not paused:
        return False
    since = min(paused)
    return any(z.msg == "305" and z is not start and z.counts()
               and z.toewijzing == start.toewijzing and z.begindatum >= since
               and z.begindatum > start.begindatum
               and same_product((z.categorie, z.code), (start.categorie, start.code))
               for z in chain.zorg.values())
