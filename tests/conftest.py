"""Shared fixtures: a decoder with a fixed test key, schema validators, message makers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from streams.core.bsn import Pseudonymizer
from streams.core.decode import ParseContext
from streams.core.model import Failure, Message
from streams.testing.lines import Aangevraagd, AnyLine, Start, Stop, Toegewezen, Wijziging
from streams.testing.messages import Heen
from streams.testing.xmlbuild import Head, Layout
from streams.xmlio import XmlDecoder

ROOT = Path(__file__).resolve().parent.parent
TEST_KEY = b"test-key-0123456789abcdef"
BSN = "123456782"  # passes the elfproef; a made-up number
BSN2 = "111222333"
GEMEENTE = "0363"
AANBIEDER = "12345678"
D = date(2024, 3, 1)

# (release, layout) families of the archives: 2.3/2.4 in both 2.x layouts, 3.0–3.2
FAMILIES: list[tuple[str, Layout]] = [
    ("2.3", "xsd"), ("2.4", "example"), ("3.0", "xsd"), ("3.1", "xsd"), ("3.2", "xsd"),
]


@pytest.fixture(scope="session")
def decoder() -> XmlDecoder:
    return XmlDecoder(ParseContext(Pseudonymizer(TEST_KEY), ZoneInfo("Europe/Amsterdam")))


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / name).read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture(scope="session")
def valid() -> Any:
    """valid(record): the record as JSON, after checking it against its schema."""
    validators = {"message": _validator("message.schema.json"),
                  "failure": _validator("failure.schema.json")}

    def check(record: Message | Failure) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(orjson.dumps(record))
        validators[data["record"]].validate(data)
        return data

    return check


def head(domain: str, msg: str, release: str = "3.2", layout: Layout = "xsd",
         ident: str = "M1", day: date = D) -> Head:
    sender_is_gemeente = msg in ("301", "319")
    afz, ont = (GEMEENTE, AANBIEDER) if sender_is_gemeente else (AANBIEDER, GEMEENTE)
    return Head(domain, msg, release, afz, ont, ident, day, layout)  # type: ignore[arg-type]


def sample_lines(msg: str, release: str) -> list[AnyLine]:
    """Two realistic lines of the message type (a 319 has none)."""
    x2 = release.startswith("2.")
    besch = "B2020-17" if x2 else None
    if msg == "301":
        return [Toegewezen("1001", "45", "45A48", D, date(2024, 3, 4), date(2024, 12, 31),
                           referentie="REF-1", beschikking=besch),
                Toegewezen("1002", "54", None, D, date(2024, 3, 4), None, beschikking=besch)]
    start = Start("1001", "45", "45A48", date(2024, 3, 4), date(2024, 3, 11), beschikking=besch)
    if msg == "305":
        return [start, Start("1002", "54", None, date(2024, 3, 4), date(2024, 3, 12), "3",
                             beschikking=besch)]
    if msg == "307":
        return [Stop(start, date(2024, 6, 30), "31"), Stop(start, date(2024, 5, 1), "20")]
    if msg == "315":
        return [Aangevraagd("REF-1", "45", "45A48", date(2024, 3, 4), date(2024, 12, 31),
                            beschikking=besch),
                Aangevraagd("REF-2", "54", "54001", date(2024, 4, 1))]
    if msg == "317":
        return [Wijziging("OngewijzigdProduct", "1001"),
                Wijziging("TeWijzigenProduct", "1002", gewenste_ingangsdatum=date(2024, 4, 1),
                          einddatum=date(2024, 9, 30)),
                Wijziging("NieuwProduct", None, "45", "45A49", date(2024, 4, 1))]
    return []


def heen(domain: str, msg: str, release: str = "3.2", layout: Layout = "xsd",
         ident: str = "M1") -> Heen:
    h = Heen(head(domain, msg, release, layout, ident))
    if msg == "319":
        h.antwoord = ("REF-1", "1", "01")
    else:
        h.clients = [(BSN, sample_lines(msg, release))]
    if msg == "317":
        h.verzoek = ("REF-9", "01")
    if release.startswith("2.") and msg == "301":
        h.beschikking = "B2020-17"
    return h


def one(parsed: list[Message] | Failure) -> Message:
    assert isinstance(parsed, list), parsed
    assert len(parsed) == 1
    return parsed[0]
