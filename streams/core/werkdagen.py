"""Werkdagen: Monday–Friday except the public holidays of the Algemene termijnenwet
(product.md §4). The standard itself defines no werkdag; the terms OP090 (retour in 3
werkdagen), OP271/OP272 (start/stop in 5), OP274/OP346 (answer in 5) count in these.
"""

from __future__ import annotations

from datetime import date, timedelta

_DAY = timedelta(days=1)


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

    def holidays(self, year: int) -> frozenset[date]:
        found = self._years.get(year)
        if found is None:
            found = (termijnenwet_holidays(year) | self._extra) - self._not
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
            end += _DAY
            if self.is_werkdag(end):
                found += 1
        self._due[(day, n)] = end
        return end

    def between(self, a: date, b: date) -> int:
        """Werkdagen w with a < w ≤ b; negative when b < a (product.md §6)."""
        if b < a:
            return -self.between(b, a)
        count, day = 0, a
        while day < b:
            day += _DAY
            count += self.is_werkdag(day)
        return count
