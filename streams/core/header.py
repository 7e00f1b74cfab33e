"""The message header: code, release, parties, identity (domain.md §3).

Two header layouts exist: `BerichtCode`/`BerichtVersie`/`BerichtIdentificatie` (2.1 XSD
and all 3.x) and the 2.0 example layout `Berichtspecificatie(Code, Versie, SubVersie)` /
`Berichtidentificatie(Identificatie, Dagtekening)`. Both are read; local names are
lower-cased by the tree view, so the spelling variants meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from streams.core import codes, keys
from streams.core.codes import MessageType
from streams.core.values import as_date, required
from streams.core.xmltree import Element, Rejected, first, sub, text

_NS_RELEASE = re.compile(r"/(\d)_(\d)/")


@dataclass(frozen=True, slots=True)
class Header:
    type: MessageType
    release: str
    sender: str
    receiver: str
    gemeente: str
    aanbieder: str
    identificatie: str
    dagtekening: date
    message_key: str
    heen_key: str | None
    identificatie_retour: str | None
    dagtekening_retour: date | None


def _code(hdr: dict[str, Element], spec: dict[str, Element]) -> MessageType:
    raw = required(first(hdr, "berichtcode") or text(spec, "code"), "Header/BerichtCode")
    if not raw.isdigit():
        raise Rejected("invalid_value", f"Header/BerichtCode is not a number: {raw[:16]!r}")
    code = int(raw)
    if code in codes.OUT_OF_SCOPE:
        raise Rejected("out_of_scope", f"BerichtCode {code} ({codes.OUT_OF_SCOPE[code]})")
    mtype = codes.BY_CODE.get(code)
    if mtype is None:
        raise Rejected("unknown_code", f"BerichtCode {code} is no iJw/iWmo message")
    return mtype


def _release(hdr: dict[str, Element], spec: dict[str, Element], namespace: str) -> str:
    versie = first(hdr, "berichtversie") or text(spec, "versie")
    sub_versie = first(hdr, "berichtsubversie") or text(spec, "subversie")
    if versie and sub_versie and versie.isdigit() and sub_versie.isdigit():
        return f"{int(versie)}.{int(sub_versie)}"
    found = _NS_RELEASE.search(namespace)
    if found:
        return f"{found.group(1)}.{found.group(2)}"
    raise Rejected("missing_field", "Header/BerichtVersie is absent and the namespace names none")


def decode_header(hdr: dict[str, Element], namespace: str) -> Header:
    spec = sub(hdr, "berichtspecificatie")
    mtype = _code(hdr, spec)
    ident = sub(hdr, "berichtidentificatie")
    sender = required(text(hdr, "afzender"), "Header/Afzender")
    receiver = required(text(hdr, "ontvanger"), "Header/Ontvanger")
    identificatie = required(text(ident, "identificatie"),
                             "Header/BerichtIdentificatie/Identificatie")
    dag = as_date(text(ident, "dagtekening"), "Header/BerichtIdentificatie/Dagtekening")
    if dag is None:
        raise Rejected("missing_field", "Header/BerichtIdentificatie/Dagtekening is absent")
    gemeente, aanbieder = (sender, receiver) if mtype.sender == "gemeente" else (receiver, sender)
    own_key = keys.message_key(mtype.domain, mtype.code, sender, identificatie, dag)
    if not mtype.is_retour:
        return Header(mtype, _release(hdr, spec, namespace), sender, receiver, gemeente,
                      aanbieder, identificatie, dag, own_key, None, None, None)
    # A retour copies the heen header unchanged (no swap) and adds its own identity;
    # its sender is the heen's receiver.
    id_retour = required(_retour_field(hdr, "identificatieretour"), "Header/IdentificatieRetour")
    dag_retour = as_date(_retour_field(hdr, "dagtekeningretour"), "Header/DagtekeningRetour")
    if dag_retour is None:
        raise Rejected("missing_field", "Header/DagtekeningRetour is absent")
    retour_key = keys.message_key(mtype.domain, mtype.code, receiver, id_retour, dag_retour)
    heen_key = keys.message_key(mtype.domain, mtype.code - 1, sender, identificatie, dag)
    return Header(mtype, _release(hdr, spec, namespace), sender, receiver, gemeente, aanbieder,
                  identificatie, dag, retour_key, heen_key, id_retour, dag_retour)


def _retour_field(hdr: dict[str, Element], name: str) -> str | None:
    """IdentificatieRetour/DagtekeningRetour: in the header, or in its identification block."""
    return text(hdr, name) or text(sub(hdr, "berichtidentificatie"), name) or text(
        sub(hdr, "berichtidentificatieretour"), name.removesuffix("retour")
    )
