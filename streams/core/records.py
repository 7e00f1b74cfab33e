"""Parsed records back from JSON (replay of JSON Lines, the live input topic).

A record is checked field by field against the dataclass it names (`record`: "message" or
"failure"); anything else is an `invalid_record` failure — errors are data, never raised.
"""

from __future__ import annotations

import hashlib
from dataclasses import MISSING, fields
from datetime import date, datetime
from typing import Any

from streams.core.codes import BY_CODE
from streams.core.model import Failure, Line, Message, Omvang, Parsed, RetourCode

_SCALARS: dict[str, type] = {"str": str, "int": int, "bool": bool}


class _Invalid(ValueError):
    pass


def _date(raw: Any) -> date:
    if not isinstance(raw, str):
        raise _Invalid("expected a date")
    return date.fromisoformat(raw)


def _datetime(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise _Invalid("expected a timestamp")
    ts = datetime.fromisoformat(raw)
    if ts.tzinfo is None:
        raise _Invalid("expected a timestamp with a zone")
    return ts


def _convert(kind: str, raw: Any) -> Any:
    optional = kind.endswith(" | None")
    kind = kind.removesuffix(" | None")
    if raw is None:
        if optional:
            return None
        raise _Invalid("may not be null")
    if kind.startswith("tuple["):
        if not isinstance(raw, list):
            raise _Invalid("expected a list")
        inner = kind[len("tuple["):-len(", ...]")]
        return tuple(_convert(inner, item) for item in raw)
    if kind in _NESTED:
        return _build(_NESTED[kind], raw)
    if kind == "date":
        return _date(raw)
    if kind == "datetime":
        return _datetime(raw)
    expected = _SCALARS.get(kind, str)  # Domain, Literal[...]: strings, checked below
    if type(raw) is not expected:
        raise _Invalid(f"expected {expected.__name__}")
    return raw


def _build(cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise _Invalid(f"expected an object for {cls.__name__}")
    values = {}
    for f in fields(cls):
        if f.name not in raw:
            if f.default is not MISSING:  # a field added later: older records lack it
                continue
            raise _Invalid(f"missing field {f.name}")
        try:
            values[f.name] = _convert(str(f.type), raw[f.name])
        except (_Invalid, ValueError) as err:
            raise _Invalid(f"{f.name}: {err}") from None
    return cls(**values)


_NESTED: dict[str, type] = {"Line": Line, "RetourCode": RetourCode, "Omvang": Omvang}


def from_json(raw: Any, source: str, data: bytes) -> Parsed:
    """A decoded JSON value → [Message] or Failure (`data` is the raw line, for the digest)."""
    kind = raw.get("record") if isinstance(raw, dict) else None
    try:
        if kind == "message":
            m: Message = _build(Message, raw)
            if m.domain not in ("jw", "wmo"):
                raise _Invalid("domain: expected jw or wmo")
            _consistent(m)
            return [m]
        if kind == "failure":
            f: Failure = _build(Failure, raw)
            return f
        raise _Invalid('record: expected "message" or "failure"')
    except _Invalid as err:
        return invalid(str(err), source, data)


# what the parser requires of each line (docs/decisions.md, mandatory fields), and the
# engine reads without a second look
_LINE_NEEDS: dict[str, tuple[str, ...]] = {
    "301": ("toewijzing_key", "ingangsdatum"),
    "305": ("begindatum", "status_aanlevering"),
    "307": ("begindatum", "status_aanlevering", "einddatum"),
}


def _consistent(m: Message) -> None:
    """A record's fields agree with each other as the parser makes them: types alone
    let through a 301 that says it is a retour, or a start without a Begindatum, which
    no message can give."""
    mtype = BY_CODE.get(m.code)
    if mtype is None or (mtype.domain, mtype.msg, mtype.is_retour) != (m.domain, m.msg,
                                                                       m.retour):
        raise _Invalid(f"code: {m.code} is no {m.domain} {m.msg}"
                       f"{' retour' if m.retour else ''}")
    if m.retour:
        if m.heen_key is None:
            raise _Invalid("heen_key: a retour names its heenbericht")
        return
    if m.msg != "319" and m.client is None:
        raise _Invalid(f"client: a {m.msg} is about a client")
    if m.msg in ("317", "319") and m.referentie_aanbieder is None:
        raise _Invalid(f"referentie_aanbieder: a {m.msg} has one")
    for line in m.lines:
        for name in _LINE_NEEDS.get(m.msg, ()):
            if getattr(line, name) is None:
                raise _Invalid(f"lines: {name} may not be null in a {m.msg}")


def reported(raw: Any) -> Failure | None:
    """A failure record as `ketenlink parse` writes it (a producer's report of an input it
    could not parse), or None when `raw` is not a valid one."""
    if not isinstance(raw, dict) or raw.get("record") != "failure":
        return None
    try:
        f: Failure = _build(Failure, raw)
    except _Invalid:
        return None
    return f


def invalid(detail: str, source: str, data: bytes) -> Failure:
    return Failure("failure", "invalid_record", detail, source,
                   hashlib.sha256(data).hexdigest(), len(data), None)
