"""Writes realistic iJw/iWmo XML messages for any release (tests, benchmarks, the demo).

Messages are built as small trees of (name, value) pairs and serialised with the
release's namespaces: elements in the message namespace, leaf children of complex
base types (Identificatie, Dagtekening, Categorie, Code, Volume, …) in the basisschema
namespace — as real messages are. Two 2.x layouts exist (domain.md §3): the official
2.1 XSD layout (`xsd`) and the published example layout (`example`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Union

from lxml import etree

from streams.core.codes import BY_DOMAIN_MSG
from streams.core.frozen import record

Node = tuple[str, Union[str, "list[Node]"]]
Layout = Literal["xsd", "example"]

_BASE_PARENTS = frozenset({
    "BerichtIdentificatie", "Berichtidentificatie", "XsdVersie", "XsdVersieRetour", "Product",
    "Omvang", "Geboortedatum", "Naam", "Berichtspecificatie", "Budget",
})
_BASE_LEAVES = frozenset({
    "Identificatie", "Dagtekening", "Tekenset", "BasisschemaXsdVersie", "BerichtXsdVersie",
    "Categorie", "Code", "Versie", "SubVersie", "Volume", "Eenheid", "Frequentie", "Datum",
    "DatumGebruik", "Geslachtsnaam", "Voorvoegsel", "Voornamen", "Voorletters",
})


@record
class Head:
    domain: Literal["jw", "wmo"]
    msg: str  # "301", … (for a retour: "302", …)
    release: str  # "2.3", "2.4", "3.0", "3.1", "3.2"
    afzender: str
    ontvanger: str
    identificatie: str
    dagtekening: date
    layout: Layout = "xsd"  # 2.x only

    @property
    def code(self) -> int:
        return BY_DOMAIN_MSG[(self.domain, self.msg)].code


@record
class RetourHead:
    identificatie: str
    dagtekening: date
    codes: tuple[str, ...] = ()  # header-level codes (0001: whole message rejected)


def namespaces(head: Head) -> tuple[str, str]:
    """(message namespace, basisschema namespace) of the release (domain.md §3)."""
    std = "ijw" if head.domain == "jw" else "iwmo"
    ver = head.release.replace(".", "_")
    name = f"{head.domain}{head.msg}"
    if head.release < "2.3":  # 2.0-2.2 end in a version segment; 2.3 on do not
        return (f"http://www.istandaarden.nl/{std}/{ver}/{name}/schema/{ver}",
                f"http://www.istandaarden.nl/{std}/{ver}/basisschema/schema/{ver}")
    return (f"http://www.istandaarden.nl/{std}/{ver}/{name}/schema",
            f"http://www.istandaarden.nl/{std}/{ver}/basisschema/schema")


def header(head: Head, retour: RetourHead | None = None) -> Node:
    versie, sub = head.release.split(".")
    ident: list[Node] = [("Identificatie", head.identificatie),
                         ("Dagtekening", head.dagtekening.isoformat())]
    if head.release.startswith("2.") and head.layout == "example":
        spec: list[Node] = [("Code", str(head.code)), ("Versie", versie), ("SubVersie", sub)]
        kids: list[Node] = [("Berichtspecificatie", spec), ("Afzender", head.afzender),
                            ("Ontvanger", head.ontvanger),
                            ("Berichtidentificatie", [*ident, ("Tekenset", "UTF-8")])]
    else:
        kids = [("BerichtCode", str(head.code)), ("BerichtVersie", versie),
                ("BerichtSubversie", sub), ("Afzender", head.afzender),
                ("Ontvanger", head.ontvanger), ("BerichtIdentificatie", ident)]
    # Order as in the XSDs: XsdVersie, IdentificatieRetour, DagtekeningRetour, XsltVersie?,
    # XsdVersieRetour, RetourCodes?  (2.x headers have no XsdVersie/XsdVersieRetour)
    x3 = not head.release.startswith("2.")
    xsd: list[Node] = [("BasisschemaXsdVersie", "1.2.0"), ("BerichtXsdVersie", "1.2.0")]
    if x3:
        kids.append(("XsdVersie", xsd))
    if retour is not None:
        kids += [("IdentificatieRetour", retour.identificatie),
                 ("DagtekeningRetour", retour.dagtekening.isoformat())]
        if x3:
            kids += [("XsltVersie", "1.0.0"), ("XsdVersieRetour", xsd)]
        if retour.codes:
            kids.append(retour_codes(retour.codes))
    return ("Header", kids)


def retour_codes(codes: tuple[str, ...]) -> Node:
    return ("RetourCodes", [("RetourCode", c) for c in codes])


@dataclass(slots=True)
class ClientBody:
    """A client with its product lists (and 2.x Beschikking / 317 Verzoek)."""

    bsn: str
    lists: list[Node] = field(default_factory=list)
    beschikking: str | None = None  # 2.x
    verzoek: list[Node] | None = None  # 317
    status_aanlevering: str | None = None  # 2.x example layout: client-level
    codes: tuple[str, ...] = ()  # in a retour: client-level codes

    def node(self, head: Head) -> Node:
        kids: list[Node] = [("Bsn", self.bsn),
                            ("Geboortedatum", [("Datum", "2010-05-17"), ("DatumGebruik", "1")]),
                            ("Geslacht", "1"),
                            ("Naam", [("Geslachtsnaam", "Jansen"), ("Voorletters", "A")])]
        if self.status_aanlevering is not None:
            kids.append(("StatusAanlevering", self.status_aanlevering))
        if self.verzoek is not None:
            kids.append(("Verzoek", self.verzoek))
        if self.beschikking is not None:  # 2.x 301: the lists sit inside the Beschikking
            tag = "Beschikkingnummer" if head.layout == "example" else "BeschikkingNummer"
            kids.append(("Beschikking", [(tag, self.beschikking),
                                         ("Afgiftedatum", "2019-12-01"), *self.lists]))
        else:
            kids.extend(self.lists)
        if self.codes:  # in a retour: RetourCodes is the last child of each class
            kids.append(retour_codes(self.codes))
        return ("Client", kids)


def message(head: Head, clients: list[ClientBody], *, retour: RetourHead | None = None,
            extra: list[Node] | None = None) -> bytes:
    """A whole message. 3.x has exactly one Client; 2.x wraps clients in Clienten (the
    2.3 XSD itself has one Client per message: the `xsd` layout writes that when it can)."""
    body: list[Node] = [header(head, retour)]
    if head.release.startswith("2.") and (head.layout == "example" or len(clients) > 1):
        if clients:
            body.append(("Clienten", [c.node(head) for c in clients]))
    else:
        body.extend(c.node(head) for c in clients[:1])
    body.extend(extra or [])
    return serialise(head, ("Bericht", body))


def serialise(head: Head, root: Node) -> bytes:
    msg_ns, base_ns = namespaces(head)
    prefix = f"{head.domain}{head.msg}"
    nsmap = {prefix: msg_ns, "ijw" if head.domain == "jw" else "iwmo": base_ns}
    el = etree.Element(f"{{{msg_ns}}}{root[0]}", nsmap=nsmap)
    _fill(el, root[1], msg_ns, base_ns, root[0])
    return bytes(etree.tostring(el, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _fill(el: etree._Element, value: str | list[Node], msg_ns: str, base_ns: str,
          name: str) -> None:
    if isinstance(value, str):
        el.text = value
        return
    for child_name, child_value in value:
        base = name in _BASE_PARENTS and child_name in _BASE_LEAVES
        child = etree.SubElement(el, f"{{{base_ns if base else msg_ns}}}{child_name}")
        _fill(child, child_value, msg_ns, base_ns, child_name)


def product(categorie: str | None, code: str | None) -> list[Node]:
    if categorie is None:
        return []
    inner: list[Node] = [("Categorie", categorie)]
    if code is not None:
        inner.append(("Code", code))
    return [("Product", inner)]


def opt(name: str, value: object | None) -> list[Node]:
    """An optional leaf: absent when None; dates written as xs:date."""
    if value is None:
        return []
    return [(name, value.isoformat() if isinstance(value, date) else str(value))]


def omvang(volume: int, eenheid: str = "14", frequentie: str = "2") -> Node:
    return ("Omvang", [("Volume", str(volume)), ("Eenheid", eenheid), ("Frequentie", frequentie)])
