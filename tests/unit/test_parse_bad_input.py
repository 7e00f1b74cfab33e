"""Bad input is data: every class gives a Failure with a precise reason and the digest."""

from __future__ import annotations

import hashlib
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from streams.core.model import Failure
from tests.conftest import BSN, heen

GOOD = heen("jw", "305").xml()
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sample.zip"


def fail(decoder: Any, valid: Any, raw: bytes) -> Failure:
    result = decoder.parse(raw, "bad.xml")
    assert isinstance(result, Failure), result
    data = valid(result)
    assert data["digest"] == hashlib.sha256(raw).hexdigest()
    assert data["size"] == len(raw)
    assert BSN not in data["detail"]
    return result


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Bericht><Header>&lol3;</Header></Bericht>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE b [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Bericht>&xxe;</Bericht>"""


@pytest.mark.parametrize(("raw", "reason"), [
    (b"<Bericht><Header></Bericht>", "malformed_xml"),
    (b"", "malformed_xml"),
    (b"not xml at all", "malformed_xml"),
    (GOOD[: len(GOOD) // 2], "malformed_xml"),  # truncated in transport
    (BILLION_LAUGHS, "forbidden_dtd"),
    (XXE, "forbidden_dtd"),
    ("<?xml version='1.0' encoding='UTF-16'?><Bericht/>".encode("utf-16").replace(
        b"<\x00B", b"<\x00!\x00D\x00O\x00C\x00T\x00Y\x00P\x00E\x00 \x00x\x00>\x00<\x00B", 1),
     "forbidden_dtd"),  # a DOCTYPE hidden in UTF-16
    (GOOD.replace(b"Jansen", "Jans\u00e9n".encode("latin-1")), "bad_encoding"),
    (b"<?xml version='1.0' encoding='no-such-encoding'?><Bericht/>", "bad_encoding"),
    (b"<Foo/>", "not_a_message"),
    (b"<Bericht><Client/></Bericht>", "not_a_message"),
])
def test_unparseable_input(decoder: Any, valid: Any, raw: bytes, reason: str) -> None:
    assert fail(decoder, valid, raw).reason == reason


def test_over_25_mb_is_refused_unparsed(decoder: Any, valid: Any) -> None:
    raw = GOOD + b" " * (25 * 1024 * 1024)
    failure = fail(decoder, valid, raw)
    assert failure.reason == "too_large"
    assert "limit 26214400" in failure.detail


@pytest.mark.parametrize(("old", "new", "reason", "detail"), [
    (b">438<", b">999<", "unknown_code", "BerichtCode 999"),
    (b">438<", b">490<", "out_of_scope", "declaratie"),
    (b">438<", b">abc<", "invalid_value", "BerichtCode"),
    # digits that are no ASCII digits ("43²", a superscript) are refused, never int()ed
    (b">438<", ">43\u00b2<".encode(), "invalid_value", "BerichtCode"),
    (BSN.encode(), f"{BSN[:8]}\u00b2".encode(), "invalid_bsn", "elfproef"),
    (b"<jw305:Afzender>12345678</jw305:Afzender>", b"", "missing_field", "Header/Afzender"),
    (b"<ijw:Dagtekening>2024-03-01</ijw:Dagtekening>", b"", "missing_field", "Dagtekening"),
    (b"<ijw:Dagtekening>2024-03-01<", b"<ijw:Dagtekening>2024-02-30<", "invalid_value",
     "Dagtekening"),
    (f"<jw305:Bsn>{BSN}</jw305:Bsn>".encode(), b"", "missing_field", "Client/Bsn"),
    (BSN.encode(), b"123456789", "invalid_bsn", "elfproef"),
    (b"<jw305:Begindatum>2024-03-11</jw305:Begindatum>", b"", "missing_field",
     "StartProduct[0]/Begindatum"),
    (b"<jw305:Begindatum>2024-03-11<", b"<jw305:Begindatum>11-03-2024<", "invalid_value",
     "StartProduct[0]/Begindatum"),
    # xs:date only: not the ISO basic or week forms, nothing after the zone
    (b"<jw305:Begindatum>2024-03-11<", b"<jw305:Begindatum>20240311<", "invalid_value",
     "StartProduct[0]/Begindatum"),
    (b"<jw305:Begindatum>2024-03-11<", b"<jw305:Begindatum>2024-W11-1<", "invalid_value",
     "StartProduct[0]/Begindatum"),
    (b"<jw305:Begindatum>2024-03-11<", b"<jw305:Begindatum>2024-03-11xyz<", "invalid_value",
     "StartProduct[0]/Begindatum"),
    (b"<jw305:StatusAanlevering>1</jw305:StatusAanlevering>", b"", "missing_field",
     "StartProduct[0]/StatusAanlevering"),
])
def test_invalid_messages(decoder: Any, valid: Any, old: bytes, new: bytes, reason: str,
                          detail: str) -> None:
    raw = GOOD.replace(old, new, 1)
    assert raw != GOOD
    failure = fail(decoder, valid, raw)
    assert (failure.reason, detail in failure.detail) == (reason, True), failure.detail


def test_a_message_without_lines_is_refused(decoder: Any, valid: Any) -> None:
    h = heen("jw", "301")
    h.clients = [(BSN, [])]
    assert fail(decoder, valid, h.xml()).reason == "missing_field"


def test_319_needs_its_reference_and_answer(decoder: Any, valid: Any) -> None:
    h = heen("wmo", "319")
    h.antwoord = ("REF-1", "7", None)
    assert fail(decoder, valid, h.xml()).reason == "invalid_value"


_ODD_VALUES = ["\u00b2", "\u0663", "\uff13", "-1", "9" * 30, "", "  ", "\u200b", "0", "00",
               "+3", "2024-02-30", "0000-01-01", "2024-13-01", "2024-03-01T10:00:00",
               "2024-03-01+01:00", "x" * 300, "1e5", "NaN"]


def test_mutated_messages_give_records_or_failures_never_an_exception(
        decoder: Any, valid: Any) -> None:
    """Real sample messages with leaf values swapped for odd ones (digits int() refuses,
    impossible dates, empty, huge): the parser answers every one with data."""
    rnd = random.Random(7)
    with zipfile.ZipFile(SAMPLE) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".xml"))
        sources = [z.read(n).decode() for n in rnd.sample(names, 300)]
    failures = 0
    for raw in sources:
        leaves = list(re.finditer(r">([^<>]+)<", raw))
        for _ in range(8):
            mutated = raw
            for leaf in sorted(rnd.sample(leaves, 3), key=lambda m: -m.start()):
                mutated = (mutated[:leaf.start(1)] + rnd.choice(_ODD_VALUES)
                           + mutated[leaf.end(1):])
            result = decoder.parse(mutated.encode(), "mutated.xml")
            if isinstance(result, Failure):
                valid(result)
                failures += 1
    assert failures > 300, failures  # the odd values do reach the checks
