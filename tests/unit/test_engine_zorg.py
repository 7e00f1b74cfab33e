"""Toewijzingen, starts and stops (OP271, OP272): links, alerts and process times."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import permutations
from typing import Any

import pytest

from streams.core.config import Terms
from streams.core.events import Event, StepMeasured, StepWithdrawn, UnitLinked
from streams.core.model import Message
from streams.testing.lines import Start, Stop, Toegewezen
from streams.testing.messages import Heen
from tests.conftest import BSN, head
from tests.unit.scenario import alerts, at, replay

TOEWIJZING = "jw:0363:1001"
INGANG, EIND = date(2024, 3, 4), date(2024, 6, 28)
T = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, EIND)
S = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11))


def msg(decoder: Any, kind: str, lines: list[Any], day: date, ident: str,
        release: str = "3.2", layout: str = "xsd") -> Message:
    h = Heen(head("jw", kind, release, layout, ident, day), [(BSN, lines)])  # type: ignore[arg-type]
    if release.startswith("2.") and kind == "301":
        h.beschikking = "B9"
    return at(decoder, h.xml(), day)


def links(events: list[Event]) -> dict[str, tuple[str, str, str | None]]:
    return {e.unit: (e.target, e.rule, e.start) for e in events
            if isinstance(e, UnitLinked) and e.kind == "line"}


def steps(events: list[Event]) -> dict[tuple[str, str], int]:
    return {(e.metric, e.subject): e.value for e in events if isinstance(e, StepMeasured)}


def rules(events: list[Event]) -> list[tuple[str, str, date | None, int | None]]:
    return [(a[0], a[1], a[3], a[5]) for a in alerts(events) if not a[0].startswith("retour")]


def test_start_links_by_toewijzingnummer_and_measures(decoder: Any) -> None:
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B")])
    start = "jw:438:12345678:B:2024-03-12#0"
    assert links(events)[start] == (TOEWIJZING, "toewijzingnummer", None)
    assert steps(events)[("start_report_delay", start)] == 1
    assert steps(events)[("assignment_care", TOEWIJZING)] == 7  # 4 → 11 March
    assert rules(events) == []


def test_start_before_its_toewijzing_links_when_the_301_arrives(decoder: Any) -> None:
    events = replay([msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [T], date(2024, 3, 13), "A")])
    assert links(events)["jw:438:12345678:B:2024-03-12#0"][0] == TOEWIJZING
    assert [r for r in rules(events) if r[0] == "unlinked"] == []


def test_late_start_is_judged_from_max_begindatum_and_first_301(decoder: Any) -> None:
    # due(max(11 March, 1 March), 5) = 18 March; received 20 March: 2 werkdagen late
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 20), "B")])
    assert ("start_late", "raised", date(2024, 3, 18), 2) in rules(events)


def test_missing_start_after_20_werkdagen_resolves_when_it_comes(decoder: Any) -> None:
    # due(max(4 March, 1 March), 20) = 3 April (Goede Vrijdag and 2e Paasdag skipped)
    late_start = Start("1001", "45", "45A48", INGANG, date(2024, 4, 8))
    other = Toegewezen("9", "45", "45A48", date(2024, 4, 8), date(2024, 4, 8), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "301", [other], date(2024, 4, 8), "F"),  # clock → 6 April
                     msg(decoder, "305", [late_start], date(2024, 4, 9), "B")])
    assert [r[:3] for r in rules(events) if r[2] == date(2024, 4, 3)] == [
        ("start_missing", "raised", date(2024, 4, 3)),
        ("start_missing", "resolved", date(2024, 4, 3))]


def test_stop_links_to_its_start_and_measures_care(decoder: Any) -> None:
    stop = Stop(S, date(2024, 5, 31), "31")
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [stop], date(2024, 6, 3), "C")])
    start = "jw:438:12345678:B:2024-03-12#0"
    assert links(events)["jw:440:12345678:C:2024-06-03#0"] == (
        TOEWIJZING, "toewijzingnummer", start)
    assert steps(events)[("care_duration", start)] == 81
    assert steps(events)[("stop_report_delay", "jw:440:12345678:C:2024-06-03#0")] == 1
    assert rules(events) == []


def test_a_stop_before_its_start_names_the_start_when_it_comes(decoder: Any) -> None:
    """Out of order: the 307 arrives first, links to its toewijzing, and names its start
    (and ends it: care duration, no stop_missing) once the 305 arrives."""
    stop = Stop(S, date(2024, 5, 31), "31")
    later = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "307", [stop], date(2024, 6, 3), "C"),
                     msg(decoder, "305", [S], date(2024, 6, 4), "B"),
                     msg(decoder, "301", [later], date(2024, 7, 20), "D")])  # moves the clock
    start, stop_key = "jw:438:12345678:B:2024-06-04#0", "jw:440:12345678:C:2024-06-03#0"
    assert links(events)[stop_key] == (TOEWIJZING, "toewijzingnummer", start)
    assert steps(events)[("care_duration", start)] == 81
    assert [r for r in rules(events) if r[0] == "stop_missing"] == []


def test_start_and_stop_both_before_their_toewijzing(decoder: Any) -> None:
    """Both wait for the 301; when it comes the stop names the start, whatever their
    received dates say (the stop is dated first here)."""
    stop = Stop(S, date(2024, 5, 31), "31")
    events = replay([msg(decoder, "307", [stop], date(2024, 6, 3), "C"),
                     msg(decoder, "305", [S], date(2024, 6, 4), "B"),
                     msg(decoder, "301", [T], date(2024, 6, 5), "A")])
    start, stop_key = "jw:438:12345678:B:2024-06-04#0", "jw:440:12345678:C:2024-06-03#0"
    assert links(events)[stop_key] == (TOEWIJZING, "toewijzingnummer", start)
    assert links(events)[start] == (TOEWIJZING, "toewijzingnummer", None)


def test_stop_missing_once_the_einddatum_has_passed(decoder: Any) -> None:
    later = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [later], date(2024, 7, 20), "D")])  # moves the clock
    assert ("stop_missing", "raised", date(2024, 7, 5), None) in rules(events)


def test_temporary_stop_does_not_satisfy_stop_missing(decoder: Any) -> None:
    temporary = Stop(S, date(2024, 5, 1), "20")
    later = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [temporary], date(2024, 5, 2), "C"),
                     msg(decoder, "301", [later], date(2024, 7, 20), "D")])
    assert [r[0] for r in rules(events)] == ["stop_missing"]


@pytest.mark.parametrize("restart_day", [date(2024, 4, 3), date(2024, 7, 15)])
def test_a_start_paused_and_started_again_needs_no_stop_of_its_own(
        decoder: Any, restart_day: date) -> None:
    """domain.md §6: after a temporary stop only a definitive stop or a new start may
    follow. The restart is stopped in time: nothing is missing. Read after the first
    start's stop_missing was raised (15 July), the restart resolves it."""
    ends = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 6, 28))
    restart = replace(S, begindatum=date(2024, 4, 2))
    filler = Toegewezen("9", "45", "45A48", date(2024, 7, 12), date(2024, 7, 12), None)
    events = replay(sorted([
        msg(decoder, "301", [ends], date(2024, 3, 1), "A"),
        msg(decoder, "305", [S], date(2024, 3, 12), "B"),
        msg(decoder, "307", [Stop(S, date(2024, 3, 15), "20")], date(2024, 3, 18), "C"),
        msg(decoder, "301", [filler], date(2024, 7, 12), "F"),
        msg(decoder, "305", [restart], restart_day, "R"),
        msg(decoder, "307", [Stop(restart, date(2024, 6, 28), "31")], restart_day, "E")],
        key=lambda m: m.received))
    first = "jw:438:12345678:B:2024-03-12#0"
    got = [a[:2] for a in alerts(events) if a[0] == "stop_missing" and a[2] == first]
    late = restart_day > date(2024, 7, 5)
    assert got == ([("stop_missing", "raised"), ("stop_missing", "resolved")] if late else [])


def test_a_restart_withdrawn_leaves_the_paused_start_to_be_stopped(decoder: Any) -> None:
    """The restart that ended the paused start is withdrawn (status 3) after the due date:
    the paused start needs its definitive stop again, and stop_missing is raised."""
    ends = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 6, 28))
    restart = replace(S, begindatum=date(2024, 4, 2))
    filler = Toegewezen("9", "45", "45A48", date(2024, 7, 12), date(2024, 7, 12), None)
    events = replay([msg(decoder, "301", [ends], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [Stop(S, date(2024, 3, 15), "20")],
                         date(2024, 3, 18), "C"),
                     msg(decoder, "305", [restart], date(2024, 4, 3), "R"),
                     msg(decoder, "301", [filler], date(2024, 7, 12), "F"),
                     msg(decoder, "305", [replace(restart, status="3")], date(2024, 7, 15),
                         "W")])
    first = "jw:438:12345678:B:2024-03-12#0"
    assert [a[:2] for a in alerts(events) if a[0] == "stop_missing" and a[2] == first] == [
        ("stop_missing", "raised")]


def test_an_extension_resolves_start_missing_and_it_stays_resolved(decoder: Any) -> None:
    """product.md §4: an extension arriving later withdraws the subject of a raised
    start_missing, which is resolved. Its due date has not moved, so it is not raised
    again; a start that comes resolves nothing more."""
    longer = Toegewezen("1001", "45", "45A48", date(2024, 4, 10), INGANG, date(2024, 12, 31))
    other = Toegewezen("9", "45", "45A48", date(2024, 4, 8), date(2024, 4, 8), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "301", [other], date(2024, 4, 8), "F"),  # clock → 6 April
                     msg(decoder, "301", [longer], date(2024, 4, 10), "E"),
                     msg(decoder, "301", [other], date(2024, 6, 1), "G")])
    assert [a[:2] for a in alerts(events) if a[2] == TOEWIJZING] == [
        ("start_missing", "raised"), ("start_missing", "resolved")]


def test_extension_resolves_stop_missing(decoder: Any) -> None:
    longer = Toegewezen("1001", "45", "45A48", date(2024, 7, 15), INGANG, date(2024, 12, 31))
    filler = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [filler], date(2024, 7, 12), "D"),
                     msg(decoder, "301", [longer, filler], date(2024, 7, 15), "E")])
    assert [r[:2] for r in rules(events)] == [("stop_missing", "raised"),
                                              ("stop_missing", "resolved")]


def test_extension_after_stop_missing_raises_it_again_at_the_new_due(decoder: Any) -> None:
    """The extension resolved stop_missing (product.md §4); the start is not stopped by
    the new Einddatum either: it is missing again, due(30 August, 5) = 6 September."""
    longer = Toegewezen("1001", "45", "45A48", date(2024, 7, 15), INGANG, date(2024, 8, 30))
    filler = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [filler], date(2024, 7, 12), "D"),
                     msg(decoder, "301", [longer, filler], date(2024, 7, 15), "E"),
                     msg(decoder, "301", [filler], date(2024, 9, 20), "F")])
    assert [r[:3] for r in rules(events) if r[0] == "stop_missing"] == [
        ("stop_missing", "raised", date(2024, 7, 5)),
        ("stop_missing", "resolved", date(2024, 7, 5)),
        ("stop_missing", "raised", date(2024, 9, 6))]


@pytest.mark.parametrize("lateness", [2, 10])
def test_an_extension_after_the_stop_due_resolves_stop_missing_whatever_the_lateness(
        decoder: Any, lateness: int) -> None:
    """As for start_missing: the extension (received 15 July) came after the stop's due
    date (5 July), so stop_missing was due then, and the extension resolves it, also when
    it is read before the clock passed that date (a long lateness)."""
    longer = Toegewezen("1001", "45", "45A48", date(2024, 7, 15), INGANG, date(2024, 12, 31))
    filler = Toegewezen("9", "45", "45A48", date(2024, 7, 20), date(2024, 7, 22), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [filler], date(2024, 7, 12), "D"),
                     msg(decoder, "301", [longer, filler], date(2024, 7, 15), "E")],
                    Terms(alerts_from_days=0, allowed_lateness_days=lateness))
    assert [r[:3] for r in rules(events) if r[0] == "stop_missing"] == [
        ("stop_missing", "raised", date(2024, 7, 5)),
        ("stop_missing", "resolved", date(2024, 7, 5))]


def test_a_start_withdrawn_after_it_resolved_start_missing_opens_it_again(
        decoder: Any) -> None:
    """A late start resolved start_missing; it is withdrawn and nothing replaces it: the
    toewijzing has no start again, and start_missing is open again."""
    late = replace(S, begindatum=date(2024, 4, 8))
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "301", [Toegewezen("9", "45", "45A48", date(2024, 4, 10),
                                                     date(2024, 4, 10), None)],
                         date(2024, 4, 10), "F"),  # the clock passes start_missing's due
                     msg(decoder, "305", [late], date(2024, 4, 11), "B"),
                     msg(decoder, "305", [replace(late, status="3")], date(2024, 4, 12), "W")])
    got = [r[:2] for r in rules(events) if r[0] == "start_missing"]
    assert got == [("start_missing", "raised"), ("start_missing", "resolved"),
                   ("start_missing", "raised")]


def test_a_late_stop_that_links_to_nothing_is_late_all_the_same(decoder: Any) -> None:
    """OP272: stop_late needs the 307 alone (due(Einddatum in the 307, 5)): a stop of a
    toewijzing from before the archive is late, and unlinked. A definitive stop after a
    temporary one of the same start (same key) is not judged late, linked or not."""
    stop = Stop(S, date(2024, 5, 31), "31")  # due(31 May, 5) = 7 June
    pause = Stop(S, date(2024, 4, 30), "20")  # due(30 April, 5) = 8 May (Koningsdag)
    other = Toegewezen("9", "45", "45A48", date(2024, 6, 20), date(2024, 6, 20), None)
    lead = msg(decoder, "301", [other], date(2024, 3, 1), "L")  # alerts due from 1 March
    alone = replay([lead, msg(decoder, "307", [stop], date(2024, 6, 11), "C"),
                    msg(decoder, "301", [other], date(2024, 6, 20), "D")])
    assert ("stop_late", "raised", date(2024, 6, 7), 2) in rules(alone)
    assert "unlinked" in [r[0] for r in rules(alone)]
    paused = replay([lead, msg(decoder, "307", [pause], date(2024, 5, 2), "P"),
                     msg(decoder, "307", [stop], date(2024, 6, 11), "C"),
                     msg(decoder, "301", [other], date(2024, 6, 20), "D")])
    assert [r[0] for r in rules(paused) if r[0] == "stop_late"] == []


def test_late_stop(decoder: Any) -> None:
    stop = Stop(S, date(2024, 5, 31), "31")  # due(31 May, 5) = 7 June
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [stop], date(2024, 6, 11), "C")])
    assert ("stop_late", "raised", date(2024, 6, 7), 2) in rules(events)


@pytest.mark.parametrize("withdrawal_first", [True, False])
def test_correction_withdraws_and_is_not_judged_again(decoder: Any,
                                                      withdrawal_first: bool) -> None:
    """domain.md §6: status 3 plus a new status-1 line, in either order in the message."""
    wrong = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5))
    withdraw = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5), status="3")
    right = Start("1001", "45", "45A48", INGANG, date(2024, 3, 6))
    lines = [withdraw, right] if withdrawal_first else [right, withdraw]
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [wrong], date(2024, 3, 6), "B"),
                     msg(decoder, "305", lines, date(2024, 3, 20), "C")])
    assert rules(events) == []  # the correction, received late, is not judged late
    assert steps(events)[("assignment_care", TOEWIJZING)] == 2  # the corrected Begindatum


def test_2x_start_links_by_beschikking_across_the_release_crossing(decoder: Any) -> None:
    t2 = Toegewezen(None, "45", "45A48", date(2020, 12, 1), date(2020, 12, 7), None,
                    beschikking="B9")
    s2 = Start(None, "45", "45A48", date(2020, 12, 7), date(2020, 12, 8), beschikking="B9")
    events = replay([msg(decoder, "301", [t2], date(2020, 12, 1), "A", "2.4"),
                     msg(decoder, "305", [s2], date(2020, 12, 9), "B", "2.4", "example")])
    key = "jw:0363:bB9:4545A48:2020-12-07"
    assert links(events)["jw:438:12345678:B:2020-12-09#0"] == (key, "beschikking", None)


def test_a_2x_start_linked_by_its_period_moves_to_the_toewijzing_its_beschikking_names(
        decoder: Any) -> None:
    """Two toewijzingen of one Beschikking and Product; the start names the first by its
    Ingangsdatum (4 March) but arrives before that 301, inside the second's period. Once
    the 301 it names arrives, the start moves there (product.md §3: a link that becomes
    possible later is made then), and its stop, which names the same key, stops it."""
    named = Toegewezen(None, "45", "45A48", date(2020, 3, 1), date(2020, 3, 4),
                       date(2020, 6, 30), beschikking="B9")
    other = Toegewezen(None, "45", "45A48", date(2020, 3, 2), date(2020, 3, 9),
                       date(2020, 6, 30), beschikking="B9")
    start = Start(None, "45", "45A48", date(2020, 3, 4), date(2020, 3, 11), beschikking="B9")
    filler = Toegewezen("9", "54", None, date(2020, 10, 1), date(2020, 10, 1), None)
    start_key, stop_key = "jw:438:12345678:B:2020-03-12#0", "jw:440:12345678:C:2020-07-01#0"
    events = replay([msg(decoder, "301", [other], date(2020, 3, 2), "A2", "2.3"),
                     msg(decoder, "305", [start], date(2020, 3, 12), "B", "2.4", "example"),
                     msg(decoder, "301", [named], date(2020, 3, 13), "A", "2.3"),
                     msg(decoder, "307", [Stop(start, date(2020, 6, 30), "31")],
                         date(2020, 7, 1), "C", "2.4", "example"),
                     msg(decoder, "301", [filler], date(2020, 10, 1), "F", "2.3")])
    named_key = "jw:0363:bB9:4545A48:2020-03-04"
    assert links(events)[start_key] == (named_key, "beschikking", None)
    assert links(events)[stop_key] == (named_key, "beschikking", start_key)
    assert steps(events)[("care_duration", start_key)] == 111
    assert steps(events)[("assignment_care", named_key)] == 7  # 4 → 11 March
    final = {(e.metric, e.subject): e for e in events
             if isinstance(e, (StepMeasured, StepWithdrawn))}
    assert isinstance(final[("assignment_care", "jw:0363:bB9:4545A48:2020-03-09")],
                      StepWithdrawn)  # the toewijzing it left has no start
    status = {(a[0], a[2]): a[1] for a in alerts(events)}  # the last event of each
    assert status.get(("stop_missing", start_key), "resolved") == "resolved"
    assert status.get(("start_missing", named_key), "resolved") == "resolved"


def test_a_2x_line_whose_number_names_nothing_falls_back_on_its_beschikking(
        decoder: Any) -> None:
    """product.md §3: the Beschikking fallback holds for 2.x (or a key absent). A 2.x start
    with a ToewijzingNummer and a Beschikkingnummer, of a toewijzing sent without a number,
    links by its Beschikking; when a 301 with its number arrives after all, it moves there."""
    unnumbered = Toegewezen(None, "45", "45A48", date(2020, 3, 1), date(2020, 3, 4),
                            date(2020, 6, 30), beschikking="B9")
    numbered = Toegewezen("1001", "45", "45A48", date(2020, 3, 20), date(2020, 3, 4),
                          date(2020, 6, 30), beschikking="B9")
    start = Start("1001", "45", "45A48", date(2020, 3, 4), date(2020, 3, 11), beschikking="B9")
    filler = Toegewezen("9", "54", None, date(2020, 5, 1), date(2020, 5, 1), None)
    received = [msg(decoder, "301", [unnumbered], date(2020, 3, 1), "A", "2.3"),
                msg(decoder, "305", [start], date(2020, 3, 12), "B", "2.3")]
    start_key = "jw:438:12345678:B:2020-03-12#0"
    events = replay([*received, msg(decoder, "301", [filler], date(2020, 5, 1), "F", "2.3")])
    assert links(events)[start_key] == ("jw:0363:bB9:4545A48:2020-03-04", "beschikking", None)
    assert [r for r in rules(events) if r[0] in ("unlinked", "start_missing")] == []
    events = replay([*received, msg(decoder, "301", [numbered], date(2020, 3, 20), "A2", "2.3"),
                     msg(decoder, "301", [filler], date(2020, 5, 1), "F", "2.3")])
    assert links(events)[start_key] == (TOEWIJZING, "toewijzingnummer", None)
    status = {(a[0], a[2]): a[1] for a in alerts(events)}
    assert status.get(("start_missing", TOEWIJZING), "resolved") == "resolved"


def test_301_in_2_4_and_305_in_3_0_share_the_toewijzingnummer(decoder: Any) -> None:
    t2 = Toegewezen("1001", "45", "45A48", date(2020, 12, 1), date(2020, 12, 7), None,
                    beschikking="B9")
    s3 = Start("1001", "45", "45A48", date(2020, 12, 7), date(2021, 1, 4))
    events = replay([msg(decoder, "301", [t2], date(2020, 12, 1), "A", "2.4"),
                     msg(decoder, "305", [s3], date(2021, 1, 5), "B", "3.0")])
    assert links(events)["jw:438:12345678:B:2021-01-05#0"] == (
        TOEWIJZING, "toewijzingnummer", None)


def test_period_fallback_without_any_key(decoder: Any) -> None:
    keyless = Start(None, "45", "45A48", None, date(2024, 3, 11))
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [keyless], date(2024, 3, 12), "B")])
    assert links(events)["jw:438:12345678:B:2024-03-12#0"] == (TOEWIJZING, "periode", None)


def test_start_for_an_unknown_toewijzing_is_unlinked(decoder: Any) -> None:
    other = Start("4242", "45", "45A48", INGANG, date(2024, 3, 11))
    filler = Toegewezen("9", "45", "45A48", date(2024, 3, 25), date(2024, 3, 25), None)
    events = replay([msg(decoder, "305", [other], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [filler], date(2024, 3, 25), "F")])
    assert ("unlinked", "raised", date(2024, 3, 19), None) in rules(events)


def test_a_3_0_status_3_line_withdraws_a_2_4_start_named_by_beschikking(decoder: Any) -> None:
    t2 = Toegewezen("1001", "45", "45A48", date(2020, 12, 1), date(2020, 12, 7), None,
                    beschikking="B9")
    old = Start(None, "45", "45A48", date(2020, 12, 7), date(2020, 12, 23), beschikking="B9")
    withdraw = Start("1001", "45", "45A48", date(2020, 12, 7), date(2020, 12, 23), "3")
    right = Start("1001", "45", "45A48", date(2020, 12, 7), date(2020, 12, 21))
    events = replay([msg(decoder, "301", [t2], date(2020, 12, 1), "A", "2.4"),
                     msg(decoder, "305", [old], date(2020, 12, 24), "B", "2.4", "example"),
                     msg(decoder, "305", [withdraw, right], date(2021, 1, 5), "C", "3.0")])
    assert rules(events) == []  # the replacing line is a correction: not judged late
    assert steps(events)[("assignment_care", TOEWIJZING)] == 14  # 7 → 21 December


def test_a_withdrawal_read_before_the_line_it_withdraws(decoder: Any) -> None:
    """product.md §1/§3: any order. The withdrawn start, read last, never counts, and the
    new line of the withdrawing message is the correction (not late)."""
    wrong = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5))
    withdraw = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5), status="3")
    right = Start("1001", "45", "45A48", INGANG, date(2024, 3, 6))
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [withdraw, right], date(2024, 3, 20), "C"),
                     msg(decoder, "305", [wrong], date(2024, 3, 6), "B")])
    got = rules(events)
    assert ("start_late", "raised", date(2024, 3, 13), 5) in got  # until the original came
    assert got[-1] == ("start_late", "resolved", date(2024, 3, 13), 5)
    assert steps(events)[("assignment_care", TOEWIJZING)] == 2  # not the withdrawn 5 March
    assert ("start_report_delay", "jw:438:12345678:B:2024-03-06#0") not in steps(events)


def test_a_stop_withdrawn_after_its_due_date_opens_stop_missing_again(decoder: Any) -> None:
    ends = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 3, 29))
    stop = Stop(S, date(2024, 3, 29), "31")  # due(29 March, 5) = 8 April (Pasen)
    withdraw = Stop(S, date(2024, 3, 29), "31", "3")
    filler = Toegewezen("9", "45", "45A48", date(2024, 4, 15), date(2024, 4, 15), None)
    events = replay([msg(decoder, "301", [ends], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [stop], date(2024, 4, 2), "C"),
                     msg(decoder, "301", [filler], date(2024, 4, 15), "F"),  # past the due
                     msg(decoder, "307", [withdraw], date(2024, 4, 20), "W"),
                     msg(decoder, "301", [filler], date(2024, 4, 25), "G")])
    assert rules(events) == [("stop_missing", "raised", date(2024, 4, 8), None)]
    start = "jw:438:12345678:B:2024-03-12#0"
    assert ("care_duration", start) in steps(events)  # measured, then removed: no stop now
    assert [(e.metric, e.subject) for e in events if isinstance(e, StepWithdrawn)] == [
        ("stop_report_delay", "jw:440:12345678:C:2024-04-02#0"), ("care_duration", start)]


def test_3_1_withdrawal_key_has_no_redenbeeindiging(decoder: Any) -> None:
    """domain.md §4: the 307 key has RedenBeeindiging only from 3.2 on."""
    stop = Stop(S, date(2024, 5, 31), "31")
    withdraw = Stop(S, date(2024, 5, 31), "34", "3")
    events = {release: replay([msg(decoder, "301", [T], date(2024, 3, 1), "A", release),
                               msg(decoder, "305", [S], date(2024, 3, 12), "B", release),
                               msg(decoder, "307", [stop], date(2024, 6, 3), "C", release),
                               msg(decoder, "307", [withdraw], date(2024, 6, 4), "W", release),
                               msg(decoder, "301", [T], date(2024, 7, 20), "F", release)])
              for release in ("3.1", "3.2")}
    assert ("stop_missing", "raised", date(2024, 7, 5), None) in rules(events["3.1"])
    assert [r for r in rules(events["3.2"]) if r[0] == "stop_missing"] == []


def test_a_start_rejected_by_its_retour_is_no_start(decoder: Any) -> None:
    """product.md §4: 0001 makes the 305 "not sent": its late start is withdrawn, and the
    toewijzing waits for a start again."""
    late = Heen(head("jw", "305", ident="B", day=date(2024, 3, 20)), [(BSN, [S])])
    filler = Toegewezen("9", "45", "45A48", date(2024, 4, 20), date(2024, 4, 20), None)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     at(decoder, late.xml(), date(2024, 3, 20)),
                     at(decoder, late.retour("R", date(2024, 3, 21), header_codes=("0001",)),
                        date(2024, 3, 21)),
                     msg(decoder, "301", [filler], date(2024, 4, 20), "F")])
    assert rules(events) == [("start_late", "raised", date(2024, 3, 18), 2),
                             ("start_late", "resolved", date(2024, 3, 18), 2),
                             ("start_missing", "raised", date(2024, 4, 3), None)]


def test_assignment_care_comes_from_the_earliest_start_and_is_told_once(decoder: Any) -> None:
    """A restart does not change the figure, so no second event (the live histogram would
    count the toewijzing twice); its message is the start with the earliest Begindatum."""
    stop = Stop(S, date(2024, 4, 30), "31")
    restart = Start("1001", "45", "45A48", INGANG, date(2024, 5, 6))
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [stop], date(2024, 5, 2), "C"),
                     msg(decoder, "305", [restart], date(2024, 5, 7), "D")])
    told = [(e.value, e.msg) for e in events
            if isinstance(e, StepMeasured) and e.metric == "assignment_care"]
    assert told == [(7, "jw:438:12345678:B:2024-03-12")]


def test_report_delays_need_no_toewijzing(decoder: Any) -> None:
    """product.md §5: from the line alone, also for a toewijzing from before the archive."""
    start = Start("4242", "45", "45A48", INGANG, date(2024, 3, 11))
    stop = Stop(start, date(2024, 3, 29), "31")
    events = replay([msg(decoder, "305", [start], date(2024, 3, 13), "B"),
                     msg(decoder, "307", [stop], date(2024, 4, 3), "C")])
    assert steps(events) == {("start_report_delay", "jw:438:12345678:B:2024-03-13#0"): 2,
                             ("stop_report_delay", "jw:440:12345678:C:2024-04-03#0"): 2}


def test_a_301_rejected_by_its_retour_takes_its_assignment_care_away(decoder: Any) -> None:
    h = Heen(head("jw", "301", ident="A", day=date(2024, 3, 1)), [(BSN, [T])])
    events = replay([at(decoder, h.xml(), date(2024, 3, 1)),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     at(decoder, h.retour("R", date(2024, 3, 13), header_codes=("0001",)),
                        date(2024, 3, 13))])
    assert [(e.metric, e.subject) for e in events if isinstance(e, StepWithdrawn)] == [
        ("assignment_care", TOEWIJZING)]


def test_a_deletion_takes_the_assignment_care_away_and_its_undoing_gives_it_back(
        decoder: Any) -> None:
    """product.md §3: a deleted toewijzing (RedenWijziging 13) does not count as care, so
    it has no assignment → care figure, as its trajectory has no start; a newer live
    version brings the toewijzing and its figure back."""
    deletion = Toegewezen("1001", "45", "45A48", date(2024, 3, 20), INGANG, INGANG,
                          reden_wijziging="13")
    live = Toegewezen("1001", "45", "45A48", date(2024, 3, 25), INGANG, EIND,
                      reden_wijziging="04")
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [deletion], date(2024, 3, 20), "D")])
    assert [(e.metric, e.subject) for e in events if isinstance(e, StepWithdrawn)] == [
        ("assignment_care", TOEWIJZING)]
    events = replay([msg(decoder, "301", [deletion], date(2024, 3, 20), "D"),
                     msg(decoder, "305", [S], date(2024, 3, 21), "B")])
    assert ("assignment_care", TOEWIJZING) not in steps(events)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [deletion], date(2024, 3, 20), "D"),
                     msg(decoder, "301", [live], date(2024, 3, 25), "E")])
    assert [e.value for e in events if isinstance(e, StepMeasured)
            and e.metric == "assignment_care"] == [7, 7]  # measured, withdrawn, measured


def test_a_withdrawal_read_first_on_the_same_day_or_across_releases(decoder: Any) -> None:
    """The withdrawal read before its line: received the same day, or a 3.0 status-3 line
    by ToewijzingNummer for a 2.4 line named by Beschikking (linked first, then compared)."""
    wrong = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5))
    withdraw = Start("1001", "45", "45A48", INGANG, date(2024, 3, 5), status="3")
    same_day = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                       msg(decoder, "305", [withdraw], date(2024, 3, 6), "W"),
                       msg(decoder, "305", [wrong], date(2024, 3, 6), "B")])
    assert ("start_report_delay", "jw:438:12345678:B:2024-03-06#0") not in steps(same_day)
    t2 = Toegewezen("1001", "45", "45A48", date(2020, 12, 1), date(2020, 12, 7), None,
                    beschikking="B9")
    old = Start(None, "45", "45A48", date(2020, 12, 7), date(2020, 12, 23), beschikking="B9")
    gone = Start("1001", "45", "45A48", date(2020, 12, 7), date(2020, 12, 23), "3")
    crossed = replay([msg(decoder, "301", [t2], date(2020, 12, 1), "A", "2.4"),
                      msg(decoder, "305", [gone], date(2021, 1, 5), "C", "3.0"),
                      msg(decoder, "305", [old], date(2020, 12, 24), "B", "2.4", "example")])
    assert ("assignment_care", TOEWIJZING) not in steps(crossed)  # no start counts


def test_the_first_301_that_counts_is_the_one_sent_again_after_a_rejection(
        decoder: Any) -> None:
    """product.md §4 start_late: due(max(Begindatum, received date of the first 301), 5);
    a 301 its retour rejected (0001) was not sent, so the one sent again counts."""
    retro = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), date(2024, 2, 1), None)
    refused = Heen(head("jw", "301", ident="A", day=date(2024, 3, 1)), [(BSN, [retro])])
    again = Toegewezen("1001", "45", "45A48", date(2024, 3, 15), date(2024, 2, 1), None)
    start = Start("1001", "45", "45A48", date(2024, 2, 1), date(2024, 2, 5))
    first, rejection = (at(decoder, refused.xml(), date(2024, 3, 1)),
                        at(decoder, refused.retour("R", date(2024, 3, 2),
                                                   header_codes=("0001",)), date(2024, 3, 2)))
    sent_again = msg(decoder, "301", [again], date(2024, 3, 15), "A2")
    started = msg(decoder, "305", [start], date(2024, 3, 20), "B")  # due 22 March
    events = replay([first, rejection, sent_again, started])
    assert [r for r in rules(events) if r[0] == "start_late"] == []
    # the rejection read after the start: judged again, the same verdict in the end
    events = replay([first, sent_again, started, rejection])
    assert [r[1] for r in rules(events) if r[0] == "start_late"] in ([], ["raised", "resolved"])


@pytest.mark.parametrize("order", ["receipt", "newest_first"])
def test_an_older_version_read_late_moves_the_first_301(decoder: Any, order: str) -> None:
    """start_missing and start_late count from the received date of the toewijzing's first
    301 (product.md §4), also when its older version is read after the newer one."""
    v1 = msg(decoder, "301", [Toegewezen("1001", "45", "45A48", date(2024, 3, 1),
                                         date(2024, 2, 1), None)], date(2024, 3, 1), "A1")
    v2 = msg(decoder, "301", [Toegewezen("1001", "45", "45A48", date(2024, 3, 4),
                                         date(2024, 2, 1), date(2024, 12, 31))],
             date(2024, 3, 4), "A2")
    tick = msg(decoder, "301", [Toegewezen("9", "54", None, date(2024, 6, 3), date(2024, 6, 3),
                                           None)], date(2024, 6, 3), "F")
    versions = [v1, v2] if order == "receipt" else [v2, v1]
    events = replay([*versions, tick])  # no start: due(1 March, 20) = 2 April
    assert [r[:3] for r in rules(events)] == [("start_missing", "raised", date(2024, 4, 2))]
    start = msg(decoder, "305", [Start("1001", "45", "45A48", date(2024, 2, 1),
                                       date(2024, 2, 5))], date(2024, 3, 11), "S")
    events = replay([v1, v2, start, tick] if order == "receipt" else [v2, start, v1, tick])
    assert [r[:3] for r in rules(events)] == [("start_late", "raised", date(2024, 3, 8))]


def test_a_task_oriented_stop_names_its_start_by_product_and_begindatum(decoder: Any) -> None:
    """domain.md §3/§4: no ToewijzingNummer and no toewijzing (the task-oriented variant):
    the stop's key is Product + Begindatum, and it links to the start it stops, in either
    order; the care duration is measured and the stop is not unlinked."""
    start = Start(None, "45", "45A48", None, date(2024, 3, 4))
    stop = Stop(start, date(2024, 3, 29), "31")
    filler = Toegewezen("9", "54", None, date(2024, 4, 30), date(2024, 4, 30), None)
    for order in ((0, 1), (1, 0)):
        pair = [msg(decoder, "305", [start], date(2024, 3, 5), "S"),
                msg(decoder, "307", [stop], date(2024, 4, 2), "P")]
        events = replay([*(pair[i] for i in order),
                         msg(decoder, "301", [filler], date(2024, 4, 30), "F")])
        assert links(events)["jw:440:12345678:P:2024-04-02#0"] == (
            "jw:438:12345678:S:2024-03-05#0", "product_begindatum",
            "jw:438:12345678:S:2024-03-05#0")
        assert steps(events)[("care_duration", "jw:438:12345678:S:2024-03-05#0")] == 25
        unlinked = {a[2] for a in alerts(events) if a[0] == "unlinked"}
        assert "jw:440:12345678:P:2024-04-02#0" not in unlinked  # the stop links to its start


def test_a_stopped_start_cannot_be_withdrawn(decoder: Any) -> None:
    """domain.md §6: first delete the stop (a withdrawal of a stopped start is refused with
    9071); the episode stays whole."""
    stop = Stop(S, date(2024, 5, 31), "31")
    withdraw = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11), status="3")
    later = Toegewezen("9", "54", None, date(2024, 8, 1), date(2024, 8, 1), None)
    received = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                msg(decoder, "307", [stop], date(2024, 6, 3), "C"),
                msg(decoder, "305", [withdraw], date(2024, 6, 4), "W")]
    for order in ((0, 1, 2, 3), (0, 1, 3, 2), (0, 3, 1, 2)):  # any read order (§1)
        events = replay([*(received[i] for i in order),
                         msg(decoder, "301", [later], date(2024, 8, 1), "F")])
        start = "jw:438:12345678:B:2024-03-12#0"
        assert steps(events)[("care_duration", start)] == 81, order
        missing = [r[1] for r in rules(events) if r[0] == "start_missing"]
        assert missing in ([], ["raised", "resolved"]), order  # open only until the stop
        final = {(e.metric, e.subject): e for e in events
                 if isinstance(e, (StepMeasured, StepWithdrawn))}
        assert isinstance(final[("care_duration", start)], StepMeasured), order


def test_a_stop_without_a_product_still_names_its_start(decoder: Any) -> None:
    """Product is optional in 305 and 307: absent on one side, the key still matches."""
    bare = Stop(Start("1001", None, None, INGANG, date(2024, 3, 11)), date(2024, 5, 31), "31")
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "307", [bare], date(2024, 6, 3), "C")])
    assert links(events)["jw:440:12345678:C:2024-06-03#0"][2] == "jw:438:12345678:B:2024-03-12#0"


def test_a_rejected_first_301_moves_start_missing_also_when_a_newer_version_stays(
        decoder: Any) -> None:
    """The retour 0001 on the first 301 comes after a newer version: the version in force
    stays, but the first 301 that counts moves, and so does start_missing's due date."""
    v1 = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), date(2024, 2, 1), None)
    first = Heen(head("jw", "301", ident="A", day=date(2024, 3, 1)), [(BSN, [v1])])
    v2 = Toegewezen("1001", "45", "45A48", date(2024, 3, 4), date(2024, 2, 1), None,
                    toewijzingstijd="10:00:00")
    other = Toegewezen("9", "54", None, date(2024, 6, 3), date(2024, 6, 3), None)
    events = replay([at(decoder, first.xml(), date(2024, 3, 1)),
                     msg(decoder, "301", [v2], date(2024, 3, 4), "A2"),
                     at(decoder, first.retour("R", date(2024, 3, 5), header_codes=("0001",)),
                        date(2024, 3, 5)),
                     msg(decoder, "301", [other], date(2024, 6, 3), "F")])
    assert [r for r in rules(events) if r[0] == "start_missing"] == [
        ("start_missing", "raised", date(2024, 4, 3), None)]  # due(4 March, 20)


def test_a_withdrawn_task_oriented_stop_takes_its_care_duration_along(decoder: Any) -> None:
    start = Start(None, "45", "45A48", None, date(2024, 3, 4))
    stop = Stop(start, date(2024, 3, 29), "31")
    events = replay([msg(decoder, "305", [start], date(2024, 3, 5), "S"),
                     msg(decoder, "307", [stop], date(2024, 4, 2), "P"),
                     msg(decoder, "307", [Stop(start, date(2024, 3, 29), "31", "3")],
                         date(2024, 4, 3), "W")])
    assert ("care_duration", "jw:438:12345678:S:2024-03-05#0") in [
        (e.metric, e.subject) for e in events if isinstance(e, StepWithdrawn)]


def test_a_line_withdrawn_before_its_unlinked_due_date_raises_nothing(decoder: Any) -> None:
    """product.md §4: a withdrawn line is considered not sent; `unlinked` is not raised on
    it (toewijzing 4242 is never known)."""
    lost = Start("4242", "54", None, date(2024, 3, 1), date(2024, 3, 1))
    events = replay([msg(decoder, "305", [lost], date(2024, 4, 2), "X"),
                     msg(decoder, "305", [replace(lost, status="3")], date(2024, 4, 3), "W"),
                     msg(decoder, "301", [Toegewezen("9", "45", None, date(2024, 4, 20),
                                                     date(2024, 4, 20), None)],
                         date(2024, 4, 20), "F")])  # the clock passes due(2 April, 5)
    assert [r for r in rules(events) if r[0] == "unlinked"] == []


def test_a_task_oriented_stop_is_no_correction_of_another_withdrawn_stop(
        decoder: Any) -> None:
    """A stop of toewijzing 4242 (not known yet) withdrawn earlier is no line that the
    task-oriented stop replaces (product.md §4: of the same toewijzing): the late task
    stop is judged, and 4242's own correction is not judged late later on."""
    task_start = Start(None, "45", "45A48", None, date(2024, 3, 4))
    numbered = Start("4242", "54", None, date(2024, 3, 1), date(2024, 3, 1))
    events = replay([
        msg(decoder, "307", [Stop(numbered, date(2024, 3, 29), "31")], date(2024, 4, 2), "X"),
        msg(decoder, "307", [Stop(numbered, date(2024, 3, 29), "31", "3")], date(2024, 4, 3),
            "W"),
        msg(decoder, "305", [task_start], date(2024, 3, 5), "S"),
        msg(decoder, "307", [Stop(task_start, date(2024, 3, 29), "31")], date(2024, 4, 20),
            "P"),  # due(29 March, 5) = 8 April
        msg(decoder, "301", [Toegewezen("4242", "54", None, date(2024, 3, 1), date(2024, 3, 1),
                                        date(2024, 3, 29))], date(2024, 4, 21), "A"),
        msg(decoder, "305", [numbered], date(2024, 4, 21), "B"),
        msg(decoder, "307", [Stop(numbered, date(2024, 3, 28), "31")], date(2024, 4, 22), "C"),
    ])
    late = {a[2] for a in alerts(events) if a[0] == "stop_late"}
    assert late == {"jw:440:12345678:P:2024-04-20#0"}


@pytest.mark.parametrize("withdrawal_first", [True, False])
def test_a_corrected_stop_of_a_toewijzing_from_before_the_archive_is_not_judged_late(
        decoder: Any, withdrawal_first: bool) -> None:
    """product.md §4: a status-1 line that replaces a withdrawn line of the same
    toewijzing is not judged late again, also when that toewijzing (777) was sent before
    the archive began: the lines name it by number, and link to nothing."""
    start = Start("777", "45", "45A48", date(2019, 1, 1), date(2019, 2, 1))
    wrong = Stop(start, date(2024, 5, 1), "31")
    withdraw, right = Stop(start, date(2024, 5, 1), "31", "3"), Stop(start, date(2024, 4, 1),
                                                                       "31")
    other = Toegewezen("9", "45", "45A48", date(2024, 3, 1), date(2024, 3, 1), None)
    events = replay([msg(decoder, "301", [other], date(2024, 3, 1), "A"),
                     msg(decoder, "307", [wrong], date(2024, 5, 2), "B"),
                     msg(decoder, "307", [withdraw, right] if withdrawal_first
                         else [right, withdraw], date(2024, 5, 20), "C")])
    assert [r for r in rules(events) if r[0] == "stop_late"] == []


@pytest.mark.parametrize("numbered_received", [date(2024, 3, 4), date(2024, 3, 6)])
def test_a_waiting_numbered_start_does_not_hide_the_task_oriented_one(
        decoder: Any, numbered_received: date) -> None:
    task_start = Start(None, "45", "45A48", None, date(2024, 3, 4))
    numbered = Start("4242", "45", "45A48", date(2024, 3, 1), date(2024, 3, 4))  # 301 unknown
    events = replay([msg(decoder, "305", [numbered], numbered_received, "N"),
                     msg(decoder, "305", [task_start], date(2024, 3, 5), "S"),
                     msg(decoder, "307", [Stop(task_start, date(2024, 3, 29), "31")],
                         date(2024, 4, 2), "P")])
    start = "jw:438:12345678:S:2024-03-05#0"
    assert links(events)["jw:440:12345678:P:2024-04-02#0"] == (start, "product_begindatum",
                                                               start)
    assert steps(events)[("care_duration", start)] == 25


@pytest.mark.parametrize("order", ["receipt", "resent_read_first"])
def test_a_withdrawal_takes_the_line_received_before_it_not_the_one_sent_again(
        decoder: Any, order: str) -> None:
    """S1 is withdrawn on 20 March and sent again (S2) on the 25th; read in any order, W
    withdraws S1, and S2 replaces it: a correction, not late (product.md §1, §4)."""
    a = msg(decoder, "301", [T], date(2024, 3, 1), "A")
    s1 = msg(decoder, "305", [S], date(2024, 3, 12), "B")
    w = msg(decoder, "305", [replace(S, status="3")], date(2024, 3, 20), "W")
    s2 = msg(decoder, "305", [S], date(2024, 3, 25), "D")
    events = replay([a, s1, w, s2] if order == "receipt" else [a, s1, s2, w])
    final = {k: v for k, v in _final_steps(events).items() if k[0] == "start_report_delay"}
    assert final == {("start_report_delay", "jw:438:12345678:D:2024-03-25#0"): 10}
    assert [a[1] for a in alerts(events) if a[0] == "start_late"] in ([], ["raised",
                                                                           "resolved"])


def _final_steps(events: list[Event]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for e in events:
        if isinstance(e, StepMeasured):
            out[(e.metric, e.subject)] = e.value
        elif isinstance(e, StepWithdrawn):
            out.pop((e.metric, e.subject), None)
    return out


@pytest.mark.parametrize("rejection", ["header_0001", "line_9063", "retour_read_first"])
def test_a_withdrawal_its_retour_rejects_withdraws_nothing(decoder: Any,
                                                           rejection: str) -> None:
    """product.md §4: a heenbericht (or line) its retour rejects is considered not sent;
    a status-3 line so rejected leaves the start it named counting."""
    withdrawing = Heen(head("jw", "305", ident="W", day=date(2024, 3, 14)),
                       [(BSN, [replace(S, status="3")])])
    codes: dict[str, Any] = ({"line_codes": {0: ("9063",)}} if rejection == "line_9063"
                             else {"header_codes": ("0001",)})
    w = at(decoder, withdrawing.xml(), date(2024, 3, 14))
    r = at(decoder, withdrawing.retour("R", date(2024, 3, 15), **codes), date(2024, 3, 15))
    tick = msg(decoder, "301", [Toegewezen("9", "54", None, date(2024, 5, 30),
                                           date(2024, 5, 30), None)], date(2024, 5, 30), "F")
    sent = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
            msg(decoder, "305", [S], date(2024, 3, 12), "B")]
    events = replay([*sent, *([r, w] if rejection == "retour_read_first" else [w, r]), tick])
    start = "jw:438:12345678:B:2024-03-12#0"
    assert {k: v for k, v in _final_steps(events).items() if k[0] != "retour_time"} == {
        ("assignment_care", TOEWIJZING): 7, ("start_report_delay", start): 1}
    assert [r for r in rules(events) if r[0].startswith("start")] == []


def _end_state(events: list[Event]) -> tuple[dict[str, Any], dict[tuple[str, str], int],
                                             set[tuple[str, str]]]:
    """What the outputs hold at the end: links, process times, alerts still open."""
    status = {(a[0], a[2]): a[1] for a in alerts(events)}
    return (links(events), _final_steps(events),
            {k for k, v in status.items() if v == "raised"})


def _orders(decoder: Any, case: str) -> tuple[list[Message], list[Message]]:
    """(receipt order, another read order) of one story about one start (product.md §1)."""
    def m(kind: str, lines: list[Any], day: date, ident: str) -> Message:
        return msg(decoder, kind, lines, day, ident)
    a, tick = m("301", [T], date(2024, 3, 1), "A"), m("301", [Toegewezen(
        "9", "54", None, date(2024, 8, 1), date(2024, 8, 1), None)], date(2024, 8, 1), "F")
    withdraw = replace(S, status="3")
    s = m("305", [S], date(2024, 3, 12), "B")
    if case == "stop_then_start_not_sent":  # the start rejected (0001), sent again
        h = Heen(head("jw", "305", ident="B", day=date(2024, 3, 12)), [(BSN, [S])])
        s, r = at(decoder, h.xml(), date(2024, 3, 12)), at(decoder, h.retour(
            "R", date(2024, 3, 13), header_codes=("0001",)), date(2024, 3, 13))
        s2 = m("305", [S], date(2024, 3, 14), "B2")
        p = m("307", [Stop(S, date(2024, 5, 31), "31")], date(2024, 6, 3), "C")
        return [a, s, r, s2, p, tick], [a, s, p, r, s2, tick]
    if case == "two_definitive_stops":
        p1 = m("307", [Stop(S, date(2024, 5, 31), "31")], date(2024, 6, 3), "C1")
        p2 = m("307", [Stop(S, date(2024, 6, 7), "34")], date(2024, 6, 3), "C2")
        return [a, s, p1, p2, tick], [a, s, p2, p1, tick]
    if case == "withdrawn_stop_restores_nothing":
        x = m("307", [Stop(S, date(2024, 5, 31), "31")], date(2024, 6, 3), "X")
        wx = m("307", [Stop(S, date(2024, 5, 31), "31", "3")], date(2024, 6, 4), "WX")
        ws = m("305", [withdraw], date(2024, 6, 5), "WS")
        return [a, s, x, wx, ws, tick], [a, x, wx, ws, s, tick]
    if case in ("stop_after_withdrawal", "stop_same_day_as_withdrawal"):
        w = m("305", [withdraw], date(2024, 6, 4), "W")
        day = date(2024, 6, 5) if case == "stop_after_withdrawal" else date(2024, 6, 4)
        p = m("307", [Stop(S, date(2024, 5, 31), "31")], day, "C")
        return [a, s, w, p, tick], [a, s, p, w, tick]
    if case == "task_oriented_start_restored":  # no toewijzing: linked by its stop only
        task = Start(None, "45", "45A48", None, date(2024, 3, 4))
        ts = m("305", [task], date(2024, 3, 5), "S")
        tp = m("307", [Stop(task, date(2024, 3, 29), "31")], date(2024, 4, 2), "P")
        tw = m("305", [replace(task, status="3")], date(2024, 4, 3), "W")
        return [ts, tp, tw, tick], [ts, tw, tp, tick]
    assert case == "restored_start_unmakes_the_correction"
    p = m("307", [Stop(S, date(2024, 5, 31), "31")], date(2024, 6, 3), "C")
    wr = m("305", [withdraw, Start("1001", "45", "45A48", INGANG, date(2024, 6, 3))],
           date(2024, 6, 17), "W")  # withdraws nothing (S is stopped): a new start, late
    return [a, s, p, wr, tick], [a, s, wr, p, tick]


@pytest.mark.parametrize(("case", "care"), [
    ("stop_then_start_not_sent", ("jw:438:12345678:B2:2024-03-14#0", 81)),
    ("two_definitive_stops", ("jw:438:12345678:B:2024-03-12#0", 81)),
    ("withdrawn_stop_restores_nothing", None),
    ("stop_after_withdrawal", None),
    ("stop_same_day_as_withdrawal", ("jw:438:12345678:B:2024-03-12#0", 81)),
    ("restored_start_unmakes_the_correction", ("jw:438:12345678:B:2024-03-12#0", 81)),
    ("task_oriented_start_restored", ("jw:438:12345678:S:2024-03-05#0", 25)),
])
def test_starts_stops_and_withdrawals_end_the_same_in_any_read_order(
        decoder: Any, case: str, care: tuple[str, int] | None) -> None:
    receipt, other = _orders(decoder, case)
    want, got = _end_state(replay(receipt)), _end_state(replay(other))
    if case == "withdrawn_stop_restores_nothing":  # a withdrawn stop names the start it
        want, got = want[1:], got[1:]  # stopped when it was read: in one order, none yet
    assert got == want
    want = _end_state(replay(receipt))
    cares = {k[1]: v for k, v in want[1].items() if k[0] == "care_duration"}
    assert cares == (dict([care]) if care else {})
    if case == "restored_start_unmakes_the_correction":
        assert ("start_late", "jw:438:12345678:W:2024-06-17#1") in want[2]


def _refusals(decoder: Any, case: str) -> tuple[list[Message], list[Message]]:
    """(receipt order, another read order) of stories where a retour refuses a line or a
    withdrawal (product.md §4: considered not sent), or a withdrawn stop is read late."""
    def sent(kind: str, lines: list[Any], day: date, ident: str, after: int = 1,
             **codes: Any) -> tuple[Message, Message]:
        h = Heen(head("jw", kind, ident=ident, day=day), [(BSN, lines)])
        r = h.retour(f"R{ident}", day + timedelta(days=after), **codes)
        return at(decoder, h.xml(), day), at(decoder, r, day + timedelta(days=after))
    a = msg(decoder, "301", [T], date(2024, 3, 1), "A")
    s = msg(decoder, "305", [S], date(2024, 3, 12), "B")
    tick = msg(decoder, "301", [Toegewezen("9", "54", None, date(2024, 8, 1),
                                           date(2024, 8, 1), None)], date(2024, 8, 1), "F")
    stop, withdraw = Stop(S, date(2024, 5, 31), "31"), replace(S, status="3")
    orders: tuple[list[Message], list[Message]]
    if case == "refused_withdrawal_of_a_refused_start":  # 0001 on B, then 9063 on W
        b, rb = sent("305", [S], date(2024, 3, 12), "B", header_codes=("0001",))
        w, rw = sent("305", [withdraw], date(2024, 4, 8), "W", line_codes={0: ("9063",)})
        orders = [a, b, rb, w, rw, tick], [a, b, w, rb, rw, tick]
    elif case == "refused_withdrawal_read_after_its_retour":
        w, rw = sent("305", [withdraw], date(2024, 6, 3), "W", after=0,
                     line_codes={0: ("9063",)})
        p = msg(decoder, "307", [stop], date(2024, 6, 4), "C")
        orders = [a, s, w, rw, p, tick], [a, s, rw, w, p, tick]
    elif case == "temporary_stop_blocks_the_withdrawal":
        p1 = msg(decoder, "307", [Stop(S, date(2024, 6, 3), "20")], date(2024, 6, 4), "C1")
        w = msg(decoder, "305", [withdraw], date(2024, 6, 5), "W")
        p2 = msg(decoder, "307", [Stop(S, date(2024, 6, 5), "31")], date(2024, 6, 6), "C2")
        orders = [a, s, p1, w, p2, tick], [a, s, w, p2, p1, tick]
    elif case == "the_second_withdrawal_refused":
        w1 = msg(decoder, "305", [withdraw], date(2024, 3, 20), "W1")
        w2, rw2 = sent("305", [withdraw], date(2024, 3, 21), "W2", line_codes={0: ("9063",)})
        orders = [a, s, w1, w2, rw2, tick], [a, s, w2, w1, rw2, tick]
    elif case == "a_withdrawn_stop_read_late":  # first delete the stop, then the start
        p = msg(decoder, "307", [stop], date(2024, 6, 3), "C")
        wp = msg(decoder, "307", [replace(stop, status="3")], date(2024, 6, 4), "WP")
        ws = msg(decoder, "305", [withdraw], date(2024, 6, 5), "WS")
        orders = [a, s, p, wp, ws, tick], [a, s, ws, wp, p, tick]
    elif case == "the_line_taken_turns_out_not_sent":  # W took B; B's 0001 read after W
        b, rb = sent("305", [S], date(2024, 3, 12), "B", after=2, header_codes=("0001",))
        b2 = msg(decoder, "305", [S], date(2024, 3, 13), "B2")  # sent again
        w = msg(decoder, "305", [withdraw], date(2024, 3, 13), "W")
        orders = [a, b, rb, b2, w, tick], [a, b, w, rb, b2, tick]
    elif case == "a_copy_refused_after_the_correction":  # 9074 on B2, read after C
        b2, rb2 = sent("305", [S], date(2024, 3, 13), "B2", after=2,
                       line_codes={0: ("9074",)})
        c = msg(decoder, "305", [withdraw, replace(S, begindatum=date(2024, 3, 12))],
                date(2024, 3, 14), "C")
        d = msg(decoder, "305", [replace(S, begindatum=date(2024, 5, 1))], date(2024, 5, 20),
                "D")  # a new start, late: due(1 May, 5) = 8 May
        orders = [a, s, b2, c, rb2, d, tick], [a, s, b2, rb2, c, d, tick]
    elif case == "a_stop_deleted_after_a_refused_start_withdrawal":
        p = msg(decoder, "307", [stop], date(2024, 6, 3), "C")
        w = msg(decoder, "305", [withdraw], date(2024, 6, 4), "W")  # refused: S is stopped
        pw = msg(decoder, "307", [replace(stop, status="3")], date(2024, 6, 7), "PW")
        orders = [a, s, p, w, pw, tick], [a, s, w, p, pw, tick]
    else:
        assert case == "a_stop_given_back_blocks_the_start_withdrawal"
        p = msg(decoder, "307", [stop], date(2024, 6, 3), "C")
        wp, rwp = sent("307", [replace(stop, status="3")], date(2024, 6, 10), "WP",
                       header_codes=("0001",))
        ws = msg(decoder, "305", [withdraw], date(2024, 6, 12), "WS")
        orders = [a, s, p, wp, rwp, ws, tick], [a, s, p, wp, ws, rwp, tick]
    return orders


@pytest.mark.parametrize(("case", "counts", "still_open"), [
    ("refused_withdrawal_of_a_refused_start", False, {"start_missing"}),
    ("refused_withdrawal_read_after_its_retour", True, set()),
    ("temporary_stop_blocks_the_withdrawal", True, set()),
    ("the_second_withdrawal_refused", False, {"start_missing"}),
    ("a_withdrawn_stop_read_late", False, {"start_missing"}),
    ("a_stop_given_back_blocks_the_start_withdrawal", True, set()),
    ("the_line_taken_turns_out_not_sent", False, {"start_missing"}),
    ("a_copy_refused_after_the_correction", False, {"start_late", "stop_missing"}),
    ("a_stop_deleted_after_a_refused_start_withdrawal", True, {"stop_missing"}),
])
def test_refusals_and_withdrawals_end_as_in_receipt_order(
        decoder: Any, case: str, counts: bool, still_open: set[str]) -> None:
    """Whether the start counts in the end (measured) and which alerts stay open is the
    same whatever the read order (product.md §1, §4)."""
    receipt, other = _refusals(decoder, case)
    want, got = _end_state(replay(receipt)), _end_state(replay(other))
    assert got[1:] == want[1:]
    start = "jw:438:12345678:B:2024-03-12#0"
    assert (("start_report_delay", start) in want[1]) == counts
    assert {rule for rule, _ in want[2] if not rule.startswith("retour")} == still_open


@pytest.mark.parametrize("retour_first", [True, False])
def test_a_start_links_to_a_toewijzing_whose_only_301_was_not_sent(
        decoder: Any, retour_first: bool) -> None:
    """The link does not depend on whether the 0001 was read before the start; the
    toewijzing is no care, so nothing is measured from it."""
    h = Heen(head("jw", "301", ident="A", day=date(2024, 3, 1)), [(BSN, [T])])
    a, ra = (at(decoder, h.xml(), date(2024, 3, 1)),
             at(decoder, h.retour("RA", date(2024, 3, 4), header_codes=("0001",)),
                date(2024, 3, 4)))
    s = msg(decoder, "305", [S], date(2024, 3, 12), "B")
    events = replay([a, ra, s] if retour_first else [a, s, ra])
    assert links(events)["jw:438:12345678:B:2024-03-12#0"][0] == TOEWIJZING
    assert ("assignment_care", TOEWIJZING) not in _final_steps(events)


def test_a_new_version_with_another_ingangsdatum_measures_assignment_care_again(
        decoder: Any) -> None:
    """product.md §5: toewijzing Ingangsdatum → first Begindatum, from the version in
    force."""
    earlier = Toegewezen("1001", "45", "45A48", date(2024, 3, 5), date(2024, 3, 1), EIND)
    events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [earlier], date(2024, 3, 13), "A2")])
    assert _final_steps(events)[("assignment_care", TOEWIJZING)] == 10  # 1 → 11 March


def test_the_version_in_force_is_the_later_toewijzingstijd_whatever_its_zone(
        decoder: Any) -> None:
    """Newest Toewijzingsdatum + Toewijzingstijd wins (product.md §3). A zone suffix on the
    time (`Z`, which would sort after `.5` as text) does not decide which is later: here the
    version of 09:00:00.5, ending 30 April, is in force, so the start is due to stop."""
    day = date(2024, 3, 1)
    later = Toegewezen("1001", "45", "45A48", day, INGANG, date(2024, 4, 30),
                       toewijzingstijd="09:00:00.5")
    earlier = Toegewezen("1001", "45", "45A48", day, INGANG, None, toewijzingstijd="09:00:00Z")
    filler = Toegewezen("9", "54", None, date(2024, 7, 1), date(2024, 7, 1), None)
    events = replay([msg(decoder, "301", [later], day, "A2"),
                     msg(decoder, "301", [earlier], date(2024, 3, 2), "A1"),
                     msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                     msg(decoder, "301", [filler], date(2024, 7, 1), "F")])
    assert [r[:3] for r in rules(events) if r[0] == "stop_missing"] == [
        ("stop_missing", "raised", date(2024, 5, 7))]  # due(30 April, 5)


def test_a_retour_repeating_only_the_rejected_new_stop_of_a_correction_rejects_that_stop(
        decoder: Any) -> None:
    """A 307 correction: status 3 for the old stop and a new stop with another Einddatum,
    the same ToewijzingNummer + Product + Begindatum. Its 308 repeats only the new stop,
    with 9069: the new stop is not sent (product.md §4), the withdrawal stands, so no stop
    counts and stop_missing stays open — as when the retour repeats every line. The 307
    key holds the Einddatum (domain.md §4), so the retour line names the new stop."""
    corrected = Heen(head("jw", "307", "3.2", "xsd", "C2", date(2024, 7, 3)),
                     [(BSN, [Stop(S, EIND, "31", "3"), Stop(S, date(2024, 6, 30), "31")])])
    filler = Toegewezen("9", "54", None, date(2024, 9, 2), date(2024, 9, 2), None)
    start = "jw:438:12345678:B:2024-03-12#0"
    for partial in (True, False):
        retour = corrected.retour("R", date(2024, 7, 4), line_codes={1: ("9069",)},
                                  partial=partial)
        events = replay([msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                         msg(decoder, "305", [S], date(2024, 3, 12), "B"),
                         msg(decoder, "307", [Stop(S, EIND, "31")], date(2024, 7, 1), "C1"),
                         at(decoder, corrected.xml(), date(2024, 7, 3)),
                         at(decoder, retour, date(2024, 7, 4)),
                         msg(decoder, "301", [filler], date(2024, 9, 2), "F")])
        final = {(e.metric, e.subject): e for e in events
                 if isinstance(e, (StepMeasured, StepWithdrawn))}
        assert not isinstance(final.get(("care_duration", start)), StepMeasured), partial
        assert [r[:2] for r in rules(events) if r[0] == "stop_missing"] == [
            ("stop_missing", "raised")], partial


@pytest.mark.parametrize("lateness", [2, 10])
def test_an_extension_after_the_start_due_resolves_start_missing_whatever_the_lateness(
        decoder: Any, lateness: int) -> None:
    """product.md §4: an extension arriving later withdraws the subject of a raised
    start_missing; the final state does not depend on the allowed lateness. With a long
    lateness the clock has not passed the due date (3 April) when the extension (15
    April) is read: the alert is raised and resolved all the same."""
    v1 = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 6, 28))
    longer = Toegewezen("1001", "45", "45A48", date(2024, 4, 15), INGANG, date(2024, 12, 31))
    other = Toegewezen("8", "54", None, date(2024, 4, 10), date(2024, 4, 10), None)
    events = replay([msg(decoder, "301", [v1], date(2024, 3, 1), "A"),
                     msg(decoder, "301", [other], date(2024, 4, 10), "F1"),
                     msg(decoder, "301", [longer], date(2024, 4, 15), "B")],
                    Terms(alerts_from_days=0, allowed_lateness_days=lateness))
    assert [a[:3] for a in alerts(events) if a[2] == TOEWIJZING] == [
        ("start_missing", "raised", TOEWIJZING), ("start_missing", "resolved", TOEWIJZING)]


def test_a_deletion_not_sent_gives_the_toewijzing_its_start_missing_back(
        decoder: Any) -> None:
    """A deletion that its retour rejects (0001) is considered not sent (product.md §4): the
    toewijzing never had a start, so start_missing (due 3 April) is raised, also when the
    retour comes after that date, while the deletion seemed in force."""
    v1 = Toegewezen("1001", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 6, 28))
    deletion = Heen(head("jw", "301", "3.2", "xsd", "DEL", date(2024, 3, 28)),
                    [(BSN, [Toegewezen("1001", "45", "45A48", date(2024, 3, 28), INGANG,
                                       INGANG, reden_wijziging="13")])])
    other = Toegewezen("8", "54", None, date(2024, 4, 7), date(2024, 4, 7), None)
    events = replay([msg(decoder, "301", [v1], date(2024, 3, 1), "A"),
                     at(decoder, deletion.xml(), date(2024, 3, 28)),
                     msg(decoder, "301", [other], date(2024, 4, 7), "F1"),
                     at(decoder, deletion.retour("R", date(2024, 4, 8), header_codes=("0001",)),
                        date(2024, 4, 8))], Terms(alerts_from_days=0))
    assert [a[:3] for a in alerts(events) if a[2] == TOEWIJZING] == [
        ("start_missing", "raised", TOEWIJZING)]


def final_status(events: list[Event], rule: str) -> dict[str, str]:
    return {a[2]: a[1] for a in alerts(events) if a[0] == rule}


def test_a_definitive_stop_after_a_pause_is_not_late_in_any_read_order(decoder: Any) -> None:
    """product.md §4: a definitive stop that follows a temporary one is not judged late,
    also when the pause is read after it; a pause received after it is no excuse, and nor
    is one its retour finds not sent (product.md §1: any order)."""
    paused = Stop(S, date(2024, 5, 1), "20")
    ended = Stop(S, date(2024, 5, 10), "31")  # due 17 May, received 3 June
    head_ = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
             msg(decoder, "305", [S], date(2024, 3, 12), "B")]
    pause = Heen(head("jw", "307", "3.2", "xsd", "T", date(2024, 5, 2)), [(BSN, [paused])])
    stop = msg(decoder, "307", [ended], date(2024, 6, 3), "D")
    stop_key = "jw:440:12345678:D:2024-06-03#0"
    for order in ([at(decoder, pause.xml(), date(2024, 5, 2)), stop],
                  [stop, at(decoder, pause.xml(), date(2024, 5, 2))]):
        events = replay([*head_, *order])
        assert final_status(events, "stop_late").get(stop_key, "resolved") == "resolved"
    events = replay([*head_, stop, msg(decoder, "307", [paused], date(2024, 6, 4), "T2")])
    assert final_status(events, "stop_late")[stop_key] == "raised"  # the pause came after
    refused = at(decoder, pause.retour("R", date(2024, 6, 5), header_codes=("0001",)),
                 date(2024, 6, 5))
    events = replay([*head_, at(decoder, pause.xml(), date(2024, 5, 2)), stop, refused])
    assert final_status(events, "stop_late")[stop_key] == "raised"  # the pause was not sent


def test_a_pause_read_after_the_restart_leaves_no_stop_missing(decoder: Any) -> None:
    """decisions.md: a start paused (reden 20) and started again needs no stop of its own,
    in any read order (product.md §1)."""
    first = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11))
    again = Start("1001", "45", "45A48", INGANG, date(2024, 5, 1))
    filler = Toegewezen("8", "54", None, date(2024, 7, 15), date(2024, 7, 15), None)
    received = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
                msg(decoder, "305", [first], date(2024, 3, 12), "SA"),
                msg(decoder, "307", [Stop(first, date(2024, 4, 10), "20")], date(2024, 4, 11),
                    "T"),
                msg(decoder, "305", [again], date(2024, 5, 2), "SB"),
                msg(decoder, "307", [Stop(again, EIND, "31")], date(2024, 7, 1), "DB"),
                msg(decoder, "301", [filler], date(2024, 7, 15), "F")]
    for order in ((0, 1, 2, 3, 4, 5), (0, 1, 3, 4, 5, 2)):
        events = replay([received[i] for i in order])
        assert set(final_status(events, "stop_missing").values()) <= {"resolved"}, order


def test_a_withdrawal_beside_a_new_start_of_another_toewijzing_is_still_corrected(
        decoder: Any) -> None:
    """product.md §4: a status-1 line that replaces a withdrawn line of the same toewijzing
    is a correction and is not judged late again. A new start of another toewijzing in the
    withdrawing message replaces nothing of it: the replacement sent on its own (read before
    or after the withdrawal) is the correction."""
    other = Toegewezen("1002", "45", "45A48", date(2024, 3, 1), INGANG, date(2024, 12, 31))
    late_start = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11))
    withdrawn = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11), status="3")
    replacement = Start("1001", "45", "45A48", INGANG, date(2024, 3, 12))
    beside = Start("1002", "45", "45A48", INGANG, date(2024, 3, 25))
    received = [msg(decoder, "301", [T, other], date(2024, 3, 1), "A"),
                msg(decoder, "305", [late_start], date(2024, 3, 25), "S"),
                msg(decoder, "305", [withdrawn, beside], date(2024, 3, 26), "W"),
                msg(decoder, "305", [replacement], date(2024, 3, 27), "C")]
    for order in ((0, 1, 2, 3), (0, 1, 3, 2)):
        events = replay([received[i] for i in order])
        assert set(final_status(events, "start_late").values()) <= {"resolved"}, order


def test_dates_at_the_ends_of_the_calendar_stop_nothing(decoder: Any) -> None:
    """xs:date allows 0001-01-01 to 9999-12-31, and 9999-12-31 is written for an open end:
    the engine must take them (product.md §8: it never dies on input). A due date past the
    calendar's end never comes; the figures are what the dates say."""
    far = date.max
    t = replace(T, einddatum=far)
    start = Start("1001", "45", "45A48", INGANG, date(2024, 3, 11))
    events = replay([
        msg(decoder, "301", [t], date(2024, 3, 1), "A"),
        msg(decoder, "305", [start], date(2024, 3, 12), "B"),
        msg(decoder, "307", [Stop(start, far, "31")], date(2024, 4, 12), "C"),
        msg(decoder, "301", [replace(T, nummer="1002", ingangsdatum=date.min,
                                     einddatum=date.min)], date.min, "D"),
        msg(decoder, "305", [replace(S, nummer="1003")], far, "E"),
    ])
    stop = "jw:440:12345678:C:2024-04-12#0"
    assert links(events)[stop][0] == TOEWIJZING
    assert steps(events)[("care_duration", "jw:438:12345678:B:2024-03-12#0")] == (
        far - date(2024, 3, 11)).days
    assert ("stop_late", stop) not in {(r[0], r[1]) for r in rules(events)}
    assert steps(events)[("stop_report_delay", stop)] < -2_000_000  # werkdagen, counted


def test_msg_names_the_message_received_last_of_the_two_a_step_needs(decoder: Any) -> None:
    """product.md §6: `msg` is the message that completed the measurement. A start received
    before its 301 is completed by the 301; a stop received before its start, by the start.
    By receipt, so any reading order names the same message."""
    stop = Stop(S, date(2024, 3, 29), "31")
    inputs = [msg(decoder, "307", [stop], date(2024, 3, 13), "C"),
              msg(decoder, "305", [S], date(2024, 3, 14), "B"),
              msg(decoder, "301", [T], date(2024, 3, 15), "A"),
              msg(decoder, "301", [replace(T, nummer="1002")], date(2024, 3, 15), "D"),
              msg(decoder, "305", [replace(S, nummer="1002")], date(2024, 3, 15), "E")]
    for order in (inputs, inputs[::-1]):
        named = {(e.metric, e.subject): e.msg for e in replay(order)
                 if isinstance(e, StepMeasured)}
        assert named[("assignment_care", TOEWIJZING)] == "jw:436:0363:A:2024-03-15"
        assert named[("care_duration", "jw:438:12345678:B:2024-03-14#0")] == (
            "jw:438:12345678:B:2024-03-14")
        # received the same day: the start, which the measurement awaits
        assert named[("assignment_care", "jw:0363:1002")] == "jw:438:12345678:E:2024-03-15"


def test_a_301_that_repeats_the_toewijzing_completes_no_measurement(decoder: Any) -> None:
    """A 301 is a snapshot (domain.md §6): sent again unchanged, or only extended, it does
    not complete assignment → care again; one that moves the Ingangsdatum does."""
    later = date(2024, 3, 20)
    base = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
            msg(decoder, "305", [S], date(2024, 3, 12), "B")]
    repeats = [msg(decoder, "301", [replace(T, toewijzingsdatum=later)], later, "R"),
               msg(decoder, "301", [replace(T, toewijzingsdatum=later, einddatum=None)],
                   later, "X")]
    moved = msg(decoder, "301", [replace(T, toewijzingsdatum=later,
                                         ingangsdatum=date(2024, 3, 5))], later, "M")

    def named(inputs: list[Message]) -> tuple[int, str]:
        (last,) = [e for e in replay(inputs) if isinstance(e, StepMeasured)
                   and e.metric == "assignment_care"][-1:]
        return last.value, last.msg

    assert named([*base, *repeats]) == (7, "jw:438:12345678:B:2024-03-12")
    assert named([*base, moved]) == (6, "jw:436:0363:M:2024-03-20")


def test_the_msg_of_assignment_care_does_not_hang_on_reading_order(decoder: Any) -> None:
    """The first 301 read after its start and its extension still completed the
    measurement: the start, received after it, names it in every order."""
    inputs = [msg(decoder, "301", [T], date(2024, 3, 1), "A"),
              msg(decoder, "305", [S], date(2024, 3, 12), "B"),
              msg(decoder, "301", [replace(T, toewijzingsdatum=date(2024, 4, 2),
                                           einddatum=date(2024, 9, 30))], date(2024, 4, 2), "X")]
    for order in permutations(inputs):
        (last,) = [e for e in replay(list(order)) if isinstance(e, StepMeasured)
                   and e.metric == "assignment_care"][-1:]
        assert (last.value, last.msg) == (7, "jw:438:12345678:B:2024-03-12"), order


def test_a_2x_start_keeps_the_strongest_key_of_its_toewijzing_in_any_order(
        decoder: Any) -> None:
    """A 2.4 start without a number names its toewijzing by Beschikking; read before the
    2.4 301 that carries that Beschikking (after a 3.0 301 of the same number without it),
    it first links by its period. The link moves to the stronger key when it can, also
    when the toewijzing stays the same (product.md §3: a link made later is made then)."""
    ingang = date(2020, 9, 1)
    numbered = Toegewezen("7001", "45", "45A48", date(2020, 8, 31), ingang, date(2021, 6, 30),
                          beschikking="B9")
    in_30 = replace(numbered, toewijzingsdatum=date(2021, 2, 26), beschikking=None)
    start = Start(None, "45", "45A48", ingang, date(2020, 9, 7), beschikking="B9")
    inputs = [msg(decoder, "301", [numbered], date(2020, 8, 31), "A", "2.4"),
              msg(decoder, "305", [start], date(2020, 9, 8), "B", "2.4", "example"),
              msg(decoder, "301", [in_30], date(2021, 2, 26), "C", "3.0")]
    for order in permutations(inputs):
        assert links(replay(list(order)))["jw:438:12345678:B:2020-09-08#0"] == (
            "jw:0363:7001", "beschikking", None), order
