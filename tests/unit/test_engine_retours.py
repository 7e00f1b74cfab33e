"""Retour rules (OP090) as scenarios: messages in (with receipt dates), events out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from streams.core.alerts import Alerts
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Alert, StepMeasured, UnitLinked
from streams.core.model import Message
from streams.core.retours import retour_of, retour_step
from streams.core.store import MemoryDueIndex, MemoryStore
from tests.conftest import BSN2, heen
from tests.unit.scenario import NOW, alerts, at, replay, run_on


def filler(decoder: Any, day: date, ident: str) -> Message:
    """Unrelated traffic that moves the clock (a 305 with its own retour in time)."""
    return at(decoder, heen("wmo", "305", ident=ident).xml(), day)


def at_all(decoder: Any, xml: bytes, day: date) -> list[Message]:
    """Every record of a message (a 2.x message gives one per client)."""
    return list(decoder.parse(xml, "x", datetime(day.year, day.month, day.day, 10,
                                                    tzinfo=UTC)))


H = heen("jw", "301", ident="T1")
KEY = "jw:436:0363:T1:2024-03-01"
MONDAY = date(2024, 3, 4)  # due(Monday, 3) = Thursday 7 March


def test_retour_in_time_links_and_measures(decoder: Any) -> None:
    events = replay([at(decoder, H.xml(), MONDAY),
                     at(decoder, H.retour("R1", date(2024, 3, 6)), date(2024, 3, 6))])
    assert [e for e in events if isinstance(e, UnitLinked) and e.kind == "retour"] == [
        UnitLinked("jw:437:12345678:R1:2024-03-06", "retour", KEY, None, "header")]
    (step,) = [e for e in events if isinstance(e, StepMeasured)]
    assert (step.metric, step.subject, step.value, step.unit) == ("retour_time", KEY, 2,
                                                                  "werkdagen")
    assert alerts(events) == []


def test_the_retour_time_is_told_and_kept_in_the_heen_record_only(decoder: Any) -> None:
    """Not under t/ like the other steps: the heenbericht's record holds both messages,
    and the replay's output derives the step from it (streams/replay/finish.py)."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    engine.apply(at(decoder, H.xml(), MONDAY))
    (step,) = [e for e in engine.apply(at(decoder, H.retour("R1", date(2024, 3, 6)),
                                          date(2024, 3, 6))) if isinstance(e, StepMeasured)]
    assert list(engine.store.scan("t/")) == []
    heen = engine.store.get(f"h/{KEY}")
    assert retour_step(engine.calendar, heen, heen.retour) == step


def test_missing_retour_is_raised_once_the_clock_passes_due(decoder: Any) -> None:
    events = replay([at(decoder, H.xml(), MONDAY),
                     filler(decoder, date(2024, 3, 9), "F1"),  # watermark 7 March: not yet
                     filler(decoder, date(2024, 3, 10), "F2")])  # watermark 8 March: past due
    assert ("retour_missing", "raised", KEY, date(2024, 3, 7), date(2024, 3, 8), None) in \
        alerts(events)


def test_late_retour_resolves_the_missing_alert_and_is_late(decoder: Any) -> None:
    events = replay([at(decoder, H.xml(), MONDAY), filler(decoder, date(2024, 3, 11), "F1"),
                     at(decoder, H.retour("R1", date(2024, 3, 12)), date(2024, 3, 12))])
    got = [a for a in alerts(events) if a[2] == KEY]
    assert got == [
        ("retour_missing", "raised", KEY, date(2024, 3, 7), date(2024, 3, 9), None),
        ("retour_missing", "resolved", KEY, date(2024, 3, 7), date(2024, 3, 9), None),
        ("retour_late", "raised", KEY, date(2024, 3, 7), date(2024, 3, 9), 3),
    ]


def test_holidays_move_the_due_date(decoder: Any) -> None:
    wednesday = date(2024, 3, 27)  # Goede Vrijdag 29th, tweede Paasdag 1 April
    on_time = replay([at(decoder, H.xml(), wednesday),
                      at(decoder, H.retour("R1", date(2024, 4, 3)), date(2024, 4, 3))])
    late = replay([at(decoder, H.xml(), wednesday),
                   at(decoder, H.retour("R1", date(2024, 4, 4)), date(2024, 4, 4))])
    assert [a for a in alerts(on_time) if a[0] == "retour_late"] == []
    assert [(a[0], a[3], a[5]) for a in alerts(late) if a[0] == "retour_late"] == [
        ("retour_late", date(2024, 4, 3), 1)]


def test_rejected_retour_lists_its_codes_even_without_the_heenbericht(decoder: Any) -> None:
    events = replay([at(decoder, H.retour("R1", MONDAY, header_codes=("0001",)), MONDAY)])
    (alert,) = [e for e in events if isinstance(e, Alert) and e.rule == "retour_rejected"]
    assert (alert.subject, alert.codes, alert.gemeente) == (KEY, ("0001",), "0363")


def test_line_code_9019_rejects(decoder: Any) -> None:
    s = heen("jw", "305", ident="S1")
    events = replay([at(decoder, s.xml(), MONDAY),
                     at(decoder, s.retour("R2", MONDAY, line_codes={1: ("9019",)}), MONDAY)])
    (alert,) = [e for e in events if isinstance(e, Alert)]
    assert (alert.rule, alert.codes) == ("retour_rejected", ("9019",))


def test_retour_before_its_heenbericht_links_when_it_arrives(decoder: Any) -> None:
    events = replay([at(decoder, H.retour("R1", MONDAY), MONDAY),
                     at(decoder, H.xml(), date(2024, 3, 5))])
    assert [e.target for e in events if isinstance(e, UnitLinked) and e.kind == "retour"] == [KEY]
    assert alerts(events) == []
    # the heenbericht, received last, completed the measurement (product.md §6 `msg`)
    (step,) = [e for e in events if isinstance(e, StepMeasured)]
    assert (step.value, step.msg) == (-1, KEY)
    in_time = replay([at(decoder, H.xml(), MONDAY),
                      at(decoder, H.retour("R1", MONDAY), MONDAY)])
    assert [e.msg for e in in_time if isinstance(e, StepMeasured)] == [
        "jw:437:12345678:R1:2024-03-04"]


def test_retour_without_heenbericht_is_unlinked_after_5_werkdagen(decoder: Any) -> None:
    events = replay([at(decoder, H.retour("R1", MONDAY), MONDAY),
                     filler(decoder, date(2024, 3, 14), "F1")])  # watermark 12 > due 11
    assert ("unlinked", "raised", "jw:437:12345678:R1:2024-03-04", date(2024, 3, 11),
            date(2024, 3, 12), None) in alerts(events)


def test_duplicates_change_nothing(decoder: Any) -> None:
    once = replay([at(decoder, H.xml(), MONDAY), filler(decoder, date(2024, 3, 11), "F1")])
    twice = replay([at(decoder, H.xml(), MONDAY), at(decoder, H.xml(), date(2024, 3, 5)),
                    filler(decoder, date(2024, 3, 11), "F1")])
    assert alerts(once) == alerts(twice)


def test_no_alert_due_before_alerts_from(decoder: Any) -> None:
    """alerts_from = first received date of the run + 30 days (product.md §4)."""
    early = [at(decoder, H.xml(), MONDAY), filler(decoder, date(2024, 3, 20), "F1")]
    assert [a for a in alerts(replay(early, Terms())) if a[2] == KEY] == []
    run_began_earlier = [filler(decoder, date(2024, 2, 1), "F0"), *early]  # from 2 March
    assert [a[0] for a in alerts(replay(run_began_earlier, Terms())) if a[2] == KEY] == [
        "retour_missing"]


def test_a_second_retour_that_does_not_count_raises_nothing(decoder: Any) -> None:
    """The first retour of a heenbericht counts (docs/decisions.md): a later one with 0001
    neither makes it not sent nor raises retour_rejected."""
    events = replay([at(decoder, H.xml(), MONDAY),
                     at(decoder, H.retour("R1", date(2024, 3, 5)), date(2024, 3, 5)),
                     at(decoder, H.retour("R2", date(2024, 3, 6), header_codes=("0001",)),
                        date(2024, 3, 6)),
                     filler(decoder, date(2024, 3, 20), "F1")])
    assert [a for a in alerts(events) if a[2] == KEY] == []


def test_a_reused_message_key_keeps_the_retour_it_has(decoder: Any) -> None:
    """TR056: Identificatie is unique per sender; a second message with the same key (for
    another client) is the same heenbericht: its retour stays linked, nothing is missing."""
    other = heen("jw", "301", ident="T1")
    other.clients = [("111222333", other.clients[0][1])]
    events = replay([at(decoder, H.xml(), MONDAY),
                     at(decoder, H.retour("R1", date(2024, 3, 5)), date(2024, 3, 5)),
                     at(decoder, other.xml(), date(2024, 3, 6)),
                     filler(decoder, date(2024, 3, 20), "F1")])
    assert [a for a in alerts(events) if a[2] == KEY] == []
    assert [e.value for e in events if isinstance(e, StepMeasured)
            and e.subject == KEY] == [1]


def test_0001_on_the_header_rejects_the_whole_message_however_header_is_spelled(
        decoder: Any) -> None:
    """Names are read case-insensitively (docs/decisions.md, Parsing), so is the class a
    code sits on: 0001 on a `header` is a whole-message rejection too (domain.md §3)."""
    xml = H.retour("R1", MONDAY, header_codes=("0001",))
    for spelled in (xml, xml.replace(b"Header>", b"header>")):
        assert retour_of(at(decoder, spelled, MONDAY)).whole_rejected


@pytest.mark.parametrize("lateness", [0, 1, 2])
def test_a_heenbericht_read_last_is_judged_at_the_end_whatever_the_lateness(
        decoder: Any, lateness: int) -> None:
    """product.md §4: at the end the clock advances to the last received date, so the final
    state does not depend on the allowed lateness. A heenbericht received on 4 March but
    read after one of 20 March (the clock stands there with no lateness) still has its
    retour_missing (due 7 March) raised."""
    other = heen("jw", "305", ident="F1")
    events = replay([filler(decoder, date(2024, 2, 1), "F0"),  # alerts_from: its date
                     at(decoder, other.xml(), date(2024, 3, 20)),
                     at(decoder, other.retour("FR", date(2024, 3, 20)), date(2024, 3, 20)),
                     at(decoder, H.xml(), MONDAY)],
                    Terms(alerts_from_days=0, allowed_lateness_days=lateness))
    assert [a[:4] for a in alerts(events) if a[2] == KEY] == [
        ("retour_missing", "raised", KEY, date(2024, 3, 7))]


@pytest.mark.parametrize("retour_first", [False, True])
def test_a_retour_naming_another_ontvanger_answers_nothing(decoder: Any,
                                                          retour_first: bool) -> None:
    """product.md §3: a retour links by its copied header, the Ontvanger included. One
    that names another aanbieder is no retour of this 301 (live, it is not even in the
    301's partition): the 301's retour is missing, and the retour is unlinked."""
    stray = H.retour("R1", date(2024, 3, 5)).replace(b">12345678<", b">87654321<")
    received = [at(decoder, H.xml(), MONDAY), at(decoder, stray, date(2024, 3, 5))]
    events = replay([*(received[::-1] if retour_first else received),
                     filler(decoder, date(2024, 3, 20), "F1")], Terms(alerts_from_days=0))
    assert [e for e in events if isinstance(e, UnitLinked) and e.target == KEY] == []
    assert {(a[0], a[2]) for a in alerts(events) if a[1] == "raised"} >= {
        ("retour_missing", KEY), ("unlinked", "jw:437:87654321:R1:2024-03-05")}


def test_a_2x_retour_on_several_clients_lists_every_rejecting_code(decoder: Any) -> None:
    """product.md §4 retour_rejected: "codes listed in the alert". A 2.x retour arrives as a
    record per client; the alert is raised by the first, and the codes of the next ones
    join the alert as it is stored (the replay's alerts.jsonl lists them all)."""
    h = heen("wmo", "305", release="2.4", ident="V2")
    h.clients = [h.clients[0], (BSN2, h.clients[0][1])]  # two lines each: n 0–1 and 2–3
    retour = h.retour("R2", date(2024, 3, 5), line_codes={0: ("9069",), 2: ("9019",)})
    store = MemoryStore()
    events = run_on([*at_all(decoder, h.xml(), MONDAY), *at_all(decoder, retour, date(2024, 3, 5))],
                    NOW, store)
    (raised,) = [e for e in events if isinstance(e, Alert) and e.rule == "retour_rejected"]
    assert raised.codes == ("9069",)  # the event, as the live topic has it
    stored = Alerts(store).get("retour_rejected", raised.subject)
    assert stored is not None and stored.codes == ("9069", "9019")


def test_0001_on_a_retour_repeating_one_client_reaches_every_client(decoder: Any) -> None:
    """A 2.x retour that repeats only the client it has a line remark on still rejects the
    whole message with 0001 on its header (product.md §4): every client's toewijzingen are
    not sent, also the one the retour does not repeat."""
    h = heen("jw", "301", release="2.4", ident="T2")
    h.clients = [h.clients[0], (BSN2, h.clients[0][1])]  # two lines each: n 0–1 and 2–3
    retour = h.retour("R2", date(2024, 3, 5), header_codes=("0001",),
                      line_codes={2: ("9019",)}, partial=True)
    store = MemoryStore()
    run_on([*at_all(decoder, h.xml(), MONDAY), *at_all(decoder, retour, date(2024, 3, 5))],
           NOW, store)
    chains = [c for k, c in store.scan("c/")]
    assert len(chains) == 2
    assert all(v.not_sent for c in chains for t in c.toewijzingen.values() for v in t.versions)


def test_a_heenbericht_read_after_the_clock_passed_its_due_date_is_missing_at_once(
        decoder: Any) -> None:
    """product.md §4: after each input, raise what has become due, also when that input did
    not move the clock (an archive not in receipt order); not at the next input that does."""
    late_read = [filler(decoder, date(2024, 3, 1), "F0"),  # the run's first date
                 filler(decoder, date(2024, 3, 20), "F1"),  # clock 18 March
                 at(decoder, H.xml(), MONDAY)]  # due 7 March: passed already
    events = replay(late_read)
    assert [a for a in alerts(events) if a[2] == KEY] == [
        ("retour_missing", "raised", KEY, date(2024, 3, 7), date(2024, 3, 18), None)]
    # its retour, in time, read right after it: raised, then resolved by it
    events = replay([*late_read, at(decoder, H.retour("R1", date(2024, 3, 6)),
                                    date(2024, 3, 6))])
    assert [a[:2] for a in alerts(events) if a[2] == KEY] == [
        ("retour_missing", "raised"), ("retour_missing", "resolved")]
    # and the same whatever traffic comes between them
    between = replay([*late_read, filler(decoder, date(2024, 3, 21), "F2"),
                      at(decoder, H.retour("R1", date(2024, 3, 6)), date(2024, 3, 6))])
    assert [a[:2] for a in alerts(between) if a[2] == KEY] == [
        ("retour_missing", "raised"), ("retour_missing", "resolved")]
