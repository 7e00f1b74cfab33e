"""Werkdagen: Monday–Friday except the public holidays of the Algemene termijnenwet
(product.md §4). The standard itself defines no werkdag; the terms OP090 (retour in 3
werkdagen), OP271/OP272 (start/stop in 5), OP274/OP346 (answer in 5) count in these.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

_DAY = timedelta(days=1)
_CACHED_YEARS = range(1900, 2200)  # a date far outside (a typo, 9999-12-31) is not kept


def shifted(day: date, days: int) -> date:
    """`day` moved by `days` calendar days, held at the ends of the calendar: xs:date
    allows 0001-01-01 to 9999-12-31 (an open end is sometimes written so), and no date in
    a message may stop the engine (product.md §8)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _weekdays_through(day: date) -> int:
    """Monday–Friday from 0001-01-01 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def termijnenwet_holidays(year: int) -> frozenset[date]:
    """Nieuwjaarsdag, Goede Vrijdag, tweede Paasdag, Koningsdag, 5 mei, Hemelvaartsdag,
    tweede Pinksterdag, eerste en tweede Kerstdag."""
    e = easter(year)
    koningsdag = date(year, 4, 27)
    if koningsdag.weekday() == 6:  # on a Sunday it moves to Saturday the 26th
        koningsdag = date(year, 4, 26)
    return frozenset({
        date(year, 1, 1), e - 2 * _DAY, e + _DAY, koningsdag, date(year, 5, 5),
        e + 39 * _DAY, e + 50 * _DAY, date(year, 12, 25), date(year, 12, 26),
    })


class Calendar:
    """Which days are werkdagen. Configurable: extra closing days, or days that count after all."""

    def __init__(self, extra_holidays: frozenset[date] = frozenset(),
                 not_holidays: frozenset[date] = frozenset()) -> None:
        self._extra = extra_holidays
        self._not = not_holidays
        self._years: dict[int, frozenset[date]] = {}
        self._due: dict[tuple[date, int], date] = {}  # every rule asks for the same few
        self._weekdays_off: dict[int, tuple[date, ...]] = {}

    def holidays(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is None:
            found = (termijnenwet_holidays(year) | self._extra) - self._not
            if year in _CACHED_YEARS:
                self._years[year] = found
        return found

    def is_werkdag(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def due(self, day: date, n: int) -> date:
        """The n-th werkdag after `day` (n ≥ 1); `day` itself never counts."""
        known = self._due.get((day, n))
        if known is not None:
            return known
        found, end = 0, day
        while found < n:
            if end == date.max:
                return end  # past the calendar's end: never due
            end += _DAY
            if self.is_werkdag(end):
                found += 1
        if day.year in _CACHED_YEARS:
            self._due[(day, n)] = end
        return end

    def between(self, a: date, b: date) -> int:
        """Werkdagen w with a < w ≤ b; negative when b < a (product.md §6). Counted, not
        walked: the weekdays, less the holidays on a weekday, so a date centuries off (a
        typo) costs no more than any other."""
        if b < a:
            return -self.between(b, a)
        first, last = self._closed(a.year), self._closed(b.year)
        off = bisect_right(last, b) - bisect_right(first, a)  # within (a, b] of those years
        if a.year != b.year:
            off += len(first) + sum(len(self._closed(y)) for y in range(a.year + 1, b.year))
        return _weekdays_through(b) - _weekdays_through(a) - off

    def _closed(self, year: int) -> tuple[date, ...]:
        """The holidays of `year` on a weekday, sorted (a few dates a year: kept for any)."""
        found = self._weekdays_off.get(year)
        if found is None:
            found = self._weekdays_off[year] = tuple(sorted(
                h for h in self.holidays(year) if h.year == year and h.weekday() < 5))
        return found
