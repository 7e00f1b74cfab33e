"""Which heen lines a retour's line-level codes are about.

domain.md §3: a retour's body repeats the client and its classes. Whether it repeats every
client and line, or only those with a remark, the standard does not say, and a 2.x
message has several clients. So a retour line is named by its client and its content (the
ToewijzingNummer or reference, the Product, the date that keys the line), and found among
the heen lines of that client by content; the same place in the heenbericht breaks a tie,
and is all there is when the retour line carries no content.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from streams.core.chain import Chain
from streams.core.model import Line


def signature(msg: str, nummer: str | None, categorie: str | None, code: str | None,
              day: date | None, *more: str | date | None) -> str:
    """What keys a line of heen type `msg`: the number (a 315: its reference), the
    Product, and its date (301 Ingangsdatum, 305/307 Begindatum); a start or stop also its
    StatusAanlevering, Einddatum and RedenBeeindiging (`more`): a correction's withdrawal
    and its new stop share the rest (domain.md §4: the 307 key holds the Einddatum)."""
    return "|".join(_part(x) for x in (nummer, categorie, code, day, *more))


def _part(value: str | date | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def of_line(msg: str, line: Line) -> str:
    """The signature of a parsed line, heen or retour alike."""
    if msg == "315":
        return signature(msg, line.referentie_aanbieder, line.categorie, line.code,
                         line.toewijzing_ingangsdatum)
    if msg == "301":
        return signature(msg, line.toewijzing_nummer, line.categorie, line.code,
                         line.ingangsdatum)
    return signature(msg, line.toewijzing_nummer, line.categorie, line.code, line.begindatum,
                     line.status_aanlevering, line.einddatum, line.reden_beeindiging)


def named(n: int, client: str | None, sig: str) -> str:
    """A retour line as a retour keeps it: its place, its client, its signature."""
    return f"{n}|{client or ''}|{sig}"


def in_chain(chain: Chain, heen_key: str) -> list[tuple[int, str]]:
    """(n, signature) of the heenbericht's lines that are in this chain (one client)."""
    units: list[tuple[int, str]] = []
    for t in chain.toewijzingen.values():
        parts = t.key.split(":")  # {domain}:{gemeente}:{nummer}; a 2.x fallback key is longer
        nummer = parts[2] if len(parts) == 3 else None
        units += [(_n(v.line_key), signature("301", nummer, v.categorie, v.code, v.ingangsdatum))
                  for v in t.versions if v.message_key == heen_key]
    units += [(_n(z.line_key), signature(z.msg, z.nummer, z.categorie, z.code, z.begindatum,
                                         z.status, z.einddatum, z.reden))
              for z in chain.zorg.values() if z.message_key == heen_key]
    units += [(_n(r.unit), signature("315", r.referentie, r.categorie, r.code, r.ingangsdatum))
              for r in chain.requests.values() if r.msg == "315" and r.message_key == heen_key]
    return units


def line_keys(entries: tuple[str, ...], heen_key: str, client: str | None,
              units: Iterable[tuple[int, str]]) -> frozenset[str]:
    """The line keys of `units` (one client's heen lines) that the retour lines name."""
    units = list(units)
    found: set[int] = set()
    for entry in entries:
        place, who, sig = entry.split("|", 2)
        n = int(place)
        if who and client and who != client:
            continue  # another client's line (2.x)
        want = sig.split("|")
        fits = [k for k, s in units if _fits(want, s.split("|"))] if any(want) else \
            [k for k, _ in units if k == n]
        if fits:
            found.add(n if n in fits else min(fits))
    return frozenset(f"{heen_key}#{k}" for k in found)


def _fits(want: list[str], have: list[str]) -> bool:
    """Every part both sides know agrees (a signature kept in an older state may have
    fewer parts: those it lacks it does not know)."""
    return all(a == b or not a or not b for a, b in zip(want, have, strict=False))


def _n(line_key: str) -> int:
    return int(line_key.rpartition("#")[2])
