"""`@record` builds the same objects as `@dataclass(frozen=True, slots=True)`."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field, replace
from datetime import date

import pytest

from streams.core.frozen import record
from streams.core.frozen import replace as fast_replace


@record
class Stop:
    line_key: str
    einddatum: date | None
    reden: str | None = "01"
    codes: tuple[str, ...] = ()
    seen: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StopAsDataclass:
    line_key: str
    einddatum: date | None
    reden: str | None = "01"
    codes: tuple[str, ...] = ()
    seen: list[str] = field(default_factory=list)


def as_tuple(o: Stop | StopAsDataclass) -> tuple[object, ...]:
    return (o.line_key, o.einddatum, o.reden, o.codes, o.seen)


@pytest.mark.parametrize(("args", "kwargs"), [
    (("l#0", date(2024, 3, 1)), {}),
    (("l#0", None, "02"), {}),
    (("l#0",), {"einddatum": None, "codes": ("0200",), "seen": ["m"]}),
    ((), {"seen": ["m"], "reden": None, "line_key": "l#1", "einddatum": date(2024, 1, 2)}),
])
def test_the_constructor_takes_what_the_dataclass_takes(
        args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    assert as_tuple(Stop(*args, **kwargs)) == as_tuple(  # type: ignore[arg-type]
        StopAsDataclass(*args, **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "kwargs"), [
    (("l#0",), {}),  # einddatum missing
    (("l#0", None, "02", (), [], "extra"), {}),
    (("l#0", None), {"line_key": "twice"}),
    (("l#0", None), {"unknown": 1}),
])
def test_wrong_arguments_are_refused_as_by_the_dataclass(
        args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        StopAsDataclass(*args, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Stop(*args, **kwargs)  # type: ignore[arg-type]


def test_each_record_gets_its_own_default_from_a_factory() -> None:
    a, b = Stop("l#0", None), Stop("l#1", None)
    a.seen.append("x")
    assert b.seen == []


def test_the_record_stays_frozen_equal_hashable_and_replaceable() -> None:
    stop = Stop("l#0", date(2024, 3, 1), codes=("0200",), seen=[])
    with pytest.raises(FrozenInstanceError):
        stop.reden = "02"  # type: ignore[misc]
    assert stop == Stop("l#0", date(2024, 3, 1), "01", ("0200",), [])
    assert replace(stop, reden="02").reden == "02"
    assert not hasattr(stop, "__dict__")  # slotted
    assert hash(Stop("l#0", None, seen=None)) == hash(  # type: ignore[arg-type]
        Stop("l#0", None, seen=None))  # type: ignore[arg-type]


def test_a_post_init_is_refused_rather_than_skipped() -> None:
    with pytest.raises(TypeError, match="__post_init__"):
        @record
        class Checked:
            n: int

            def __post_init__(self) -> None:
                pass


@pytest.mark.parametrize("changes", [
    {}, {"reden": "02"}, {"einddatum": None, "codes": ("0200", "8001")},
    {"line_key": "l#9", "einddatum": date(2025, 1, 1), "reden": None, "codes": (),
     "seen": ["n"]},
])
def test_replace_gives_what_the_dataclass_replace_gives(changes: dict[str, object]) -> None:
    seen = ["m"]
    stop = Stop("l#0", date(2024, 3, 1), codes=("0200",), seen=seen)
    plain = StopAsDataclass("l#0", date(2024, 3, 1), codes=("0200",), seen=seen)
    new = fast_replace(stop, **changes)
    assert type(new) is Stop
    assert as_tuple(new) == as_tuple(replace(plain, **changes))  # type: ignore[arg-type]
    assert as_tuple(stop) == as_tuple(plain)  # the original as it was
    if "seen" not in changes:
        assert new.seen is seen  # the same list, as dataclasses.replace keeps it


def test_replace_refuses_an_unknown_field_and_takes_other_dataclasses() -> None:
    with pytest.raises(TypeError):
        fast_replace(Stop("l#0", None), unknown=1)
    with pytest.raises(TypeError):
        replace(StopAsDataclass("l#0", None), unknown=1)  # type: ignore[call-arg]
    plain = fast_replace(StopAsDataclass("l#0", None), reden="03")  # no record: the standard
    assert (type(plain), plain.reden) == (StopAsDataclass, "03")
