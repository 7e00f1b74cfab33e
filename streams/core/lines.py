"""Product lines (product.md §2): which elements are lines, and what each carries.

Lines are children of the product lists below; the 2.x `Beschikking/BeschiktProduct`
and the nested `Product(Categorie, Code)` blocks are not lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from streams.core import keys
from streams.core.frozen import record
from streams.core.model import Line, Omvang
from streams.core.values import as_code, as_date
from streams.core.xmltree import Element, Rejected, flat, index, local

# list element → line element (lower-case local names)
LISTS: dict[str, str] = {
    "toegewezenproducten": "toegewezenproduct",
    "startproducten": "startproduct",
    "stopproducten": "stopproduct",
    "aangevraagdeproducten": "aangevraagdproduct",
    "producten": "product",  # 2.x 315
    "ongewijzigdeproducten": "ongewijzigdproduct",
    "tewijzigenproducten": "tewijzigenproduct",
    "nieuweproducten": "nieuwproduct",
}
# where lists may sit below a client (2.x 301 may nest them in Beschikking, some producers
# in its BeschiktProduct; 317 in Verzoek)
_DESCEND = frozenset({"beschikking", "verzoek", "beschiktproducten", "beschiktproduct"})
# 305/307/315 write the toewijzing's (requested) start as plain Ingangsdatum in 2.0
_INGANG_IS_TOEWIJZING = frozenset({"305", "307", "315"})
_XS_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_MAX_DIGITS = 18  # the standard's numbers have far fewer; a longer one is no key
_XS_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?",
                      re.ASCII)
# 317 lines that name a current toewijzing (its XSD requires the number)
_NAMING = frozenset({"OngewijzigdProduct", "TeWijzigenProduct"})


@record
class LineContext:
    domain: str
    gemeente: str
    heen_msg: str
    message_key: str
    beschikking_nummer: str | None  # the client's, inherited by lines without one
    status_aanlevering: str | None  # 2.0: client-level, inherited likewise
    strict: bool  # a heenbericht: mandatory fields are enforced; a retour: read as far as it goes
    release: str = "3.2"  # 3.x XSDs require more than the 2.x layouts give


def line_elements(client: Element) -> Iterator[tuple[str, Element]]:
    """Line elements below a client, in document order, with their element name."""
    for child in client:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = local(tag)
        wanted = LISTS.get(name)
        if wanted is not None:
            for line in child:
                ltag = line.tag
                if isinstance(ltag, str) and local(ltag) == wanted:
                    yield ltag[ltag.rfind("}") + 1 :], line
        elif name in _DESCEND:
            yield from line_elements(child)


def _omvang(f: dict[str, str]) -> Omvang | None:
    volume, eenheid = f.get("omvang/volume"), f.get("omvang/eenheid")
    frequentie = f.get("omvang/frequentie")
    if volume is None and eenheid is None and frequentie is None:
        return None
    return Omvang(volume, eenheid, frequentie)


def _retour_codes(el: Element) -> tuple[str, ...]:
    """The line's RetourCodes/RetourCode, or RetourCode elements without the wrapper (read
    the same way at the other levels, streams/core/decode.py)."""
    codes = index(el).get("retourcodes")
    found = codes if codes is not None else (
        c for c in el if isinstance(c.tag, str) and local(c.tag).startswith("retourcode"))
    return tuple(text for c in found if isinstance(c.tag, str) and c.text
                 and (text := c.text.strip()))


def _integer(raw: str | None, path: str, strict: bool) -> str | None:
    """ToewijzingNummer is an xs:integer: `007`, `+7` and `7` are the same toewijzing.
    Anything else refuses a heenbericht; a retour keeps what it echoes."""
    if raw is None or _XS_INTEGER.fullmatch(raw) is None or len(raw) > _MAX_DIGITS:
        if strict and raw is not None:
            raise Rejected("invalid_value", f"{path}/ToewijzingNummer is not an integer of "
                                            f"at most {_MAX_DIGITS} digits: {raw[:16]!r}")
        return raw
    sign = "-" if raw[0] == "-" else ""
    digits = raw.lstrip("+-").lstrip("0")  # as text: int() refuses over 4,300 digits
    return sign + digits if digits else "0"


def _time(raw: str | None, path: str, strict: bool) -> str | None:
    """Toewijzingstijd is an xs:time (it decides which version is in force)."""
    if raw is None or not strict:
        return raw
    hms = _XS_TIME.fullmatch(raw)
    if hms is None or int(hms[1]) > 23 or int(hms[2]) > 59 or int(hms[3]) > 59:
        raise Rejected("invalid_value", f"{path}/Toewijzingstijd is not a time: {raw[:16]!r}")
    return raw


def decode_line(el: Element, element: str, n: int, ctx: LineContext) -> Line:
    f = flat(el)
    path = f"{element}[{n}]"
    categorie, code = f.get("product/categorie"), f.get("product/code")
    ingang = as_date(f.get("ingangsdatum") or f.get("gewensteingangsdatum"),
                     f"{path}/Ingangsdatum")
    toew_ingang = as_date(f.get("toewijzingingangsdatum"), f"{path}/ToewijzingIngangsdatum")
    einde = as_date(f.get("einddatum"), f"{path}/Einddatum")
    toew_einde = as_date(f.get("toewijzingeinddatum"), f"{path}/ToewijzingEinddatum")
    if ctx.heen_msg in _INGANG_IS_TOEWIJZING:
        toew_ingang, ingang = toew_ingang or ingang, None
        if ctx.heen_msg == "315":
            toew_einde, einde = toew_einde or einde, None
    nummer = _integer(f.get("toewijzingnummer"), path, ctx.strict)
    beschikking = f.get("beschikkingnummer") or ctx.beschikking_nummer
    toew_key = keys.toewijzing_key(ctx.domain, ctx.gemeente, nummer) if nummer else None
    besch_key = None
    if beschikking is not None:
        ingang_of_toewijzing = ingang if ctx.heen_msg == "301" else toew_ingang
        besch_key = keys.beschikking_key(
            ctx.domain, ctx.gemeente, beschikking, categorie, code, ingang_of_toewijzing
        )
        if toew_key is None and ctx.heen_msg == "301":
            toew_key = besch_key  # product.md §2: a 2.x 301 line without ToewijzingNummer
    line = Line(
        n=n,
        line_key=keys.line_key(ctx.message_key, n),
        element=element,
        toewijzing_nummer=nummer,
        toewijzing_key=toew_key,
        beschikking_nummer=beschikking,
        beschikking_key=besch_key,
        referentie_aanbieder=f.get("referentieaanbieder"),
        categorie=categorie,
        code=code,
        toewijzingsdatum=as_date(f.get("toewijzingsdatum"), f"{path}/Toewijzingsdatum"),
        toewijzingstijd=_time(f.get("toewijzingstijd"), path, ctx.strict),
        ingangsdatum=ingang,
        einddatum=einde,
        reden_wijziging=as_code(f.get("redenwijziging"), f"{path}/RedenWijziging"),
        toewijzing_ingangsdatum=toew_ingang,
        toewijzing_einddatum=toew_einde,
        begindatum=as_date(f.get("begindatum"), f"{path}/Begindatum"),
        reden_beeindiging=as_code(f.get("redenbeeindiging"), f"{path}/RedenBeeindiging"),
        status_aanlevering=as_code(
            f.get("statusaanlevering") or ctx.status_aanlevering, f"{path}/StatusAanlevering"
        ),
        omvang=_omvang(f),
        retour_codes=() if ctx.strict else _retour_codes(el),
    )
    if ctx.strict:
        _check_mandatory(line, path, ctx.heen_msg)
        if ctx.release >= "3":
            _check_3x(line, path, ctx.heen_msg)
    return line


def _check_3x(line: Line, path: str, msg: str) -> None:
    """What the 3.x XSDs require beyond that (domain.md §3), and the rules read: the 301
    version stamp, the stop's reason (temporary or not; the 3.2 stop key), the number of a
    toewijzing a 317 names. The 2.x layouts are read as they come."""
    required = {"301": (("Toewijzingsdatum", line.toewijzingsdatum),
                        ("Toewijzingstijd", line.toewijzingstijd)),
                "307": (("RedenBeeindiging", line.reden_beeindiging),)}.get(msg, ())
    if msg == "317" and line.element in _NAMING:
        required = (("ToewijzingNummer", line.toewijzing_nummer),)
    for name, value in required:
        if value is None:
            raise Rejected("missing_field", f"{path}/{name} is absent")


def _check_mandatory(line: Line, path: str, msg: str) -> None:
    """What linking cannot do without (the XSDs make these mandatory too)."""
    if msg == "301":
        if line.ingangsdatum is None:
            raise Rejected("missing_field", f"{path}/Ingangsdatum is absent")
        if line.toewijzing_key is None:
            raise Rejected("missing_field", f"{path}/ToewijzingNummer is absent")
    elif msg in ("305", "307"):
        if line.begindatum is None:
            raise Rejected("missing_field", f"{path}/Begindatum is absent")
        if line.status_aanlevering is None:
            raise Rejected("missing_field", f"{path}/StatusAanlevering is absent")
        if msg == "307" and line.einddatum is None:
            raise Rejected("missing_field", f"{path}/Einddatum is absent")
    elif msg == "315" and line.toewijzing_ingangsdatum is None:
        raise Rejected("missing_field", f"{path}/ToewijzingIngangsdatum is absent")


def decode_lines(client: Element, start: int, ctx: LineContext) -> list[Line]:
    """The client's lines, numbered on from `start` (2.x: across the message's clients)."""
    return [
        decode_line(el, element, start + i, ctx)
        for i, (element, el) in enumerate(line_elements(client))
    ]
