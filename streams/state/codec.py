"""Encoding of the core's state records and parsed records, fast.

The state store writes about one chain and one heenbericht per input, and the parser
processes send every parsed record to the engine's process. Both go through the
encoders compiled from the records' type hints (streams/state/shapes.py), written with
`marshal`: a chain encodes in a third of the time pickle takes, and decodes faster too.
A value of another type (a dict of offsets, a tuple of changes and outputs) is pickled;
the first byte tells the two apart. Only for the engine's own data: the state directory
is never input, and marshal's format is that of the Python that wrote it (a state
directory belongs to one installation, docs/decisions.md).
"""

from __future__ import annotations

import copyreg
import marshal
import pickle
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

from streams.core import chain, events, model, retours
from streams.core.alerts import Party
from streams.core.engine import Clock
from streams.core.model import Failure, Message, Parsed
from streams.state.shapes import Shapes, dataclasses_of

_STATE_MODULES = (chain, events, model, retours)  # model: records between processes
_SHAPES = Shapes(set().union(*map(dataclasses_of, _STATE_MODULES)) | {Party, Clock})
_MARSHALLED = b"K"  # a pickle starts with b"\x80" (PROTO)


def _tagged() -> tuple[dict[type, Callable[[Any], Any]], dict[str, Callable[[Any], Any]]]:
    """Top-level encoders (value → (tag, fields)) and decoders by tag."""
    encode: dict[type, Callable[[Any], Any]] = {date: lambda d: ("date", d.toordinal())}
    decode: dict[str, Callable[[Any], Any]] = {"date": date.fromordinal}
    for cls, enc in _SHAPES.encode.items():
        tag = f"{cls.__module__.rpartition('.')[2]}.{cls.__qualname__}"
        encode[cls] = _with_tag(tag, enc)
        decode[tag] = _SHAPES.decode[cls]
    return encode, decode


def _with_tag(tag: str, enc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda o: (tag, enc(o))


_ENCODE, _DECODE = _tagged()


def dumps(value: Any) -> bytes:
    encode = _ENCODE.get(type(value))
    if encode is None:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return _MARSHALLED + marshal.dumps(encode(value))


def loads(raw: bytes) -> Any:
    if raw[:1] != _MARSHALLED:
        return pickle.loads(raw)  # our own state (module docstring)
    tag, body = marshal.loads(memoryview(raw)[1:])
    return _DECODE[tag](body)


_enc_message = _SHAPES.encode[Message]
_dec_message = _SHAPES.decode[Message]
_enc_failure = _SHAPES.encode[Failure]
_dec_failure = _SHAPES.decode[Failure]


def dump_results(results: list[tuple[Parsed, bytes | None]]) -> bytes:
    """A batch of parser results (records, and the raw bytes of a failure) as bytes."""
    return marshal.dumps([
        (None, _enc_failure(parsed), raw) if isinstance(parsed, Failure)
        else ([_enc_message(m) for m in parsed], None, raw)
        for parsed, raw in results])


def load_results(blob: bytes) -> list[tuple[Parsed, bytes | None]]:
    return [(_dec_failure(failure), raw) if messages is None
            else ([_dec_message(m) for m in messages], raw)
            for messages, failure, raw in marshal.loads(blob)]


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in fields(cls)]
    get = attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))


def layout() -> str:
    """The stored classes and their fields, in order: state written under another layout
    does not decode (a replay's fingerprint holds this, so such a state is refused)."""
    return repr([(c.__qualname__, [f.name for f in fields(c)]) for c in _SHAPES.classes])


def register() -> None:
    """Pickle the compiled classes the fast way too, where they travel inside a pickled
    value (the live worker's changelog entries) (idempotent)."""
    fast_pickling(*_SHAPES.classes)


def fast_pickling(*classes: type) -> None:
    """Pickle these dataclasses by their fields (units of work between processes)."""
    for cls in classes:
        copyreg.pickle(cls, _reducer(cls))


register()
