"""2.x messages may hold several clients: one record each, line numbers running on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from streams.testing.lines import Start, Toegewezen
from tests.conftest import BSN, BSN2, GEMEENTE, heen

D = date(2020, 2, 3)


@pytest.mark.parametrize("layout", ["xsd", "example"])
def test_one_record_per_client_and_line_keys_stay_unique(decoder: Any, valid: Any,
                                                         layout: str) -> None:
    h = heen("jw", "305", "2.3", layout)  # type: ignore[arg-type]
    h.clients = [
        (BSN, [Start("1", "45", "45A48", D, D), Start("2", "45", "45A49", D, D)]),
        (BSN2, [Start("3", "54", None, D, D)]),
    ]
    records = decoder.parse(h.xml(), "multi.xml")
    assert isinstance(records, list)
    assert len(records) == 2
    for r in records:
        data = valid(r)
        assert BSN not in str(data) and BSN2 not in str(data)
    first, second = records
    assert [ln.n for ln in first.lines] == [0, 1]
    assert [ln.n for ln in second.lines] == [2]
    assert second.lines[0].line_key == f"{first.message_key}#2"
    assert first.message_key == second.message_key  # one message, two clients
    assert (first.client_index, second.client_index) == (0, 1)
    assert first.client != second.client


def test_2x_301_without_toewijzingnummer_gets_the_beschikking_key(decoder: Any) -> None:
    h = heen("wmo", "301", "2.3")
    h.beschikking = "B77"
    h.clients = [(BSN, [Toegewezen(None, "02", "02A01", D, date(2020, 2, 10))])]
    (m,) = decoder.parse(h.xml(), "x.xml")
    line = m.lines[0]
    assert line.toewijzing_key == f"wmo:{GEMEENTE}:bB77:0202A01:2020-02-10"
    assert line.toewijzing_key == line.beschikking_key
    assert line.toewijzing_nummer is None


def test_2x_start_finds_the_same_fallback_key_as_its_301(decoder: Any) -> None:
    t = heen("wmo", "301", "2.3")
    t.beschikking = "B77"
    t.clients = [(BSN, [Toegewezen(None, "02", "02A01", D, date(2020, 2, 10))])]
    s = heen("wmo", "305", "2.4", "example")
    s.clients = [(BSN, [Start(None, "02", "02A01", date(2020, 2, 10), date(2020, 2, 12),
                              beschikking="B77")])]
    (toewijzing,), (start,) = decoder.parse(t.xml(), "t"), decoder.parse(s.xml(), "s")
    assert start.lines[0].beschikking_key == toewijzing.lines[0].toewijzing_key
    assert start.client == toewijzing.client


def test_several_clients_without_the_clienten_wrapper_are_all_read(decoder: Any) -> None:
    """Invalid against the XSD, but nothing may vanish silently: read like a 2.x message."""
    xml = heen("jw", "305", "3.2").xml()
    start, end = xml.index(b"<jw305:Client>"), xml.index(b"</jw305:Client>") + 15
    other = xml[start:end].replace(BSN.encode(), BSN2.encode())
    records = decoder.parse(xml[:end] + other + xml[end:], "two.xml")
    assert [r.client_index for r in records] == [0, 1]
    first, second = records
    assert first.client != second.client
    assert [ln.n for ln in second.lines] == [len(first.lines) + i
                                             for i in range(len(second.lines))]


def test_2x_lines_nested_in_a_beschikt_product_are_read(decoder: Any) -> None:
    """Some producers put the ToegewezenProducten inside Beschikking/BeschiktProducten/
    BeschiktProduct; they are the message's lines all the same (the BeschiktProduct is
    none, product.md §2)."""
    xml = heen("wmo", "301", "2.4").xml()
    nested = xml.replace(
        b"<wmo301:ToegewezenProducten>",
        b"<wmo301:BeschiktProducten><wmo301:BeschiktProduct><wmo301:Product>"
        b"<iwmo:Categorie>45</iwmo:Categorie></wmo301:Product>"
        b"<wmo301:ToegewezenProducten>", 1).replace(
        b"</wmo301:ToegewezenProducten>",
        b"</wmo301:ToegewezenProducten></wmo301:BeschiktProduct></wmo301:BeschiktProducten>",
        1)
    (flat,) = decoder.parse(xml, "x.xml")
    (m,) = decoder.parse(nested, "x.xml")
    assert [(ln.line_key, ln.toewijzing_key) for ln in m.lines] == [
        (ln.line_key, ln.toewijzing_key) for ln in flat.lines]
    assert len(m.lines) == 2
