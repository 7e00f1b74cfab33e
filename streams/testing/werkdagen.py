"""The generator's own werkdagen calendar (product.md §4), independent of the engine's.

The known answers must not be computed with the code under test, so this is a second,
deliberately plain implementation: Monday–Friday except the holidays of the Algemene
termijnenwet, Easter by the anonymous Gregorian algorithm.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

_DAY = timedelta(days=1)


def easter(year: int) -> date:
    """Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def holidays(year: int) -> frozenset[date]:
    pasen = easter(year)
    koningsdag = date(year, 4, 27)
    if koningsdag.weekday() == 6:  # on a Sunday it moves to the Saturday before
        koningsdag = date(year, 4, 26)
    return frozenset({
        date(year, 1, 1),
        pasen - 2 * _DAY,  # Goede Vrijdag
        pasen + _DAY,  # tweede Paasdag
        koningsdag,
        date(year, 5, 5),  # Bevrijdingsdag: every year under the Algemene termijnenwet
        pasen + 39 * _DAY,  # Hemelvaartsdag
        pasen + 50 * _DAY,  # tweede Pinksterdag
        date(year, 12, 25),
        date(year, 12, 26),
    })


def is_werkdag(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays(d.year)


def due(d: date, n: int) -> date:
    """The n-th werkdag after d (n ≥ 1); n = 0 gives d itself."""
    while n > 0:
        d += _DAY
        if is_werkdag(d):
            n -= 1
    return d


def on_or_after(d: date) -> date:
    """d when it is a werkdag, else the next werkdag."""
    while not is_werkdag(d):
        d += _DAY
    return d


def werkdagen_between(a: date, b: date) -> int:
    """Werkdagen w with a < w ≤ b (negative when b < a), product.md §6."""
    if b < a:
        return -werkdagen_between(b, a)
    count = 0
    d = a
    while d < b:
        d += _DAY
        count += is_werkdag(d)
    return count
