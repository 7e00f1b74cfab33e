"""2.x messages with several clients: one record per client, one heenbericht, one retour.

The parser gives one record per client (line numbers run on across them, product.md §2);
the engine must still see one heenbericht with one retour, whichever arrives first, and a
retour's codes must reach the client whose line they are on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Event, UnitLinked
from streams.core.model import Message
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.testing.lines import Aangevraagd, Start, Toegewezen
from streams.testing.messages import Heen
from tests.conftest import BSN, BSN2, head
from tests.unit.scenario import alerts, replay

D = date(2020, 2, 3)  # Monday
LATER = date(2020, 2, 20)  # well past every term of D


def records(decoder: Any, xml: bytes, day: date) -> list[Message]:
    return decoder.parse(xml, "x", datetime(day.year, day.month, day.day, 10, tzinfo=UTC))  # type: ignore[no-any-return]


def two_clients(msg: str, lines: tuple[Any, Any], ident: str = "M") -> Heen:
    return Heen(head("jw", msg, "2.4", "example", ident, D), [(BSN, [lines[0]]),
                                                              (BSN2, [lines[1]])])


def clock_mover(decoder: Any) -> list[Message]:
    """An unrelated message of a third party, received later, that moves the clock on."""
    h = Heen(head("wmo", "305", "3.2", ident="F", day=LATER),
             [(BSN, [Start("9", "01", "01A01", LATER, LATER)])])
    return records(decoder, h.xml(), LATER)


def retour_links(events: list[Event]) -> list[tuple[str, str]]:
    return [(e.unit, e.target) for e in events
            if isinstance(e, UnitLinked) and e.kind == "retour"]


STARTS = (Start("1001", "45", "45A48", D, D), Start("2001", "45", "45A48", D, D))
HEEN_305 = "jw:438:12345678:S:2020-02-03"


def test_a_retour_read_before_its_two_client_heenbericht_links_once(decoder: Any) -> None:
    h = two_clients("305", STARTS, "S")
    heen = records(decoder, h.xml(), D)
    assert len(heen) == 2
    retour = records(decoder, h.retour("R", D, line_codes={0: ("0200",)}), D)
    for order in ([*retour, *heen], [*heen, *retour]):
        events = replay([*order, *clock_mover(decoder)])
        assert retour_links(events) == [("jw:439:0363:R:2020-02-03", HEEN_305)]
        assert [a for a in alerts(events) if a[0].startswith("retour")] == []


REQUESTS = (Aangevraagd(None, "45", "45A48", date(2020, 3, 2)),
            Aangevraagd(None, "45", "45A49", date(2020, 3, 2)))
VOT = "jw:446:12345678:V:2020-02-03"


def test_a_316_code_on_the_second_clients_line_answers_that_request(decoder: Any) -> None:
    h = two_clients("315", REQUESTS, "V")
    retour = records(decoder, h.retour("R", date(2020, 2, 4), line_codes={1: ("8857",)}),
                     date(2020, 2, 4))
    assert [m.client_index for m in retour] == [0, 1]
    events = replay([*records(decoder, h.xml(), D), *retour, *clock_mover(decoder)])
    linked = {e.unit: e.target for e in events if isinstance(e, UnitLinked)}
    assert linked[f"{VOT}#1"] == "jw:447:0363:R:2020-02-04"  # rejected: answered
    assert f"{VOT}#0" not in linked
    unanswered = [a[2] for a in alerts(events) if a[0] == "request_unanswered"]
    assert unanswered == [f"{VOT}#0"]  # only the line nobody answered


def test_a_0001_retour_makes_every_clients_toewijzing_not_sent(decoder: Any) -> None:
    lines = (Toegewezen("1001", "45", "45A48", D, date(2020, 3, 2), None, beschikking="B1"),
             Toegewezen("2001", "45", "45A48", D, date(2020, 3, 2), None, beschikking="B2"))
    h = two_clients("301", lines, "T")
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    retour = records(decoder, h.retour("R", date(2020, 2, 4), header_codes=("0001",)),
                     date(2020, 2, 4))
    for m in [*retour, *records(decoder, h.xml(), D)]:  # the retour first: it waits
        engine.apply(m)
    for client in {m.client for m in records(decoder, h.xml(), D)}:
        chain = engine.store.get(f"c/jw:0363:12345678:{client}")
        versions = [v for t in chain.toewijzingen.values() for v in t.versions]
        assert len(versions) == 1 and versions[0].not_sent


def april(decoder: Any) -> list[Message]:
    """A message of a third party received past every start_missing due of D."""
    day = date(2020, 4, 1)
    h = Heen(head("wmo", "305", "3.2", ident="F", day=day),
             [(BSN, [Start("9", "01", "01A01", day, day)])])
    return records(decoder, h.xml(), day)


def test_a_retour_repeating_only_the_rejected_client_rejects_that_clients_line(
        decoder: Any) -> None:
    """domain.md §3: the body repeats the client and its classes. A 302 that repeats only
    the second client, with 9332 on its line, rejects that line (matched by client and
    content), not the first client's line at the same place in the retour."""
    h = Heen(head("jw", "301", "2.4", "xsd", "T", D),
             [(BSN, [Toegewezen("1001", "45", "45A48", D, D, None)]),
              (BSN2, [Toegewezen("2001", "45", "45A48", D, D, None)])])
    h.beschikking = "B1"
    retour = records(decoder, h.retour("R", date(2020, 2, 4), line_codes={1: ("9332",)},
                                       partial=True), date(2020, 2, 4))
    heen = records(decoder, h.xml(), D)
    for order in ([*heen, *retour], [*retour, *heen]):
        events = replay([*order, *april(decoder)], Terms(alerts_from_days=0))
        missing = {a[2] for a in alerts(events) if a[0] == "start_missing"}
        assert missing == {"jw:0363:1001"}  # the second client's toewijzing is not sent


def test_a_retour_repeating_only_the_rejected_line_rejects_that_line(decoder: Any) -> None:
    """One client, two starts; the 306 repeats only the second start, with 9019: that
    start is not sent, the first one counts."""
    starts = [Start("1001", "45", "45A48", D, D), Start("1002", "45", "45A48", D, D)]
    h = Heen(head("jw", "305", "3.2", "xsd", "S", D), [(BSN, starts)])
    toewijzingen = Heen(head("jw", "301", "3.2", "xsd", "T", D),
                        [(BSN, [Toegewezen("1001", "45", "45A48", D, D, None),
                                Toegewezen("1002", "45", "45A48", D, D, None)])])
    retour = records(decoder, h.retour("R", date(2020, 2, 4), line_codes={1: ("9019",)},
                                       partial=True), date(2020, 2, 4))
    heen = [*records(decoder, toewijzingen.xml(), D), *records(decoder, h.xml(), D)]
    for order in ([*heen, *retour], [retour[0], *heen]):
        events = replay([*order, *april(decoder)], Terms(alerts_from_days=0))
        missing = {a[2] for a in alerts(events) if a[0] == "start_missing"}
        assert missing == {"jw:0363:1002"}


def test_a_316_repeating_only_the_second_client_refuses_that_clients_request(
        decoder: Any) -> None:
    h = two_clients("315", REQUESTS, "V")
    retour = records(decoder, h.retour("R", date(2020, 2, 4), line_codes={1: ("8857",)},
                                       partial=True), date(2020, 2, 4))
    events = replay([*records(decoder, h.xml(), D), *retour, *clock_mover(decoder)])
    linked = {e.unit: e.target for e in events if isinstance(e, UnitLinked)}
    assert linked[f"{VOT}#1"] == "jw:447:0363:R:2020-02-04"
    assert f"{VOT}#0" not in linked
    assert [a[2] for a in alerts(events) if a[0] == "request_unanswered"] == [f"{VOT}#0"]
