"""Product lines for the message writer, one dataclass per line kind (domain.md §3).

Each line knows how to write itself for a release and layout; `codes` are the retour
codes it carries when it is repeated inside a retourbericht.
"""

from __future__ import annotations

from datetime import date

from streams.core.frozen import record
from streams.testing.xmlbuild import Head, Node, omvang, opt, product, retour_codes


def _codes(codes: tuple[str, ...]) -> list[Node]:
    return [retour_codes(codes)] if codes else []


def _besch(head: Head, nummer: str | None) -> list[Node]:
    if nummer is None or not head.release.startswith("2."):
        return []
    return opt("Beschikkingnummer" if head.layout == "example" else "BeschikkingNummer", nummer)


@record
class Toegewezen:
    """A 301 line."""

    nummer: str | None
    categorie: str | None
    code: str | None
    toewijzingsdatum: date
    ingangsdatum: date
    einddatum: date | None = None
    toewijzingstijd: str = "09:00:00"
    reden_wijziging: str | None = None
    referentie: str | None = None
    beschikking: str | None = None  # 2.x
    volume: int = 4

    def node(self, head: Head, codes: tuple[str, ...] = ()) -> Node:
        return ("ToegewezenProduct", [
            *opt("ToewijzingNummer", self.nummer), *_besch(head, self.beschikking),
            *opt("ReferentieAanbieder", self.referentie),
            *product(self.categorie, self.code),
            ("Toewijzingsdatum", self.toewijzingsdatum.isoformat()),
            ("Toewijzingstijd", self.toewijzingstijd),
            ("Ingangsdatum", self.ingangsdatum.isoformat()),
            *opt("Einddatum", self.einddatum), *opt("RedenWijziging", self.reden_wijziging),
            omvang(self.volume), *_codes(codes),
        ])


@record
class Start:
    """A 305 line (and, with einddatum and reden, a 307 line: see Stop)."""

    nummer: str | None
    categorie: str | None
    code: str | None
    toewijzing_ingangsdatum: date | None
    begindatum: date
    status: str = "1"
    beschikking: str | None = None

    def _key(self, head: Head) -> list[Node]:
        if head.release.startswith("2.") and head.layout == "example":
            return [*_besch(head, self.beschikking), *product(self.categorie, self.code),
                    *opt("Ingangsdatum", self.toewijzing_ingangsdatum)]
        return [*opt("ToewijzingNummer", self.nummer), *_besch(head, self.beschikking),
                *product(self.categorie, self.code),
                *opt("ToewijzingIngangsdatum", self.toewijzing_ingangsdatum)]

    def node(self, head: Head, codes: tuple[str, ...] = ()) -> Node:
        return ("StartProduct", [*self._key(head), ("Begindatum", self.begindatum.isoformat()),
                                 ("StatusAanlevering", self.status), *_codes(codes)])


@record
class Stop:
    """A 307 line: the start it stops (its key) plus the end."""

    start: Start
    einddatum: date
    reden: str
    status: str = "1"

    def node(self, head: Head, codes: tuple[str, ...] = ()) -> Node:
        return ("StopProduct", [
            *self.start._key(head), ("Begindatum", self.start.begindatum.isoformat()),
            ("RedenBeeindiging", self.reden), ("Einddatum", self.einddatum.isoformat()),
            ("StatusAanlevering", self.status), *_codes(codes),
        ])


@record
class Aangevraagd:
    """A 315 line: AangevraagdProduct (3.x) or Producten/Product (2.x)."""

    referentie: str | None
    categorie: str | None
    code: str | None
    ingangsdatum: date
    einddatum: date | None = None
    beschikking: str | None = None
    volume: int = 4
    status: str | None = None  # 2.x lines may carry StatusAanlevering (3: withdrawn)

    def node(self, head: Head, codes: tuple[str, ...] = ()) -> Node:
        if head.release.startswith("2."):
            return ("Product", [
                *opt("ReferentieAanbieder", self.referentie if head.layout == "xsd" else None),
                *_besch(head, self.beschikking), *product(self.categorie, self.code),
                ("ToewijzingIngangsdatum" if head.layout == "xsd" else "Ingangsdatum",
                 self.ingangsdatum.isoformat()),
                *opt("ToewijzingEinddatum" if head.layout == "xsd" else "Einddatum",
                     self.einddatum),
                omvang(self.volume), *opt("StatusAanlevering", self.status), *_codes(codes),
            ])
        return ("AangevraagdProduct", [
            ("ReferentieAanbieder", self.referentie or ""),
            *product(self.categorie, self.code),
            ("ToewijzingIngangsdatum", self.ingangsdatum.isoformat()),
            *opt("ToewijzingEinddatum", self.einddatum), omvang(self.volume),
            ("Verwijzer", [("Type", "01")]), *_codes(codes),
        ])


@record
class Wijziging:
    """A 317 line: Ongewijzigd (nummer only), TeWijzigen (nummer + wishes), Nieuw (product)."""

    kind: str  # "OngewijzigdProduct" | "TeWijzigenProduct" | "NieuwProduct"
    nummer: str | None = None
    categorie: str | None = None
    code: str | None = None
    gewenste_ingangsdatum: date | None = None
    einddatum: date | None = None

    def node(self, head: Head, codes: tuple[str, ...] = ()) -> Node:
        kids: list[Node] = [*opt("ToewijzingNummer", self.nummer)]
        if self.kind == "NieuwProduct":
            kids += product(self.categorie, self.code)
        if self.kind != "OngewijzigdProduct":
            kids += [*opt("GewensteIngangsdatum", self.gewenste_ingangsdatum),
                     *opt("Einddatum", self.einddatum), omvang(5)]
        return (self.kind, [*kids, *_codes(codes)])


_LIST = {
    "ToegewezenProduct": "ToegewezenProducten", "StartProduct": "StartProducten",
    "StopProduct": "StopProducten", "AangevraagdProduct": "AangevraagdeProducten",
    "Product": "Producten", "OngewijzigdProduct": "OngewijzigdeProducten",
    "TeWijzigenProduct": "TeWijzigenProducten", "NieuwProduct": "NieuweProducten",
}

AnyLine = Toegewezen | Start | Stop | Aangevraagd | Wijziging


def product_lists(head: Head, lines: list[AnyLine],
                  codes: dict[int, tuple[str, ...]] | None = None) -> list[Node]:
    """The lines grouped into their list elements, in order; `codes` by line index."""
    groups: dict[str, list[Node]] = {}
    for i, line in enumerate(lines):
        node = line.node(head, (codes or {}).get(i, ()))
        groups.setdefault(_LIST[node[0]], []).append(node)
    return list(groups.items())
