"""The generator's world: parties, clients, numbering, releases and products.

Everything is derived from the seed and handed out in planning order, so the same
(seed, parameters) always gives the same numbers. Numbers are counters, never random
draws, so they cannot collide: Identificatie per sender per message type (TR056),
ToewijzingNummer per gemeente per domain (OP275), ReferentieAanbieder per aanbieder
per domain (OP361).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from streams.core.frozen import record
from streams.testing.xmlbuild import Layout

Domain = Literal["jw", "wmo"]

# release → first day in force (domain.md §2; 3.2 is the go-live Monday of April 2023)
RELEASES: tuple[tuple[str, date], ...] = (
    ("2.3", date(2019, 4, 1)),
    ("2.4", date(2020, 3, 30)),
    ("3.0", date(2021, 1, 1)),
    ("3.1", date(2022, 4, 4)),
    ("3.2", date(2023, 4, 3)),
)

# (Categorie, product codes) per domain: plausible, not a copy of a real code list
PRODUCTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "jw": (("45", ("45A48", "45A53")), ("43", ("43A31",)), ("54", ("54001", "54002"))),
    "wmo": (("02", ("02A01", "02A07")), ("01", ("01A02",)), ("06", ("06A04",))),
}

# RedenBeeindiging "volgens plan": iJw 31 (JZ588), iWmo 19 (WMO588)
STOP_PLAN = {"jw": "31", "wmo": "19"}
STOP_TEMPORARY = "20"
STOP_CHANGE = "37"  # i.v.m. wijzigingsverzoek, both domains

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
_BSN_SPAN = 90_000_000  # 8-digit prefixes 10000000..99999999
_BSN_STEP = 7_919_071  # coprime to the span: a permutation, so no BSN repeats


def release_on(day: date) -> str:
    """The release in force on a day (big-bang switch-overs)."""
    found = RELEASES[0][0]
    for name, since in RELEASES:
        if day >= since:
            found = name
    return found


def is_3x(release: str) -> bool:
    return release.startswith("3.")


class Bsns:
    """Valid BSNs (elfproef), each handed out once: a permutation of 8-digit prefixes
    with the check digit computed; prefixes whose check digit would be 10 are skipped."""

    def __init__(self, seed: int) -> None:
        self._i = (seed * 104_729) % _BSN_SPAN

    def next(self) -> str:
        while True:
            prefix = str(10_000_000 + (self._i * _BSN_STEP) % _BSN_SPAN)
            self._i += 1
            check = sum(int(c) * w for c, w in zip(prefix, _WEIGHTS, strict=True)) % 11
            if check < 10:  # sum(d_i*w_i) - d9 ≡ 0 (mod 11)
                return prefix + str(check)


@record
class Party:
    code: str
    layout: Layout  # the 2.x layout its software writes


def parties(rng: random.Random, gemeenten: int, aanbieders: int) -> tuple[
        list[Party], list[Party]]:
    """Gemeente codes (4 digits) and AGB codes (8 digits); about a third write the 2.0
    example layout in 2.x, the rest the 2.1 XSD layout."""
    gem = sorted(rng.sample(range(3, 2000), gemeenten))
    agb = sorted(rng.sample(range(10_000_000, 99_999_999), aanbieders))
    return ([Party(f"{g:04d}", "example" if i % 3 == 1 else "xsd") for i, g in enumerate(gem)],
            [Party(f"{a:08d}", "example" if i % 3 == 2 else "xsd") for i, a in enumerate(agb)])


@dataclass(slots=True)
class Numbers:
    """The counters behind every identifier the generator hands out."""

    identificatie: dict[tuple[str, str], int] = field(default_factory=dict)
    toewijzing: dict[tuple[str, str], int] = field(default_factory=dict)
    referentie: dict[tuple[str, str], int] = field(default_factory=dict)
    beschikking: int = 0

    def ident(self, sender: str, msg: str) -> str:
        """Identificatie ≤ 12 characters, unique per sender per message type (TR056)."""
        n = self.identificatie.get((sender, msg), 0) + 1
        self.identificatie[(sender, msg)] = n
        return f"M{msg}{n:07d}"[:12] if n < 10_000_000 else f"{msg}{n}"[:12]

    def toewijzing_nummer(self, domain: str, gemeente: str) -> str:
        n = self.toewijzing.get((domain, gemeente), 0) + 1
        self.toewijzing[(domain, gemeente)] = n
        return str(100_000 + n)

    def referentie_aanbieder(self, domain: str, aanbieder: str) -> str:
        n = self.referentie.get((domain, aanbieder), 0) + 1
        self.referentie[(domain, aanbieder)] = n
        return f"REF{n:08d}"

    def beschikking_nummer(self) -> str:
        self.beschikking += 1
        return str(2_000_000 + self.beschikking)
