"""The parser on realistic messages: every type × domain × release family."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from streams.archive import parse_timestamp
from streams.core.bsn import Pseudonymizer
from streams.core.codes import BY_DOMAIN_MSG
from streams.core.decode import ParseContext
from streams.core.model import Message
from streams.xmlio import XmlDecoder
from tests.conftest import AANBIEDER, BSN, FAMILIES, GEMEENTE, TEST_KEY, D, heen, one

HEEN_2X = ["301", "305", "307", "315"]
HEEN_3X = [*HEEN_2X, "317", "319"]
CASES = [(domain, msg, release, layout)
         for release, layout in FAMILIES
         for msg in (HEEN_2X if release.startswith("2.") else HEEN_3X)
         for domain in ("jw", "wmo")]
LINE_ELEMENT = {"301": "ToegewezenProduct", "305": "StartProduct", "307": "StopProduct",
                "317": "OngewijzigdProduct"}


@pytest.mark.parametrize(("domain", "msg", "release", "layout"), CASES)
def test_heenbericht(decoder: Any, valid: Any, domain: str, msg: str, release: str,
                     layout: str) -> None:
    m = one(decoder.parse(heen(domain, msg, release, layout).xml(), "x.xml"))
    data = valid(m)
    code = BY_DOMAIN_MSG[(domain, msg)].code  # type: ignore[index]
    afzender = GEMEENTE if msg in ("301", "319") else AANBIEDER
    assert (m.domain, m.msg, m.code, m.release, m.retour) == (domain, msg, code, release, False)
    assert (m.gemeente, m.aanbieder, m.sender) == (GEMEENTE, AANBIEDER, afzender)
    assert m.message_key == f"{domain}:{code}:{afzender}:M1:2024-03-01"
    assert m.received == D  # no receipt timestamp: the Dagtekening
    expected_lines = {"301": 2, "305": 2, "307": 2, "315": 2, "317": 3, "319": 0}[msg]
    assert [ln.line_key for ln in m.lines] == [f"{m.message_key}#{n}"
                                               for n in range(expected_lines)]
    if msg in LINE_ELEMENT:
        assert m.lines[0].element == LINE_ELEMENT[msg]
    assert BSN not in str(data)
    assert (m.client is None) == (msg == "319")


@pytest.mark.parametrize(("release", "layout"), FAMILIES)
@pytest.mark.parametrize("domain", ["jw", "wmo"])
def test_301_line_fields(decoder: Any, domain: str, release: str, layout: str) -> None:
    m = one(decoder.parse(heen(domain, "301", release, layout).xml(), "x.xml"))
    first, second = m.lines
    assert first.toewijzing_key == f"{domain}:{GEMEENTE}:1001"
    assert (first.categorie, first.code, second.categorie, second.code) == (
        "45", "45A48", "54", None)
    assert (first.toewijzingsdatum, first.toewijzingstijd) == (D, "09:00:00")
    assert (first.ingangsdatum, first.einddatum, second.einddatum) == (
        date(2024, 3, 4), date(2024, 12, 31), None)
    assert first.omvang is not None and first.omvang.volume == "4"
    if release.startswith("2."):
        assert m.beschikking_nummer == "B2020-17"
        assert first.beschikking_key == f"{domain}:{GEMEENTE}:bB2020-17:4545A48:2024-03-04"


@pytest.mark.parametrize(("release", "layout"), FAMILIES)
def test_start_and_stop_line_fields(decoder: Any, release: str, layout: str) -> None:
    start = one(decoder.parse(heen("jw", "305", release, layout).xml(), "s.xml"))
    stop = one(decoder.parse(heen("jw", "307", release, layout).xml(), "t.xml"))
    s0, s1 = start.lines
    assert (s0.begindatum, s0.status_aanlevering, s1.status_aanlevering) == (
        date(2024, 3, 11), "1", "3")
    assert s0.toewijzing_ingangsdatum == date(2024, 3, 4)
    t0, t1 = stop.lines
    assert (t0.begindatum, t0.einddatum, t0.reden_beeindiging) == (
        date(2024, 3, 11), date(2024, 6, 30), "31")
    assert (t1.einddatum, t1.reden_beeindiging) == (date(2024, 5, 1), "20")
    if layout == "example":  # 2.0 example layout: no ToewijzingNummer, Beschikkingnummer
        assert s0.toewijzing_key is None
        assert s0.beschikking_key == f"jw:{GEMEENTE}:bB2020-17:4545A48:2024-03-04"
    else:
        assert s0.toewijzing_key == t0.toewijzing_key == f"jw:{GEMEENTE}:1001"


@pytest.mark.parametrize(("release", "layout"), FAMILIES)
def test_315_request_lines(decoder: Any, release: str, layout: str) -> None:
    m = one(decoder.parse(heen("wmo", "315", release, layout).xml(), "v.xml"))
    first, second = m.lines
    assert first.element == ("Product" if release.startswith("2.") else "AangevraagdProduct")
    assert (first.toewijzing_ingangsdatum, first.toewijzing_einddatum) == (
        date(2024, 3, 4), date(2024, 12, 31))
    assert (first.categorie, first.code) == ("45", "45A48")  # the nested Product block
    expect_ref = None if layout == "example" else "REF-1"
    assert first.referentie_aanbieder == expect_ref
    assert second.toewijzing_einddatum is None


def test_317_verzoek(decoder: Any) -> None:
    m = one(decoder.parse(heen("jw", "317").xml(), "w.xml"))
    assert (m.referentie_aanbieder, m.reden_verzoek) == ("REF-9", "01")
    kinds = [(ln.element, ln.toewijzing_key) for ln in m.lines]
    assert kinds == [("OngewijzigdProduct", f"jw:{GEMEENTE}:1001"),
                     ("TeWijzigenProduct", f"jw:{GEMEENTE}:1002"), ("NieuwProduct", None)]
    assert m.lines[1].ingangsdatum == date(2024, 4, 1)  # GewensteIngangsdatum
    assert (m.lines[2].categorie, m.lines[2].code) == ("45", "45A49")


def test_319_antwoord_has_no_client(decoder: Any) -> None:
    m = one(decoder.parse(heen("wmo", "319").xml(), "a.xml"))
    assert (m.client, m.referentie_aanbieder, m.verzoek_antwoord, m.reden_afwijzing) == (
        None, "REF-1", "1", "01")
    assert (m.gemeente, m.aanbieder) == (GEMEENTE, AANBIEDER)
    assert m.woonplaatsbeginsel is None


def test_319_names_the_gemeente_of_the_woonplaatsbeginsel(decoder: Any, valid: Any) -> None:
    """iJw 319 (domain.md §3): a rejection may name the gemeente that is responsible."""
    xml = heen("jw", "319").xml().replace(
        b"</jw319:RedenAfwijzingVerzoek>", b"</jw319:RedenAfwijzingVerzoek>"
        b"<jw319:Woonplaatsbeginsel><jw319:Gemeente>1916</jw319:Gemeente>"
        b"</jw319:Woonplaatsbeginsel>", 1)
    m = one(decoder.parse(xml, "a.xml"))
    assert (m.reden_afwijzing, m.woonplaatsbeginsel) == ("01", "1916")
    assert valid(m)["woonplaatsbeginsel"] == "1916"


def test_a_zone_configured_gives_the_received_date_in_that_zone(decoder: Any) -> None:
    """The test decoder converts to Europe/Amsterdam (--zone)."""
    late_evening = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in NL
    m: Message = one(decoder.parse(heen("jw", "305").xml(), "x.xml", late_evening))
    assert (m.received_at, m.received) == (late_evening, date(2024, 3, 2))


@pytest.mark.parametrize(("stamp", "day"), [
    ("2024-03-01T23:30:00Z", date(2024, 3, 1)),
    ("2024-03-02T00:30:00+01:00", date(2024, 3, 2)),  # the same instant, written locally
    ("2024-03-01T23:30:00", date(2024, 3, 1)),
])
def test_by_default_the_received_date_is_the_date_the_timestamp_writes(stamp: str,
                                                                       day: date) -> None:
    """product.md §1 names no zone: the received date is the timestamp's own date."""
    decoder = XmlDecoder(ParseContext(Pseudonymizer(TEST_KEY), None))
    at = parse_timestamp(stamp)
    m: Message = one(decoder.parse(heen("jw", "305").xml(), "x.xml", at))
    assert (m.received, m.received_at) == (day, at)
    assert m.received_at is not None and m.received_at.isoformat()[:10] == day.isoformat()


def test_release_from_namespace_when_header_has_no_version(decoder: Any) -> None:
    xml = heen("jw", "305", "3.1").xml()
    xml = xml.replace(b"<jw305:BerichtVersie>3</jw305:BerichtVersie>", b"")
    assert one(decoder.parse(xml, "x.xml")).release == "3.1"


def test_namespaces_do_not_matter(decoder: Any) -> None:
    xml = heen("jw", "301").xml()
    foreign = xml.replace(b"http://www.istandaarden.nl/ijw/3_2/jw301/schema", b"urn:other")
    a, b = one(decoder.parse(xml, "x")), one(decoder.parse(foreign, "x"))
    assert (a.message_key, a.lines, a.client) == (b.message_key, b.lines, b.client)


def test_an_identificatie_with_a_colon_keeps_its_keys_readable(decoder: Any, valid: Any) -> None:
    """LDT_IdentificatieBericht is any string of up to 12 characters: `AB:12` is valid.
    The key stays `{domain}:{code}:{afzender}:{identificatie}:{dagtekening}`, readable
    from both ends (afzender and dagtekening hold no colon), and fits the schema."""
    m = one(decoder.parse(heen("jw", "305", ident="AB:12").xml(), "x"))
    assert m.message_key == "jw:438:12345678:AB:12:2024-03-01"
    assert valid(m)["lines"][0]["line_key"] == "jw:438:12345678:AB:12:2024-03-01#0"
