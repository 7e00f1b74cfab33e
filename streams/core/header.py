"""The message header: code, release, parties, identity (domain.md §3).

Two header layouts exist: `BerichtCode`/`BerichtVersie`/`BerichtIdentificatie` (2.1 XSD
and all 3.x) and the 2.0 example layout `Berichtspecificatie(Code, Versie, SubVersie)` /
`Berichtidentificatie(Identificatie, Dagtekening)`. Both are read; local names are
lower-cased by the tree view, so the spelling variants meet.
"""

from __future__ import annotations

import re
from datetime import date

from streams.core import codes, keys
from streams.core.codes import MessageType
from streams.core.frozen import record
from streams.core.values import as_date, required
from streams.core.xmltree import Element, Rejected, flat

_NS_RELEASE = re.compile(r"/(\d)_(\d)/")


@record
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


def _digits(raw: str) -> bool:
    """A few digits int() takes: "43²" passes isdigit() alone, and int() refuses a string
    of over 4,300 digits (a code or a version has a handful)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 9


def _code(f: dict[str, str]) -> MessageType:
    raw = required(f.get("berichtcode") or f.get("berichtspecificatie/code"),
                   "Header/BerichtCode")
    if not _digits(raw):
        raise Rejected("invalid_value", f"Header/BerichtCode is not a number: {raw[:16]!r}")
    code = int(raw)
    if code in codes.OUT_OF_SCOPE:
        raise Rejected("out_of_scope", f"BerichtCode {code} ({codes.OUT_OF_SCOPE[code]})")
    mtype = codes.BY_CODE.get(code)
    if mtype is None:
        raise Rejected("unknown_code", f"BerichtCode {code} is no iJw/iWmo message")
    return mtype


def _release(f: dict[str, str], namespace: str) -> str:
    versie = f.get("berichtversie") or f.get("berichtspecificatie/versie")
    sub_versie = f.get("berichtsubversie") or f.get("berichtspecificatie/subversie")
    if versie and sub_versie and _digits(versie) and _digits(sub_versie):
        return f"{int(versie)}.{int(sub_versie)}"
    found = _NS_RELEASE.search(namespace)
    if found:
        return f"{found.group(1)}.{found.group(2)}"
    raise Rejected("missing_field", "Header/BerichtVersie is absent and the namespace names none")


def _date(f: dict[str, str], name: str, path: str) -> date:
    value = as_date(f.get(name), path)
    if value is None:
        raise Rejected("missing_field", f"{path} is absent")
    return value


def decode_header(header: Element, namespace: str) -> Header:
    """`header` is the Header element; `namespace` the root's qualified tag (for the release)."""
    f = flat(header)
    mtype = _code(f)
    sender = required(f.get("afzender"), "Header/Afzender")
    receiver = required(f.get("ontvanger"), "Header/Ontvanger")
    identificatie = required(f.get("berichtidentificatie/identificatie"),
                             "Header/BerichtIdentificatie/Identificatie")
    dag = _date(f, "berichtidentificatie/dagtekening", "Header/BerichtIdentificatie/Dagtekening")
    gemeente, aanbieder = (sender, receiver) if mtype.sender == "gemeente" else (receiver, sender)
    release = _release(f, namespace)
    own_key = keys.message_key(mtype.domain, mtype.code, sender, identificatie, dag)
    if not mtype.is_retour:
        return Header(mtype, release, sender, receiver, gemeente, aanbieder, identificatie, dag,
                      own_key, None, None, None)
    # A retour copies the heen header (BerichtCode becomes the retour's; Afzender and
    # Ontvanger are not swapped) and adds its own identity; its sender is the heen's receiver.
    # the retour's identity below the Header, or (some producers) in BerichtIdentificatie
    id_retour = required(f.get("identificatieretour")
                         or f.get("berichtidentificatie/identificatieretour"),
                         "Header/IdentificatieRetour")
    dag_retour = _date(f, "dagtekeningretour" if "dagtekeningretour" in f
                       else "berichtidentificatie/dagtekeningretour", "Header/DagtekeningRetour")
    retour_key = keys.message_key(mtype.domain, mtype.code, receiver, id_retour, dag_retour)
    heen_key = keys.message_key(mtype.domain, mtype.code - 1, sender, identificatie, dag)
    return Header(mtype, release, sender, receiver, gemeente, aanbieder, identificatie, dag,
                  retour_key, heen_key, id_retour, dag_retour)
