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
    (b"<?xml version='1.0' encoding='UTF-7'?>+ADw-!DOCTYPE b +AFs-+ADw-!ENTITY one 'x'+AD4-+AF0-"
     b"+AD4-<Bericht/>", "forbidden_dtd"),  # and in UTF-7, where no byte says "<!DOCTYPE"
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
    # only an 8-digit BSN is padded: "000000061" passes the elfproef, "61" is no BSN
    (f">{BSN}<".encode(), b">61<", "invalid_bsn", "elfproef"),
    # int() refuses over 4,300 digits: a failure, never an exception
    (b">438<", b">" + b"4" * 5000 + b"<", "invalid_value", "BerichtCode"),
    (b">1001<", b">" + b"1" * 5000 + b"<", "invalid_value", "ToewijzingNummer"),
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


_301 = heen("jw", "301").xml()
_307 = heen("jw", "307").xml()
_317 = heen("jw", "317").xml()


@pytest.mark.parametrize(("raw", "old", "new", "reason", "detail"), [
    # 3.x XSDs: Toewijzingsdatum + Toewijzingstijd decide which version is in force
    (_301, b"<jw301:Toewijzingsdatum>2024-03-01</jw301:Toewijzingsdatum>", b"",
     "missing_field", "ToegewezenProduct[0]/Toewijzingsdatum"),
    (_301, b"<jw301:Toewijzingstijd>09:00:00</jw301:Toewijzingstijd>", b"",
     "missing_field", "ToegewezenProduct[0]/Toewijzingstijd"),
    (_301, b">09:00:00<", b">25:61:00<", "invalid_value", "Toewijzingstijd"),
    (_301, b">09:00:00<", b">gisteren<", "invalid_value", "Toewijzingstijd"),
    # ToewijzingNummer is an xs:integer: ASCII digits with an optional sign
    (_301, b">1001<", b">T1001<", "invalid_value", "ToewijzingNummer"),
    (_301, b">1001<", ">\u0661\u0660\u0660\u0661<".encode(), "invalid_value",
     "ToewijzingNummer"),
    (_307, b"<jw307:RedenBeeindiging>31</jw307:RedenBeeindiging>", b"", "missing_field",
     "StopProduct[0]/RedenBeeindiging"),
    (_317, b"<jw317:ToewijzingNummer>", b"<jw317:Nummer>", "missing_field",
     "ToewijzingNummer"),
    (_301.replace(b">436<", b">416<"), b"", b"", "out_of_scope", "declaratie"),
    (_301.replace(b">436<", b">449<"), b"", b"", "out_of_scope", "factuur"),
    # the iJw 2.3 JW303/JW304 XSDs: declaratie 432/433, factuur 450/451
    (_301.replace(b">436<", b">432<"), b"", b"", "out_of_scope", "declaratie"),
    (_301.replace(b">436<", b">433<"), b"", b"", "out_of_scope", "declaratie"),
    (_301.replace(b">436<", b">450<"), b"", b"", "out_of_scope", "factuur"),
    (_301.replace(b">436<", b">451<"), b"", b"", "out_of_scope", "factuur"),
])
def test_fields_the_3x_xsds_require(decoder: Any, valid: Any, raw: bytes, old: bytes,
                                    new: bytes, reason: str, detail: str) -> None:
    bad = raw.replace(old, new, 1) if old else raw
    if old == b"<jw317:ToewijzingNummer>":
        bad = bad.replace(b"</jw317:ToewijzingNummer>", b"</jw317:Nummer>", 1)
    failure = fail(decoder, valid, bad)
    assert (failure.reason, detail in failure.detail) == (reason, True), failure.detail


def test_a_signed_toewijzingnummer_is_the_same_number(decoder: Any) -> None:
    """xs:integer: `+1001` and `001001` are toewijzing 1001."""
    for written in (b">+1001<", b">001001<"):
        (m,) = decoder.parse(_301.replace(b">1001<", written, 1), "x")
        assert m.lines[0].toewijzing_key == "jw:0363:1001"


def test_2x_lines_may_leave_out_what_3x_requires(decoder: Any) -> None:
    """The 2.x layouts (and the 2.0 examples) are read as they come: no Toewijzingstijd
    needed there."""
    raw = heen("jw", "301", "2.4").xml()
    for name in (b"Toewijzingstijd", b"Toewijzingsdatum"):
        raw = re.sub(rb"<(\w+:)?" + name + rb">[^<]*</(\w+:)?" + name + rb">", b"", raw)
    assert b"Toewijzingstijd" not in raw
    assert not isinstance(decoder.parse(raw, "x"), Failure)
