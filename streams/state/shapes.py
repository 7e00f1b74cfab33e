"""Dataclasses ↔ plain values (tuples, lists, dicts, sets, str, int, None), compiled
from the classes' type hints.

Why: the replay pickles about one chain and one heenbericht per input at its checkpoints,
and reads as many back. Pickle handles every object and every date on its own (a
reducer call, a class reference, a memo entry each): a chain of ~10 records and ~15
dates cost ~45 µs to pickle. The plain values this module makes, written with `marshal`,
cost a fraction of that, because the shape of every field is known in advance: for each
class one encoder and one decoder is generated as Python source, once, from its type
hints — a date field becomes `o.received.toordinal()`, a `dict[str, Version]` field a
dict comprehension over the Version encoder.

A record is a tuple of its fields in declaration order; a decoder passes them to the
class's constructor (for a frozen record, `@record`'s, which sets the slots directly:
streams/core/frozen.py).

Supported field types: str, int, bool, float, None, Literal, date, datetime, the
dataclasses being compiled, and `X | None`, `tuple[X, ...]`, `tuple[X, Y]`, `list[X]`,
`dict[str, X]`, `set[str]`, `frozenset[str]` of those. Anything else is refused when
the class is compiled, so a new field type fails the tests, not a replay.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any

Encode = Callable[[Any], Any]

_PLAIN = (str, int, bool, float, type(None))


class Shapes:
    """Compiled encoders and decoders for a closed set of dataclasses."""

    def __init__(self, classes: Iterable[type]) -> None:
        self.classes = sorted(set(classes), key=_name)
        self._known = set(self.classes)
        source = [self._encoder(c) + self._decoder(c) for c in self.classes]
        scope: dict[str, Any] = {"_fromordinal": date.fromordinal,
                                 "_fromisoformat": datetime.fromisoformat}
        scope |= {_ident(c): c for c in self.classes}
        exec("\n".join(source), scope)  # our own generated source, never input
        self.encode: dict[type, Encode] = {c: scope[f"enc_{_ident(c)}"] for c in self.classes}
        self.decode: dict[type, Encode] = {c: scope[f"dec_{_ident(c)}"] for c in self.classes}

    def _encoder(self, cls: type) -> str:
        hints = typing.get_type_hints(cls)
        items = [self._enc(hints[f.name], f"o.{f.name}", 1) for f in fields(cls)]
        return f"def enc_{_ident(cls)}(o):\n    return ({', '.join(items)},)\n"

    def _decoder(self, cls: type) -> str:
        hints = typing.get_type_hints(cls)
        ident = _ident(cls)
        values = [self._dec(hints[f.name], f"a[{i}]", 1) for i, f in enumerate(fields(cls))]
        return f"def dec_{ident}(a):\n    return {ident}({', '.join(values)})\n"

    def _enc(self, tp: Any, v: str, depth: int) -> str:
        return self._code(tp, v, depth, encode=True)

    def _dec(self, tp: Any, v: str, depth: int) -> str:
        return self._code(tp, v, depth, encode=False)

    def _code(self, tp: Any, v: str, depth: int, *, encode: bool) -> str:
        """A Python expression that encodes (or decodes) the value of expression `v`."""
        leaf = self._leaf(tp, v, encode=encode)
        if leaf is not None:
            return leaf
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (types.UnionType, typing.Union) and type(None) in args and len(args) == 2:
            inner = next(a for a in args if a is not type(None))
            return f"(None if {v} is None else {self._code(inner, v, depth, encode=encode)})"
        if origin is tuple and not (len(args) == 1 or args[1:] == (...,)):
            parts = [self._code(a, f"{v}[{i}]", depth + 1, encode=encode)
                     for i, a in enumerate(args)]
            return f"({', '.join(parts)},)"
        return self._collection(tp, v, depth, encode=encode)

    def _leaf(self, tp: Any, v: str, *, encode: bool) -> str | None:
        if _plain(tp):
            return v
        if tp is date:
            return f"{v}.toordinal()" if encode else f"_fromordinal({v})"
        if tp is datetime:
            return f"{v}.isoformat()" if encode else f"_fromisoformat({v})"
        if tp in self._known:
            return f"{'enc' if encode else 'dec'}_{_ident(tp)}({v})"
        return None

    def _collection(self, tp: Any, v: str, depth: int, *, encode: bool) -> str:
        """list[X], tuple[X, ...], dict[str, X], set[str]: copied only when X is encoded."""
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        x = f"x{depth}"
        if origin in (list, tuple):
            item = self._code(args[0], x, depth + 1, encode=encode)
            kind = "tuple" if origin is tuple else "list"
            return v if item == x else f"{kind}([{item} for {x} in {v}])"
        if origin is dict and args[0] is str:
            item = self._code(args[1], x, depth + 1, encode=encode)
            return v if item == x else f"{{k{depth}: {item} for k{depth}, {x} in {v}.items()}}"
        if origin in (set, frozenset) and _plain(args[0]):
            return v
        raise TypeError(f"no compiled shape for {tp!r}")


def _plain(tp: Any) -> bool:
    return tp in _PLAIN or typing.get_origin(tp) is typing.Literal


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _ident(cls: type) -> str:
    return _name(cls).replace(".", "_")


def dataclasses_of(module: types.ModuleType) -> set[type]:
    """The dataclasses a module defines (not those it imports)."""
    return {c for c in vars(module).values()
            if isinstance(c, type) and is_dataclass(c) and c.__module__ == module.__name__}
