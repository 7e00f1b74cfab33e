"""The compiled encoders: every state and parsed record comes back as it went in, field
by field and type by type, through `codec.dumps`/`loads` and the parser's batches."""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from streams.core.model import Failure, Message
from streams.state import codec
from streams.state.shapes import Shapes

CLASSES = codec._SHAPES.classes  # every class the state store and the parsers encode


def example(tp: Any, seed: int, *, none: bool) -> Any:
    """A value of type `tp`; `none` picks None wherever a field may be None."""
    if is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(*(example(hints[f.name], seed + i, none=none)
                    for i, f in enumerate(fields(tp))))
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return args[seed % len(args)]
    if type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return None if none else example(inner, seed, none=none)
    if origin is None:
        return _simple(tp, seed)
    return _collection(origin, args, seed, none=none)


def _collection(origin: Any, args: tuple[Any, ...], seed: int, *, none: bool) -> Any:
    if origin in (set, frozenset):
        return origin({f"s{seed}", f"t{seed}"})
    if origin is dict:
        return {f"k{seed}-{k}": example(args[1], seed + k, none=none) for k in range(2)}
    if origin is tuple and args[1:] != (...,):
        return tuple(example(a, seed + k, none=none) for k, a in enumerate(args))
    return origin(example(args[0], seed + k, none=none) for k in range(2))


def _simple(tp: Any, seed: int) -> Any:
    return {str: f"v{seed}", int: seed + 7, bool: seed % 2 == 0, float: seed + 0.5,
            date: date(2020, 1, 1 + seed % 28),
            datetime: datetime(2021, 3, 28, 1, seed % 60, 5, 123456, tzinfo=UTC)}[tp]


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same type all the way down (a date stays a date, a tuple a tuple)."""
    if type(a) is not type(b):
        return False
    if is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize("none", [False, True], ids=["filled", "nones"])
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_every_record_comes_back_the_same(cls: type, none: bool) -> None:
    value = example(cls, 3, none=none)
    raw = codec.dumps(value)
    assert raw[:1] == b"K"  # compiled, not pickled
    assert same(codec.loads(raw), value)


def test_a_frozen_record_stays_frozen_and_hashable() -> None:
    line = codec.loads(codec.dumps(example(Message, 1, none=False))).lines[0]
    with pytest.raises(AttributeError):
        line.n = 9  # type: ignore[misc]
    assert hash(line) == hash(example(Message, 1, none=False).lines[0])


def test_other_values_are_pickled_and_come_back() -> None:
    for value in [date(2024, 2, 29), "ref", True, 41, {"offsets": [1, 2]},
                  ({"c/x": b"raw", "c/y": None}, [example(Failure, 2, none=False)])]:
        assert same(codec.loads(codec.dumps(value)), value)


def test_a_parser_batch_comes_back_in_order() -> None:
    batch: list[tuple[Any, bytes | None]] = [
        ([example(Message, 1, none=False), example(Message, 2, none=True)], None),
        (example(Failure, 3, none=False), b"<Bericht"),
        ([], None)]
    assert same(codec.load_results(codec.dump_results(batch)), batch)


@dataclass
class _Odd:
    when: complex


def test_a_field_type_without_a_shape_is_refused_when_compiled() -> None:
    with pytest.raises(TypeError, match="complex"):
        Shapes([_Odd])
