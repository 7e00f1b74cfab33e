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

    def __len__(self) -> int: ...


class Rejected(Exception):
    """Raised inside the decoder and turned into a Failure record at its edge."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# Qualified tag → lower-case local name. A pure memo: the set of tags in the standard is
# small (a few hundred per release), and this lookup is the parser's hottest line.
_LOCAL: dict[str, str] = {}
_LOCAL_MAX = 20_000  # a flood of made-up tags cannot grow it without bound


def local(tag: str) -> str:
    """`{ns}Name` → `name` (lower case)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag[tag.rfind("}") + 1 :].lower()
        if len(_LOCAL) < _LOCAL_MAX:
            _LOCAL[tag] = name
    return name


def index(el: Element) -> dict[str, Element]:
    """Children by lower-case local name; the first of a name wins."""
    out: dict[str, Element] = {}
    memo = _LOCAL
    for child in el:
        tag = child.tag
        name = memo.get(tag)
        if name is None:
            if not isinstance(tag, str):  # lxml gives comments a non-str tag
                continue
            name = local(tag)
        if name not in out:
            out[name] = child
    return out


def flat(el: Element) -> dict[str, str]:
    """Leaf texts of `el` by local name, one level of nesting as `parent/child`
    (`product/categorie`, `berichtidentificatie/dagtekening`); the first of a name wins.

    One pass over the children: the cheapest way to read a class of leaves, which is
    what headers and product lines are.
    """
    out: dict[str, str] = {}
    memo = _LOCAL
    for child in el:
        tag = child.tag
        name = memo.get(tag)
        if name is None:
            if not isinstance(tag, str):
                continue
            name = local(tag)
        value = child.text
        if value is not None:
            value = value.strip()
            if value:
                out.setdefault(name, value)
                continue
        for leaf in child:
            ltag = leaf.tag
            lname = memo.get(ltag)
            if lname is None:
                if not isinstance(ltag, str):
                    continue
                lname = local(ltag)
            lvalue = leaf.text
            if lvalue is not None and (lvalue := lvalue.strip()):
                out.setdefault(f"{name}/{lname}", lvalue)
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
