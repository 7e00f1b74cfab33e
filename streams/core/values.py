"""Typed reading of leaf values; a bad value is a Rejected with the field's path."""

from __future__ import annotations

import re
from datetime import date

from streams.core.xmltree import Element, Rejected, text

# xs:date: YYYY-MM-DD and an optional zone; not the ISO basic or week forms that
# date.fromisoformat also takes, and nothing after the zone
_XS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)


# Text → date, a pure memo: messages name a few thousand distinct dates, four or five per
# message, and reading one costs a regex match and a parse (3 of the decoder's ~45 µs)
_DATES: dict[str, date] = {}
_DATES_MAX = 50_000  # made-up dates cannot grow it without bound


def as_date(raw: str | None, path: str) -> date | None:
    """xs:date, possibly with a zone suffix (`2024-03-01+01:00`): the date part counts."""
    if raw is None:
        return None
    known = _DATES.get(raw)
    if known is not None:
        return known
    try:
        if _XS_DATE.fullmatch(raw) is None:
            raise ValueError(raw)
        value = date.fromisoformat(raw[:10])
    except ValueError:
        raise Rejected("invalid_value", f"{path} is not a date: {raw[:32]!r}") from None
    if len(_DATES) < _DATES_MAX:
        _DATES[raw] = value
    return value


def required(value: str | None, path: str) -> str:
    if value is None:
        raise Rejected("missing_field", f"{path} is absent")
    return value


def required_date(idx: dict[str, Element], name: str, path: str) -> date:
    value = as_date(text(idx, name), path)
    if value is None:
        raise Rejected("missing_field", f"{path} is absent")
    return value


def as_code(raw: str | None, path: str) -> str | None:
    """A code-list value: digits, kept as written (leading zeros matter: 01, 0200)."""
    if raw is None:
        return None
    if not raw.isdigit() or not raw.isascii():
        raise Rejected("invalid_value", f"{path} is not a code: {raw[:16]!r}")
    return raw
