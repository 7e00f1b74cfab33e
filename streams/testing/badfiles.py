"""Deliberately broken files for the rejects path, one per FailureReason we promise.

Each is made from a good message by one precise damage, so the expected reason is certain.
They use their own random stream and BSNs, so asking for bad files does not change the
good ones.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date

from streams.testing.lines import Start
from streams.testing.messages import Heen
from streams.testing.world import Bsns, Domain, release_on
from streams.testing.xmlbuild import Head

REASONS = ("malformed_xml", "forbidden_dtd", "invalid_bsn", "unknown_code", "missing_field")

_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
         b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
         b"<Bericht>&lol2;</Bericht>\n")


class BadFiles:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed * 7919 + 13)
        self._bsns = Bsns(seed + 1_000_003)
        self._n = 0

    def make(self, day: date) -> tuple[str, bytes]:
        """(expected failure reason, bytes), cycling through the reasons."""
        reason = REASONS[self._n % len(REASONS)]
        self._n += 1
        damage: dict[str, Callable[[bytes], bytes]] = {
            "malformed_xml": lambda raw: raw[: len(raw) // 2],
            "forbidden_dtd": lambda raw: _BOMB,
            "invalid_bsn": _break_bsn,
            "unknown_code": lambda raw: re.sub(rb"(BerichtCode>)\d+(<)", rb"\g<1>999\g<2>", raw),
            "missing_field": lambda raw: re.sub(rb"\s*<[^>]*Afzender>[^<]*</[^>]*Afzender>",
                                                b"", raw, count=1),
        }
        return reason, damage[reason](self._good(day))

    def _good(self, day: date) -> bytes:
        domain: Domain = "jw" if self._rng.random() < 0.5 else "wmo"
        head = Head(domain, "305", release_on(day), f"{self._rng.randrange(10**7, 10**8)}",
                    f"{self._rng.randrange(3, 2000):04d}", f"BAD{self._n:07d}", day)
        line = Start("999999", "45" if domain == "jw" else "02", None, day, day)
        return Heen(head, [(self._bsns.next(), [line])]).xml()


def _break_bsn(raw: bytes) -> bytes:
    """Changes the BSN's last digit: a single-digit change always fails the elfproef."""
    def bump(m: re.Match[bytes]) -> bytes:
        digits = m.group(2)
        last = (int(digits[-1:]) + 1) % 10
        return m.group(1) + digits[:-1] + str(last).encode() + m.group(3)

    return re.sub(rb"(Bsn>)(\d{9})(<)", bump, raw, count=1)
