"""BSN: elfproef, keyed pseudonym, and the clear number never in any output."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from streams.core.bsn import Pseudonymizer, elfproef
from streams.core.decode import ParseContext
from streams.xmlio import XmlDecoder
from tests.conftest import BSN, TEST_KEY, heen, one


@pytest.mark.parametrize(("bsn", "ok"), [
    ("123456782", True), ("111222333", True), ("010000008", True),
    ("123456789", False), ("000000000", False), ("12345678", False), ("12345678a", False),
])
def test_elfproef(bsn: str, ok: bool) -> None:
    assert elfproef(bsn) is ok


def test_pseudonym_is_keyed_hmac_sha256() -> None:
    expected = hmac.new(TEST_KEY, BSN.encode(), hashlib.sha256).hexdigest()
    assert Pseudonymizer(TEST_KEY).pseudonym(BSN) == expected
    assert Pseudonymizer(b"another-key-0123456789").pseudonym(BSN) != expected


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Pseudonymizer(b"short")


def test_eight_digit_bsn_is_zero_padded(decoder: Any) -> None:
    padded = "010000008"
    h = heen("jw", "305")
    h.clients = [(padded[1:], h.clients[0][1])]
    m = one(decoder.parse(h.xml(), "x"))
    assert m.client == Pseudonymizer(TEST_KEY).pseudonym(padded)


def test_no_clear_bsn_anywhere_in_parsed_output(decoder: Any) -> None:
    for msg in ("301", "305", "307", "315", "317"):
        h = heen("wmo", msg)
        out = orjson.dumps(decoder.parse(h.xml(), "x"))
        out += orjson.dumps(decoder.parse(h.retour("R", h.head.dagtekening,
                                                   line_codes={0: ("9019",)}), "r"))
        assert BSN.encode() not in out


def test_the_key_decides_the_pseudonym() -> None:
    xml = heen("jw", "301").xml()
    a = XmlDecoder(ParseContext(Pseudonymizer(b"k" * 16), ZoneInfo("UTC"))).parse(xml, "x")
    b = XmlDecoder(ParseContext(Pseudonymizer(b"j" * 16), ZoneInfo("UTC"))).parse(xml, "x")
    assert one(a).client != one(b).client
