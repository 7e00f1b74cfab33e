"""Werkdagen around weekends and the Algemene termijnenwet holidays."""

from __future__ import annotations

from datetime import date
from typing import Any

import click
import pytest
from click.testing import CliRunner

from streams.app.commands import term_options, terms_from
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.core.werkdagen import Calendar, easter, shifted, termijnenwet_holidays

CAL = Calendar()


@pytest.mark.parametrize(("year", "sunday"), [
    (2020, date(2020, 4, 12)), (2021, date(2021, 4, 4)), (2022, date(2022, 4, 17)),
    (2023, date(2023, 4, 9)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
    (2038, date(2038, 4, 25)),
])
def test_easter(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_holidays_2024() -> None:
    assert sorted(termijnenwet_holidays(2024)) == [
        date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 4, 27),
        date(2024, 5, 5), date(2024, 5, 9), date(2024, 5, 20), date(2024, 12, 25),
        date(2024, 12, 26)]


def test_koningsdag_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    assert date(2025, 4, 26) in termijnenwet_holidays(2025)  # 27 April 2025 is a Sunday
    assert date(2025, 4, 27) not in termijnenwet_holidays(2025)


@pytest.mark.parametrize(("start", "n", "due"), [
    (date(2024, 3, 4), 3, date(2024, 3, 7)),  # Monday + 3 → Thursday
    (date(2024, 3, 7), 3, date(2024, 3, 12)),  # over the weekend
    (date(2024, 3, 9), 1, date(2024, 3, 11)),  # from a Saturday
    (date(2024, 3, 27), 3, date(2024, 4, 3)),  # Goede Vrijdag and tweede Paasdag
    (date(2024, 12, 23), 3, date(2024, 12, 30)),  # Christmas
    (date(2024, 5, 3), 5, date(2024, 5, 13)),  # 5 mei on Sunday, Hemelvaart on Thursday 9th
    (date(2023, 4, 26), 1, date(2023, 4, 28)),  # Koningsdag Thursday 27 April 2023
])
def test_due(start: date, n: int, due: date) -> None:
    assert CAL.due(start, n) == due


def test_werkdagen_between_is_signed_and_excludes_the_start() -> None:
    assert CAL.between(date(2024, 3, 4), date(2024, 3, 11)) == 5
    assert CAL.between(date(2024, 3, 11), date(2024, 3, 4)) == -5
    assert CAL.between(date(2024, 3, 9), date(2024, 3, 10)) == 0
    assert CAL.between(date(2024, 3, 27), date(2024, 4, 3)) == 3


def test_the_calendar_is_configurable() -> None:
    closed = Calendar(extra_holidays=frozenset({date(2024, 3, 5)}))
    assert closed.due(date(2024, 3, 4), 1) == date(2024, 3, 6)
    open_on_5_mei = Calendar(not_holidays=frozenset({date(2025, 5, 5)}))
    assert open_on_5_mei.is_werkdag(date(2025, 5, 5))
    assert not CAL.is_werkdag(date(2025, 5, 5))



def test_the_calendar_is_configuration_of_the_terms() -> None:
    """product.md §4: the calendar is configurable; the engine builds it from its Terms."""
    monday = date(2024, 3, 4)
    plain = Engine(MemoryStore(), MemoryDueIndex()).calendar
    closed = Engine(MemoryStore(), MemoryDueIndex(),
                    terms=Terms(extra_holidays=(date(2024, 3, 5),))).calendar
    assert (plain.due(monday, 3), closed.due(monday, 3)) == (date(2024, 3, 7), date(2024, 3, 8))
    open_easter = Engine(MemoryStore(), MemoryDueIndex(),
                         terms=Terms(not_holidays=(date(2024, 4, 1),))).calendar
    assert open_easter.is_werkdag(date(2024, 4, 1)) and not plain.is_werkdag(date(2024, 4, 1))


def test_terms_and_calendar_come_from_flags_or_the_environment(monkeypatch: Any) -> None:
    got: list[Terms] = []

    @click.command()
    @term_options
    def cmd(**flags: Any) -> None:
        got.append(terms_from(flags))
        assert flags == {}

    monkeypatch.setenv("KETENLINK_EXTRA_HOLIDAYS", "2024-03-05 2024-12-24")
    result = CliRunner().invoke(cmd, ["--term-retour", "4", "--not-holiday", "2024-04-01"])
    assert result.exit_code == 0, result.output
    assert got == [Terms(retour=4, extra_holidays=(date(2024, 3, 5), date(2024, 12, 24)),
                         not_holidays=(date(2024, 4, 1),))]


def _walked(cal: Calendar, a: date, b: date) -> int:
    """The definition, day by day: werkdagen w with a < w ≤ b."""
    if b < a:
        return -_walked(cal, b, a)
    return sum(cal.is_werkdag(date.fromordinal(o))
               for o in range(a.toordinal() + 1, b.toordinal() + 1))


def test_between_counts_what_a_walk_over_the_days_counts() -> None:
    """Counted in closed form; extra closing days (also on a weekend) and days that count
    after all (Paasmaandag here) are the configured calendar's."""
    cal = Calendar(extra_holidays=frozenset({date(2024, 3, 8), date(2024, 3, 9)}),
                   not_holidays=frozenset({date(2024, 4, 1)}))
    start = date(2019, 12, 1).toordinal()
    for a_o in range(start, start + 1600, 13):
        for span in (-400, -31, -7, -1, 0, 1, 2, 5, 6, 9, 30, 365, 800):
            a, b = date.fromordinal(a_o), date.fromordinal(a_o + span)
            assert cal.between(a, b) == _walked(cal, a, b), (a, b)


def test_dates_at_the_ends_of_the_calendar_stop_nothing() -> None:
    """xs:date runs from 0001-01-01 to 9999-12-31 (an open end is sometimes written so):
    due dates hold at the end, and a span of millennia is counted at once."""
    assert CAL.due(date.max, 5) == date.max  # never due
    assert CAL.due(date(9999, 12, 29), 3) == date.max
    assert CAL.between(date(9990, 1, 1), date.max) == _walked(CAL, date(9990, 1, 1), date.max)
    assert CAL.between(date.min, date.max) == (CAL.between(date.min, date(9990, 1, 1))
                                               + CAL.between(date(9990, 1, 1), date.max))
    assert shifted(date.max, 1) == date.max
    assert shifted(date.min, -2) == date.min
    assert shifted(date(2024, 2, 28), 2) == date(2024, 3, 1)
