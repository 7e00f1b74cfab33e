"""Retourberichten: the copied header, the retour's own identity, codes and where they sat."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from streams.core.model import RetourCode
from tests.conftest import AANBIEDER, FAMILIES, GEMEENTE, heen, one

R = date(2024, 3, 4)


CASES = [(msg, domain, release, layout)
         for release, layout in FAMILIES
         for msg in ("301", "305", "307", "315", "317", "319")
         if not (release.startswith("2.") and msg in ("317", "319"))  # 3.0 on only
         for domain in ("jw", "wmo")]


@pytest.mark.parametrize(("msg", "domain", "release", "layout"), CASES)
def test_header_only_retour(decoder: Any, valid: Any, msg: str, domain: str, release: str,
                            layout: str) -> None:
    h = heen(domain, msg, release, layout)
    sent = one(decoder.parse(h.xml(), "h.xml"))
    r = one(decoder.parse(h.retour("R77", R), "r.xml"))
    valid(r)
    retour_sender = h.head.ontvanger  # the retour's sender is the heen's receiver
    assert (r.retour, r.msg, r.code) == (True, str(int(msg) + 1), sent.code + 1)
    assert r.heen_key == sent.message_key
    assert r.message_key == f"{domain}:{sent.code + 1}:{retour_sender}:R77:2024-03-04"
    assert (r.gemeente, r.aanbieder) == (GEMEENTE, AANBIEDER)  # header not swapped
    assert (r.identificatie_retour, r.dagtekening_retour, r.received) == ("R77", R, R)
    assert (r.retour_codes, r.client, r.lines) == ((), None, ())


def test_header_code_0001_rejects_the_whole_message(decoder: Any) -> None:
    r = one(decoder.parse(heen("jw", "305").retour("R1", R, header_codes=("0001",)), "r"))
    assert r.retour_codes == (RetourCode("0001", "Header", None),)


@pytest.mark.parametrize("blank", [b"   ", b"  <!-- none -->  ", b"\n  "])
def test_a_header_code_of_white_space_only_is_no_code(decoder: Any, blank: bytes) -> None:
    """A blank RetourCode rejects nothing, whatever stands beside the white space (a
    comment, which lxml removes, kept the blank text once)."""
    xml = heen("jw", "305").retour("R1", R, header_codes=("0001",))
    blanked = xml.replace(b">0001<", b">" + blank + b"<")
    assert blanked != xml
    r = one(decoder.parse(blanked, "r"))
    assert r.retour_codes == ()


@pytest.mark.parametrize(("release", "layout"), FAMILIES)
def test_line_codes_point_at_the_heen_line(decoder: Any, release: str, layout: str) -> None:
    h = heen("wmo", "305", release, layout)
    r = one(decoder.parse(h.retour("R2", R, line_codes={1: ("9019",)}), "r"))
    assert [(c.code, c.where, c.line) for c in r.retour_codes] == [
        ("0200", "StartProduct", 0), ("9019", "StartProduct", 1)]
    assert [ln.retour_codes for ln in r.lines] == [("0200",), ("9019",)]
    assert r.client is not None  # the body repeats the client: pseudonymised too
    # the repeated line carries the heen line's key fields, for matching by content
    assert r.lines[1].begindatum == date(2024, 3, 12)


def test_2x_316_rejection_code_on_a_request_line(decoder: Any) -> None:
    h = heen("jw", "315", "2.4", "xsd")
    r = one(decoder.parse(h.retour("R3", R, line_codes={0: ("8857",)}), "r"))
    assert (r.msg, r.heen_key) == ("316", one(decoder.parse(h.xml(), "h")).message_key)
    assert RetourCode("8857", "Product", 0) in r.retour_codes


def test_line_codes_without_the_retourcodes_wrapper_are_read(decoder: Any) -> None:
    """Some producers leave out the RetourCodes wrapper; the header and client levels
    already read a bare RetourCode, and a line reads it too."""
    xml = heen("jw", "305").retour("R1", R, line_codes={1: ("9019",)})
    bare = xml.replace(b"<jw306:RetourCodes>", b"").replace(b"</jw306:RetourCodes>", b"")
    assert bare != xml
    r = one(decoder.parse(bare, "r"))
    assert [ln.retour_codes for ln in r.lines] == [("0200",), ("9019",)]
    assert RetourCode("9019", "StartProduct", 1) in r.retour_codes


def test_a_retour_keeps_the_bsn_it_echoes_even_when_not_digits(decoder: Any) -> None:
    """A retour is never lost over the number it echoes (docs/decisions.md)."""
    xml = heen("jw", "305").retour("R1", R, line_codes={1: ("9019",)})
    odd = xml.replace(b"<jw306:Bsn>123456782<", "<jw306:Bsn>12345678\u0663<".encode(), 1)
    assert odd != xml
    r = one(decoder.parse(odd, "r"))
    assert r.client is not None and len(r.client) == 64


def test_the_retour_identity_may_sit_in_berichtidentificatie(decoder: Any) -> None:
    xml = heen("jw", "305").retour("R1", R)
    ident = b"<jw306:IdentificatieRetour>R1</jw306:IdentificatieRetour>"
    dag = b"<jw306:DagtekeningRetour>2024-03-04</jw306:DagtekeningRetour>"
    moved = xml.replace(ident, b"").replace(dag, b"").replace(
        b"</jw306:BerichtIdentificatie>", ident + dag + b"</jw306:BerichtIdentificatie>")
    assert moved.index(ident) < moved.index(b"</jw306:BerichtIdentificatie>")
    a, b = one(decoder.parse(xml, "r")), one(decoder.parse(moved, "r"))
    assert (b.message_key, b.dagtekening_retour) == (a.message_key, R)
