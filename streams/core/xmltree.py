"""A read-only view of an XML element tree, whichever library built it.

The core never parses bytes itself (the hardened parser is a shell concern,
streams/xmlio.py); it reads a tree through this protocol. lxml and
xml.etree elements both satisfy it. Names are matched by *local* name,
case-insensitively: releases differ in namespace and in spelling
(Berichtidentificatie / BerichtIdentificatie, Beschikkingnummer / BeschikkingNummer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class Element(Protocol):
    @property
    def tag(self) -> str: ...

    @property
    def text(self) -> str | None: ...

    def __iter__(self) -> Iterator[Element]: ...


class Rejected(Exception):
    """Raised inside the decoder and turned into a Failure record at its edge."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def local(tag: str) -> str:
    """`{ns}Name` → `name` (lower case)."""
    return tag[tag.rfind("}") + 1 :].lower()


def index(el: Element) -> dict[str, Element]:
    """Children by lower-case local name; the first of a name wins."""
    out: dict[str, Element] = {}
    for child in el:
        tag = child.tag
        if isinstance(tag, str):  # lxml gives comments a non-str tag
            out.setdefault(local(tag), child)
    return out


def text(idx: dict[str, Element], name: str) -> str | None:
    """Stripped text of child `name`, None when absent or empty."""
    el = idx.get(name)
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def sub(idx: dict[str, Element], name: str) -> dict[str, Element]:
    """The index of child `name`, empty when absent."""
    el = idx.get(name)
    return index(el) if el is not None else {}


def first(idx: dict[str, Element], *names: str) -> str | None:
    """Text of the first of `names` that is present (spelling variants across releases)."""
    for name in names:
        value = text(idx, name)
        if value is not None:
            return value
    return None
