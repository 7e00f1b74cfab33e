"""Requests and answers (OP274, OP346): 315/317 answered by 301/319, 2.x by 316 codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from streams.core.config import Terms
from streams.core.events import (
    Event,
    StepMeasured,
    TrajectoryUpdated,
    UnitLinked,
    UnitUnlinked,
)
from streams.core.model import Message
from streams.testing.lines import Aangevraagd, Toegewezen, Wijziging
from streams.testing.messages import Heen
from tests.conftest import BSN, BSN2, head, heen
from tests.unit.scenario import alerts, at, replay

MON = date(2024, 3, 4)  # due(Monday, 5) = Monday 11 March
REQ = Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1))
VOT = "jw:446:12345678:V:2024-03-04"


def vot(decoder: Any, day: date = MON, release: str = "3.2", layout: str = "xsd",
        lines: list[Any] | None = None) -> Message:
    h = Heen(head("jw", "315", release, layout, "V", day), [(BSN, lines or [REQ])])  # type: ignore[arg-type]
    return at(decoder, h.xml(), day)


def toewijzing(decoder: Any, day: date, ref: str | None = "REF-1", release: str = "3.2",
               ingang: date = date(2024, 4, 1)) -> Message:
    t = Toegewezen("1001", "45", "45A48", day, ingang, None, referentie=ref,
                   beschikking="B1" if release.startswith("2.") else None)
    h = Heen(head("jw", "301", release, ident="T", day=day), [(BSN, [t])])
    if release.startswith("2."):
        h.beschikking = "B1"
    return at(decoder, h.xml(), day)


def antwoord(decoder: Any, day: date, answer: str, ident: str, ref: str = "REF-1") -> Message:
    h = Heen(head("jw", "319", ident=ident, day=day), antwoord=(ref, answer, None))
    return at(decoder, h.xml(), day)


def found(events: list[Event]) -> dict[str, str]:
    return {e.unit: e.target for e in events if isinstance(e, UnitLinked)
            and e.kind != "retour"}


def trajectories_of(events: list[Event]) -> dict[str, str]:
    """request unit → the trajectory that last listed it."""
    return {unit: e.trajectory_id for e in events if isinstance(e, TrajectoryUpdated)
            for unit in e.requests}


def rules(events: list[Event]) -> list[tuple[str, str, date | None, int | None]]:
    return [(a[0], a[1], a[3], a[5]) for a in alerts(events) if not a[0].startswith("retour")]


def test_315_answered_in_time_by_a_301(decoder: Any) -> None:
    events = replay([vot(decoder), toewijzing(decoder, date(2024, 3, 8))])
    assert found(events)[f"{VOT}#0"] == "jw:0363:1001"
    steps = {e.metric: e.value for e in events if isinstance(e, StepMeasured)}
    assert steps["request_answer"] == 4
    assert rules(events) == []


def test_301_before_the_315_still_answers_it(decoder: Any) -> None:
    events = replay([toewijzing(decoder, MON), vot(decoder, date(2024, 3, 5))])
    assert found(events)["jw:446:12345678:V:2024-03-05#0"] == "jw:0363:1001"


def test_unanswered_then_answered_late(decoder: Any) -> None:
    events = replay([vot(decoder), toewijzing(decoder, date(2024, 3, 14), ref="OTHER"),
                     toewijzing(decoder, date(2024, 3, 15))])
    assert rules(events) == [
        ("request_unanswered", "raised", date(2024, 3, 11), None),
        ("request_unanswered", "resolved", date(2024, 3, 11), None),
        ("request_answered_late", "raised", date(2024, 3, 11), 4)]


def test_in_onderzoek_answers_in_time_but_undecided_after_8_weeks(decoder: Any) -> None:
    events = replay([vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"),
                     toewijzing(decoder, date(2024, 5, 6), ref="OTHER")])
    # due = Dagtekening + 56 days = 29 April
    assert rules(events) == [("request_undecided", "raised", date(2024, 4, 29), None)]
    assert found(events)["jw:488:0363:A1:2024-03-06"] == f"{VOT}#0"


def test_final_answer_links_the_request_to_the_answering_301(decoder: Any) -> None:
    events = replay([vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"),
                     toewijzing(decoder, date(2024, 3, 20))])
    assert found(events)[f"{VOT}#0"] == "jw:0363:1001"
    assert rules(events) == []


def test_rejection_by_319_before_the_request_arrives(decoder: Any) -> None:
    events = replay([antwoord(decoder, MON, "1", "A1"), vot(decoder, date(2024, 3, 5))])
    assert found(events)[f"{VOT}#0".replace("03-04", "03-05")] == "jw:488:0363:A1:2024-03-04"


def test_319_for_an_unknown_request_is_unlinked(decoder: Any) -> None:
    events = replay([antwoord(decoder, MON, "1", "A1", ref="NOPE"),
                     toewijzing(decoder, date(2024, 3, 14), ref=None)])
    assert ("unlinked", "raised", date(2024, 3, 11), None) in rules(events)


@pytest.mark.parametrize("retour_day", [date(2024, 3, 5), date(2024, 3, 15)])
def test_a_317_or_319_its_retour_rejects_is_not_unlinked(decoder: Any, retour_day: date) -> None:
    """product.md §4: a message whose retour carries 0001 is considered not sent, so it
    has nothing to link to (as a line not sent, docs/decisions.md): no `unlinked` at its
    due date (11 March), and one raised before the retour came is resolved."""
    h319 = Heen(head("jw", "319", ident="A1", day=MON), antwoord=("NOPE", "1", None))
    h317 = Heen(head("jw", "317", ident="W", day=MON),
                [(BSN, [Wijziging("TeWijzigenProduct", "4242")])], verzoek=("REF-9", "01"))
    for h in (h319, h317):
        retour = at(decoder, h.retour("R", retour_day, header_codes=("0001",)), retour_day)
        moved = mover(decoder, 3, 14)  # the clock passes the due date, 11 March
        received = [retour, moved] if retour_day < date(2024, 3, 11) else [moved, retour]
        events = replay([at(decoder, h.xml(), MON), *received, mover(decoder, 3, 20)])
        statuses = [a[1] for a in alerts(events) if a[0] == "unlinked"
                    and not a[2].startswith("jw:488:0363:M")]
        assert statuses == ([] if retour_day < date(2024, 3, 11) else ["raised", "resolved"])


def test_317_links_to_its_first_answer_and_its_named_lines(decoder: Any) -> None:
    lines = [Wijziging("OngewijzigdProduct", "1001"),
             Wijziging("NieuwProduct", None, "45", "45A49", date(2024, 4, 1))]
    h = Heen(head("jw", "317", ident="W", day=MON), [(BSN, lines)], verzoek=("REF-1", "01"))
    events = replay([toewijzing(decoder, date(2024, 3, 1), ref=None), at(decoder, h.xml(), MON),
                     antwoord(decoder, date(2024, 3, 6), "1", "A1")])
    vow = "jw:486:12345678:W:2024-03-04"
    links = found(events)
    assert links[vow] == "jw:488:0363:A1:2024-03-06"
    assert links[f"{vow}#0"] == "jw:0363:1001"
    assert f"{vow}#1" not in links  # a NieuwProduct is not linked on its own
    assert [a for a in rules(events) if a[0] == "unlinked"] == []


def test_317_naming_an_unknown_toewijzing_is_unlinked_until_it_comes(decoder: Any) -> None:
    """product.md §4 unlinked (TR355): a 317 that still links to nothing at due(received,
    5); its named line links when the toewijzing arrives (out of order)."""
    h = Heen(head("jw", "317", ident="W", day=MON),
             [(BSN, [Wijziging("TeWijzigenProduct", "1001")])], verzoek=("REF-1", "01"))
    vow = "jw:486:12345678:W:2024-03-04"
    events = replay([at(decoder, h.xml(), MON), mover(decoder, 3, 14),
                     toewijzing(decoder, date(2024, 3, 15), ref=None), mover(decoder, 3, 18)])
    assert [a[:4] for a in alerts(events) if a[0] == "unlinked"] == [
        ("unlinked", "raised", vow, date(2024, 3, 11)),
        ("unlinked", "resolved", vow, date(2024, 3, 11))]
    assert found(events)[f"{vow}#0"] == "jw:0363:1001"


def test_2x_request_answered_by_the_best_fitting_301(decoder: Any) -> None:
    req = Aangevraagd(None, "45", "45A48", date(2020, 3, 2))
    other = Aangevraagd(None, "45", "45A48", date(2020, 6, 1))
    events = replay([vot(decoder, date(2020, 2, 3), "2.3", "example", [other, req]),
                     toewijzing(decoder, date(2020, 2, 6), ref=None, release="2.3",
                                ingang=date(2020, 3, 2))])
    assert found(events)["jw:446:12345678:V:2020-02-03#1"] == "jw:0363:1001"
    assert "jw:446:12345678:V:2020-02-03#0" not in found(events)


def fitting(decoder: Any, day: date, nummer: str, ingang: date, ident: str) -> Message:
    """A 2.3 301 without reference: a candidate answer of a 2.x request."""
    h = Heen(head("jw", "301", "2.3", ident=ident, day=day),
             [(BSN, [Toegewezen(nummer, "45", "45A48", day, ingang, None,
                                beschikking=f"B{nummer}")])])
    h.beschikking = f"B{nummer}"
    return at(decoder, h.xml(), day)


@pytest.mark.parametrize("order", [(0, 1, 2), (0, 2, 1), (2, 1, 0), (1, 0, 2)])
def test_2x_best_fit_is_the_best_of_all_301s_after_the_request(
        decoder: Any, order: tuple[int, ...]) -> None:
    """product.md §3: "a 301 after the request whose Ingangsdatum fits the requested one,
    best score wins": the exact fit received a day after a looser one answers, in any
    read order; the looser one is the gemeente's own toewijzing."""
    msgs = [vot(decoder, date(2020, 3, 2), "2.3", "example",
                [Aangevraagd(None, "45", "45A48", date(2020, 3, 10))]),
            fitting(decoder, date(2020, 3, 4), "11", date(2020, 3, 20), "P1"),
            fitting(decoder, date(2020, 3, 5), "12", date(2020, 3, 10), "P2")]
    events = replay([msgs[i] for i in order])
    final = {e.unit: e.target for e in events if isinstance(e, UnitLinked)}
    assert final["jw:446:12345678:V:2020-03-02#0"] == "jw:0363:12"
    measured = [e.value for e in events if isinstance(e, StepMeasured)
                and e.metric == "request_answer"]
    assert measured[-1] == 3  # 2 → 5 March


def test_a_2x_request_whose_301_fits_another_better_is_unlinked(decoder: Any) -> None:
    """Read out of order: request V2 (received first, asking exactly what the 301 gives)
    is read after V1 took the 301. The 301 answers V2; V1 has no answer left and its link
    goes, which the event stream says (the live links topic gets a tombstone)."""
    def request(day: date, ident: str, ingang: date) -> Message:
        h = Heen(head("jw", "315", "2.3", "example", ident, day),
                 [(BSN, [Aangevraagd(None, "45", "45A48", ingang)])])
        return at(decoder, h.xml(), day)

    events = replay([request(date(2020, 3, 3), "V", date(2020, 3, 10)),
                     fitting(decoder, date(2020, 3, 5), "11", date(2020, 3, 12), "P1"),
                     request(date(2020, 3, 2), "W", date(2020, 3, 12))])
    assert found(events)["jw:446:12345678:W:2020-03-02#0"] == "jw:0363:11"
    assert UnitUnlinked("jw:446:12345678:V:2020-03-03#0") in events


@pytest.mark.parametrize("refusal_first", [True, False])
@pytest.mark.parametrize("fit_received", [date(2020, 3, 8), date(2020, 3, 5)])
def test_a_2x_request_refused_by_a_316_keeps_its_refusal_beside_a_fitting_301(
        decoder: Any, refusal_first: bool, fit_received: date) -> None:
    """The 316 refused the request (8857) on 7 March; a fitting 301 received after it, or
    before it, answers no request: product.md §3, "a 2.x line rejected by a 316 code links
    to that 316's message_key" (the score is the fallback for a request its keys leave
    unanswered). The same in either read order."""
    h = Heen(head("jw", "315", "2.3", "example", "V", date(2020, 3, 2)),
             [(BSN, [Aangevraagd(None, "45", "45A48", date(2020, 3, 10))])])
    refusal = at(decoder, h.retour("R", date(2020, 3, 7), line_codes={0: ("8857",)}),
                 date(2020, 3, 7))
    answer = fitting(decoder, fit_received, "11", date(2020, 3, 10), "P1")
    events = replay([at(decoder, h.xml(), date(2020, 3, 2)),
                     *([refusal, answer] if refusal_first else [answer, refusal])])
    final = {e.unit: e.target for e in events if isinstance(e, UnitLinked)}
    assert final["jw:446:12345678:V:2020-03-02#0"] == "jw:447:0363:R:2020-03-07"


@pytest.mark.parametrize("reference_first", [True, False])
def test_a_2x_request_answered_by_its_reference_takes_no_score_answer(
        decoder: Any, reference_first: bool) -> None:
    """A 2.3 request with ReferentieAanbieder REF-1: the 301 line carrying REF-1 (received
    on 6 March) answers it, not a fitting 301 without a reference received the day before
    (the gemeente's own toewijzing): the reference is the key (product.md §3); the score
    is for a request without one. The same in either read order."""
    own = fitting(decoder, date(2024, 3, 5), "2002", date(2024, 4, 1), "T2")
    events = replay([vot(decoder, MON, "2.3"),
                     *([toewijzing(decoder, date(2024, 3, 6), release="2.3"), own]
                       if reference_first else
                       [own, toewijzing(decoder, date(2024, 3, 6), release="2.3")])])
    final = {e.unit: e.target for e in events if isinstance(e, UnitLinked)}
    assert final[f"{VOT}#0"] == "jw:0363:1001"
    measured = [e.value for e in events if isinstance(e, StepMeasured)
                and e.metric == "request_answer"]
    assert measured[-1] == 2  # 4 → 6 March, to the 301 that answers it


def test_2x_request_read_after_the_301_that_answers_it(decoder: Any) -> None:
    """Archives are mostly, not strictly, in receipt order: the 301 received after the
    request but read before it still answers it (product.md §3: a later link is made)."""
    req = Aangevraagd(None, "45", "45A48", date(2020, 3, 2))
    other = Aangevraagd(None, "45", "45A48", date(2020, 6, 1))
    answer = toewijzing(decoder, date(2020, 2, 6), ref=None, release="2.3",
                        ingang=date(2020, 3, 2))
    events = replay([answer, vot(decoder, date(2020, 2, 5), "2.3", "example", [other, req])])
    assert found(events)["jw:446:12345678:V:2020-02-05#1"] == "jw:0363:1001"
    assert "jw:446:12345678:V:2020-02-05#0" not in found(events)
    too_early = replay([answer, vot(decoder, date(2020, 2, 7), "2.3", "example", [req])])
    assert "jw:446:12345678:V:2020-02-07#0" not in found(too_early)  # 301 before it


def test_2x_request_rejected_by_a_316_code(decoder: Any) -> None:
    h = Heen(head("jw", "315", "2.4", "xsd", "V", date(2020, 6, 1)),
             [(BSN, [Aangevraagd(None, "45", "45A48", date(2020, 7, 1))])])
    events = replay([at(decoder, h.xml(), date(2020, 6, 1)),
                     at(decoder, h.retour("R", date(2020, 6, 2), line_codes={0: ("8857",)}),
                        date(2020, 6, 2))])
    assert found(events)["jw:446:12345678:V:2020-06-01#0"] == "jw:447:0363:R:2020-06-02"


def test_a_316_refusal_answers_a_request_but_gives_no_request_answer_figure(
        decoder: Any) -> None:
    """product.md §5: request → answer runs to the first 301/319 received. The 316 refusal
    answers the request for the alert rules (§4: no request_unanswered), not for §5."""
    h = Heen(head("jw", "315", "2.4", "xsd", "V", date(2020, 6, 1)),
             [(BSN, [Aangevraagd(None, "45", "45A48", date(2020, 7, 1))])])
    events = replay([at(decoder, h.xml(), date(2020, 6, 1)),
                     at(decoder, h.retour("R", date(2020, 6, 2), line_codes={0: ("8857",)}),
                        date(2020, 6, 2)),
                     at(decoder, heen("jw", "305", ident="F").xml(), date(2020, 6, 30))])
    assert [e for e in events if isinstance(e, StepMeasured)
            and e.metric == "request_answer"] == []
    assert [a for a in alerts(events) if a[0].startswith("request_")] == []


def test_only_the_line_with_a_316_refusal_code_counts_as_answered(decoder: Any) -> None:
    lines = [Aangevraagd(None, "45", "45A48", date(2020, 7, 1)),
             Aangevraagd(None, "54", None, date(2020, 7, 1))]
    h = Heen(head("jw", "315", "2.4", "xsd", "V", date(2020, 6, 1)), [(BSN, lines)])
    codes = {0: ("8857",), 1: ("9019",)}  # 9019: a field error, not a refusal
    events = replay([at(decoder, h.xml(), date(2020, 6, 1)),
                     at(decoder, h.retour("R", date(2020, 6, 2), line_codes=codes),
                        date(2020, 6, 2))])
    assert found(events)["jw:446:12345678:V:2020-06-01#0"] == "jw:447:0363:R:2020-06-02"
    assert "jw:446:12345678:V:2020-06-01#1" not in found(events)


@pytest.mark.parametrize("order", ["in_time", "after_the_due_date", "retour_first"])
def test_a_request_its_316_rejects_whole_awaits_no_answer(decoder: Any, order: str) -> None:
    """domain.md §3: 0001 at header level, the whole message rejected, counts as not sent:
    the gemeente never had the request, so no answer is awaited (an alert raised before
    the 316 was read is resolved), in either read order."""
    h = Heen(head("jw", "315", ident="V", day=MON), [(BSN, [REQ])])
    request = at(decoder, h.xml(), MON)
    day = date(2024, 3, 20) if order == "after_the_due_date" else date(2024, 3, 5)
    retour = at(decoder, h.retour("R", day, header_codes=("0001",)), day)
    events = replay({"in_time": [request, retour, mover(decoder, 3, 25)],
                     "after_the_due_date": [request, mover(decoder, 3, 15), retour],
                     "retour_first": [retour, request, mover(decoder, 3, 25)]}[order])
    mine = [a[:2] for a in alerts(events) if a[2] == f"{VOT}#0"]
    assert mine == ([("request_unanswered", "raised"), ("request_unanswered", "resolved")]
                    if order == "after_the_due_date" else [])


@pytest.mark.parametrize("reply_first", [False, True])
@pytest.mark.parametrize("answer", ["319", "301"])
def test_a_request_sent_again_after_a_0001_is_the_one_answered(
        decoder: Any, answer: str, reply_first: bool) -> None:
    """The 315 is rejected whole (0001) and sent again with the same reference; the answer
    comes in time for the one sent again, also when it is read just before it (the same
    day). The rejected one is no request: not measured, never late; the 319 links to the
    request sent again, and the two are one trajectory."""
    resent_day = date(2024, 3, 12 if reply_first else 5)
    first = Heen(head("jw", "315", ident="V", day=MON), [(BSN, [REQ])])
    again = Heen(head("jw", "315", ident="V2", day=resent_day), [(BSN, [REQ])])
    reply = antwoord(decoder, date(2024, 3, 12), "1", "A1") if answer == "319" else \
        toewijzing(decoder, date(2024, 3, 12))
    resend = at(decoder, again.xml(), date(2024, 3, 12 if reply_first else 5))
    events = replay([at(decoder, first.xml(), MON),
                     at(decoder, first.retour("R", MON, header_codes=("0001",)), MON),
                     *([reply, resend] if reply_first else [resend, reply]),
                     mover(decoder, 4, 1)])
    rejected, resent = f"{VOT}#0", f"jw:446:12345678:V2:{resent_day}#0"
    assert [a[:3] for a in alerts(events) if a[0].startswith("request")] == []
    measured = {e.subject for e in events if isinstance(e, StepMeasured)
                and e.metric == "request_answer"}
    assert measured == {resent}
    if answer == "319":
        assert found(events)["jw:488:0363:A1:2024-03-12"] == resent
    engine_chain = trajectories_of(events)
    assert engine_chain[rejected] == engine_chain[resent]


def test_a_319_for_a_request_found_not_sent_later_links_to_the_one_sent_again(
        decoder: Any) -> None:
    """Read in this order: the 315, the same request sent again, the 319, and only then
    the 0001 on the first: the 319 ends up linked to the request sent again."""
    first = Heen(head("jw", "315", ident="V", day=MON), [(BSN, [REQ])])
    again = Heen(head("jw", "315", ident="V2", day=date(2024, 3, 5)), [(BSN, [REQ])])
    events = replay([at(decoder, first.xml(), MON), at(decoder, again.xml(), date(2024, 3, 5)),
                     antwoord(decoder, date(2024, 3, 6), "1", "A1"),
                     at(decoder, first.retour("R", date(2024, 3, 6), header_codes=("0001",)),
                        date(2024, 3, 6))])
    assert found(events)["jw:488:0363:A1:2024-03-06"] == "jw:446:12345678:V2:2024-03-05#0"


def test_a_316_line_code_takes_only_that_line_out_of_the_requests(decoder: Any) -> None:
    """9374 (a request already pending) on line 1: that line is not sent and awaits
    nothing; line 0 still awaits its answer."""
    lines = [REQ, Aangevraagd("REF-2", "54", None, date(2024, 4, 1))]
    h = Heen(head("jw", "315", ident="V", day=MON), [(BSN, lines)])
    events = replay([at(decoder, h.xml(), MON),
                     at(decoder, h.retour("R", date(2024, 3, 5), line_codes={1: ("9374",)}),
                        date(2024, 3, 5)), mover(decoder, 3, 15)])
    assert {a[2] for a in alerts(events) if a[0] == "request_unanswered"} == {f"{VOT}#0"}


def test_a_317_rejected_whole_before_it_was_read_awaits_no_answer(decoder: Any) -> None:
    wijziging = Heen(head("jw", "317", ident="W", day=MON),
                     [(BSN, [Wijziging("OngewijzigdProduct", "1001")])], verzoek=("REF-1", "01"))
    events = replay([at(decoder, wijziging.retour("R", MON, header_codes=("0001",)), MON),
                     at(decoder, wijziging.xml(), MON), mover(decoder, 3, 25)])
    assert [a[0] for a in alerts(events) if a[2] == "jw:486:12345678:W:2024-03-04"
            and a[0].startswith("request")] == []


def mover(decoder: Any, month: int, day: int) -> Message:
    """A 319 of an unrelated request: it moves the clock, and its own alerts are apart."""
    return antwoord(decoder, date(2024, month, day), "1", f"M{month}{day}", ref="OTHER")


def unanswered(events: list[Event]) -> list[date | None]:
    return [a[3] for a in alerts(events)
            if a[0] == "request_unanswered" and a[1] == "raised" and a[2] == f"{VOT}#0"]


def test_a_301_rejected_by_its_retour_is_no_answer(decoder: Any) -> None:
    """product.md §4: a heenbericht whose retour carries 0001 does not count as an answer."""
    day = date(2024, 3, 5)
    t = Toegewezen("1001", "45", "45A48", day, date(2024, 4, 1), None, referentie="REF-1")
    h = Heen(head("jw", "301", ident="T", day=day), [(BSN, [t])])
    for retour_at in (date(2024, 3, 6), date(2024, 3, 15)):  # before and after the due date
        events = replay([vot(decoder), at(decoder, h.xml(), day), mover(decoder, 3, 14),
                         at(decoder, h.retour("R", retour_at, header_codes=("0001",)),
                            retour_at), mover(decoder, 3, 25)])
        assert unanswered(events) == [date(2024, 3, 11)]
        assert found(events)[f"{VOT}#0"] == "jw:0363:1001"  # it stays linked


def test_a_319_rejected_by_its_retour_is_no_answer_even_when_it_waited(decoder: Any) -> None:
    answer = Heen(head("jw", "319", ident="A", day=date(2024, 3, 5)),
                  antwoord=("REF-1", "1", None))
    refused = at(decoder, answer.retour("R", date(2024, 3, 6), header_codes=("0001",)),
                 date(2024, 3, 6))
    in_time = antwoord(decoder, date(2024, 3, 5), "1", "A")
    for order in ([vot(decoder), in_time, refused], [in_time, refused, vot(decoder)],
                  [in_time, vot(decoder), refused]):  # the 319 waited, then linked
        events = replay([*order, mover(decoder, 3, 25)])
        assert unanswered(events) == [date(2024, 3, 11)]


def test_a_rejected_answer_leaves_a_later_valid_one_to_be_judged(decoder: Any) -> None:
    first = Heen(head("jw", "319", ident="A", day=date(2024, 3, 5)),
                 antwoord=("REF-1", "1", None))
    events = replay([vot(decoder), at(decoder, first.xml(), date(2024, 3, 5)),
                     at(decoder, first.retour("R", date(2024, 3, 6), header_codes=("0001",)),
                        date(2024, 3, 6)),
                     toewijzing(decoder, date(2024, 3, 13))])
    assert ("request_answered_late", "raised", date(2024, 3, 11), 2) in rules(events)
    steps = [e.value for e in events if isinstance(e, StepMeasured)
             and e.metric == "request_answer"]
    assert steps[-1] == 7  # measured again, to the valid answer


def test_a_2x_request_whose_301_was_rejected_is_answered_by_the_next(decoder: Any) -> None:
    req = Aangevraagd(None, "45", "45A48", date(2020, 3, 2))
    rejected = Heen(head("jw", "301", "2.3", ident="T", day=date(2020, 2, 5)),
                    [(BSN, [Toegewezen("1001", "45", "45A48", date(2020, 2, 5),
                                       date(2020, 3, 2), None, beschikking="B1")])])
    rejected.beschikking = "B1"
    again = Heen(head("jw", "301", "2.3", ident="T2", day=date(2020, 2, 7)),
                 [(BSN, [Toegewezen("1002", "45", "45A48", date(2020, 2, 7),
                                    date(2020, 3, 2), None, beschikking="B2")])])
    again.beschikking = "B2"
    refusal = at(decoder, rejected.retour("R", date(2020, 2, 6), header_codes=("0001",)),
                 date(2020, 2, 6))
    request = vot(decoder, date(2020, 2, 3), "2.3", "example", [req])
    for order in ([request, at(decoder, rejected.xml(), date(2020, 2, 5)), refusal,
                   at(decoder, again.xml(), date(2020, 2, 7))],
                  [at(decoder, rejected.xml(), date(2020, 2, 5)), refusal,
                   at(decoder, again.xml(), date(2020, 2, 7)), request]):
        events = replay(order)
        assert found(events)["jw:446:12345678:V:2020-02-03#0"] == "jw:0363:1002"
        assert [a for a in rules(events) if a[0] == "request_unanswered"] == []


def test_a_2x_request_with_a_reference_is_answered_by_a_301_without_one(decoder: Any) -> None:
    """domain.md §3: the 2.x 301's ReferentieAanbieder is optional; product.md §3: the 2.x
    fallback (best fit) then links them."""
    req = Aangevraagd("REF-1", "45", "45A48", date(2020, 3, 2))
    for order in ((0, 1), (1, 0)):
        pair = [vot(decoder, date(2020, 2, 3), "2.3", "xsd", [req]),
                toewijzing(decoder, date(2020, 2, 6), ref=None, release="2.3",
                           ingang=date(2020, 3, 2))]
        events = replay([pair[i] for i in order])
        assert found(events)["jw:446:12345678:V:2020-02-03#0"] == "jw:0363:1001"
        assert [a for a in rules(events) if a[0] == "request_unanswered"] == []


def test_request_lines_under_one_reference_meet_the_301_lines_of_their_product(
        decoder: Any) -> None:
    """domain.md §4: in 3.0/3.1 the 315 key was Product + ToewijzingIngangsdatum, so two
    lines could share a ReferentieAanbieder; each links to the toewijzing of its product."""
    lines = [Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1)),
             Aangevraagd("REF-1", "46", "46A01", date(2024, 4, 1))]
    answer = [Toegewezen("1001", "46", "46A01", date(2024, 3, 5), date(2024, 4, 1), None,
                         referentie="REF-1"),
              Toegewezen("1002", "45", "45A48", date(2024, 3, 5), date(2024, 4, 1), None,
                         referentie="REF-1")]
    h = Heen(head("jw", "301", "3.1", ident="T", day=date(2024, 3, 5)), [(BSN, answer)])
    for order in ((0, 1), (1, 0)):
        msgs = [vot(decoder, MON, "3.1", lines=lines), at(decoder, h.xml(), date(2024, 3, 5))]
        got = found(replay([msgs[i] for i in order]))
        assert (got[f"{VOT}#0"], got[f"{VOT}#1"]) == ("jw:0363:1002", "jw:0363:1001")


@pytest.mark.parametrize("shared", ["code", "date"])
def test_3_1_lines_under_one_reference_of_one_category_meet_their_own_301_line(
        decoder: Any, shared: str) -> None:
    """domain.md §4: in 3.0/3.1 a 315 line's key is Product + ToewijzingIngangsdatum. Two
    lines of one category under one reference (another code, or another requested start)
    each link to the 301 line of their own product and date; the one the first 301 leaves
    out is answered late by the second."""
    late_code = "45A49" if shared == "code" else "45A48"
    late_ingang = date(2024, 4, 1) if shared == "code" else date(2024, 6, 1)
    lines = [Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1)),
             Aangevraagd("REF-1", "45", late_code, late_ingang)]
    first = Heen(head("jw", "301", "3.1", ident="T", day=date(2024, 3, 6)),
                 [(BSN, [Toegewezen("1001", "45", "45A48", date(2024, 3, 6), date(2024, 4, 1),
                                    None, referentie="REF-1")])])
    second = Heen(head("jw", "301", "3.1", ident="U", day=date(2024, 3, 18)),
                  [(BSN, [Toegewezen("1002", "45", late_code, date(2024, 3, 18), late_ingang,
                                     None, referentie="REF-1")])])
    events = replay([vot(decoder, MON, "3.1", lines=lines),
                     at(decoder, first.xml(), date(2024, 3, 6)),
                     at(decoder, second.xml(), date(2024, 3, 18))])
    got = found(events)
    assert (got[f"{VOT}#0"], got[f"{VOT}#1"]) == ("jw:0363:1001", "jw:0363:1002")
    assert [(a[0], a[2]) for a in alerts(events) if a[0].startswith("request")] == [
        ("request_answered_late", f"{VOT}#1")]


def test_a_2x_request_answered_by_its_reference_takes_no_301_of_another(decoder: Any) -> None:
    def request(day: date, ident: str, ref: str) -> Message:
        h = Heen(head("jw", "315", "2.3", "xsd", ident, day),
                 [(BSN, [Aangevraagd(ref, "45", "45A48", date(2020, 3, 2))])])
        return at(decoder, h.xml(), day)

    def answer(day: date, ident: str, nummer: str, ref: str | None, besch: str) -> Message:
        tw = Toegewezen(nummer, "45", "45A48", day, date(2020, 3, 2), None, referentie=ref,
                        beschikking=besch)
        h = Heen(head("jw", "301", "2.3", ident=ident, day=day), [(BSN, [tw])])
        h.beschikking = besch
        return at(decoder, h.xml(), day)

    both = [request(date(2020, 2, 3), "V1", "REF-1"), request(date(2020, 2, 4), "V2", "REF-2"),
            answer(date(2020, 2, 6), "T1", "1001", "REF-1", "B1"),
            answer(date(2020, 2, 7), "T2", "1002", None, "B2")]
    for order in ((0, 1, 2, 3), (2, 3, 0, 1)):
        got = found(replay([both[i] for i in order]))
        assert (got["jw:446:12345678:V1:2020-02-03#0"],
                got["jw:446:12345678:V2:2020-02-04#0"]) == ("jw:0363:1001", "jw:0363:1002")


def test_the_first_answer_by_received_date_counts_in_any_read_order(decoder: Any) -> None:
    """product.md §4: a late 301 read before an earlier 319 "in onderzoek" (on time): the
    alert raised for the late one is resolved, and the measure names the 319."""
    in_time = antwoord(decoder, date(2024, 3, 6), "2", "A1")
    late = toewijzing(decoder, date(2024, 3, 20))
    for order in ([vot(decoder), in_time, late], [vot(decoder), late, in_time]):
        events = replay(order)
        statuses = [r[1] for r in rules(events) if r[0] == "request_answered_late"]
        assert statuses in ([], ["raised", "resolved"])
        final = [e for e in events if isinstance(e, StepMeasured)
                 and e.metric == "request_answer"][-1]
        assert (final.value, final.msg) == (2, "jw:488:0363:A1:2024-03-06")


@pytest.mark.parametrize("answered", [date(2024, 4, 30), date(2024, 5, 2)])
@pytest.mark.parametrize("lateness", [0, 2])
def test_a_final_answer_after_the_8_weeks_is_undecided_whatever_the_lateness(
        decoder: Any, answered: date, lateness: int) -> None:
    """product.md §4: due = Dagtekening + 56 days (29 April); a final answer after that
    resolves the alert, so it was raised: also when it is read before the clock passes
    the due date, and whatever the allowed lateness (the final state does not depend on
    it)."""
    events = replay([vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"),
                     toewijzing(decoder, answered)],
                    Terms(alerts_from_days=0, allowed_lateness_days=lateness))
    assert [r[:3] for r in rules(events) if r[0] == "request_undecided"] == [
        ("request_undecided", "raised", date(2024, 4, 29)),
        ("request_undecided", "resolved", date(2024, 4, 29))]


@pytest.mark.parametrize("order", [(0, 1, 2), (0, 2, 1), (1, 2, 0), (2, 1, 0)])
@pytest.mark.parametrize("final", ["301", "319"])
def test_a_final_answer_after_the_8_weeks_is_undecided_in_any_read_order(
        decoder: Any, order: tuple[int, ...], final: str) -> None:
    """product.md §1 (any order) and §4: the "in onderzoek" 319 may be read after the
    final answer, or both before the request; the alert is raised and resolved all the
    same."""
    answered = date(2024, 5, 20)  # after the due date, 29 April
    last = toewijzing(decoder, answered) if final == "301" else \
        antwoord(decoder, answered, "1", "A2")
    received = [vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"), last]
    lead_in = vot(decoder, date(2024, 3, 1),  # alerts_from counts from the first one read
                  lines=[Aangevraagd("REF-0", "45", "45A48", date(2024, 4, 1))])
    events = replay([lead_in, *(received[i] for i in order)], Terms(alerts_from_days=0))
    assert [r[:3] for r in rules(events) if r[0] == "request_undecided"] == [
        ("request_undecided", "raised", date(2024, 4, 29)),
        ("request_undecided", "resolved", date(2024, 4, 29))]


def test_a_final_answer_on_the_due_date_is_in_time(decoder: Any) -> None:
    events = replay([vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"),
                     toewijzing(decoder, date(2024, 4, 29))])
    assert [r for r in rules(events) if r[0] == "request_undecided"] == []


def test_an_in_onderzoek_answer_not_sent_starts_no_8_weeks(decoder: Any) -> None:
    """A 319 its 320 rejects (0001) is no answer (product.md §4): the request is
    unanswered, and not undecided as well."""
    h = Heen(head("jw", "319", ident="A1", day=date(2024, 3, 6)), antwoord=("REF-1", "2", None))
    later = Heen(head("jw", "315", ident="Z", day=date(2024, 5, 6)),
                 [(BSN2, [Aangevraagd("REF-9", "45", "45A48", date(2024, 6, 1))])])
    events = replay([vot(decoder), at(decoder, h.xml(), date(2024, 3, 6)),
                     at(decoder, h.retour("R", date(2024, 3, 7), header_codes=("0001",)),
                        date(2024, 3, 7)),
                     at(decoder, later.xml(), date(2024, 5, 6))])
    assert {r[0] for r in rules(events) if r[1] == "raised"} == {"request_unanswered"}


@pytest.mark.parametrize("order", ["retour_last", "retour_first"])
def test_a_request_stays_linked_to_an_answer_that_was_not_sent(decoder: Any,
                                                               order: str) -> None:
    h = Heen(head("jw", "319", ident="A", day=date(2024, 3, 5)), antwoord=("REF-1", "1", None))
    answer = at(decoder, h.xml(), date(2024, 3, 5))
    rejected = at(decoder, h.retour("R", date(2024, 3, 6), header_codes=("0001",)),
                  date(2024, 3, 6))
    events = replay([vot(decoder), answer, rejected] if order == "retour_last"
                    else [answer, rejected, vot(decoder)])
    assert found(events)[f"{VOT}#0"] == "jw:488:0363:A:2024-03-05"


def test_a_2x_request_takes_the_next_fitting_301_when_its_answer_was_not_sent(
        decoder: Any) -> None:
    """Receipt order: the request, 301a (fits), 301b (fits too), then 0001 on 301a: 301b
    answers the request, which is not unanswered."""
    request = vot(decoder, date(2020, 2, 3), "2.3", "example",
                  [Aangevraagd(None, "45", "45A48", date(2020, 3, 2))])

    def sent(day: date, nr: str, ident: str) -> Heen:
        h = Heen(head("jw", "301", "2.3", ident=ident, day=day),
                 [(BSN, [Toegewezen(nr, "45", "45A48", day, date(2020, 3, 2), None,
                                    beschikking=f"B{nr}")])])
        h.beschikking = f"B{nr}"
        return h
    a, b = sent(date(2020, 2, 5), "1001", "T1"), sent(date(2020, 2, 6), "1002", "T2")
    later = Heen(head("jw", "315", ident="Z", day=date(2020, 2, 20)), [(BSN2, [REQ])])
    events = replay([request, at(decoder, a.xml(), date(2020, 2, 5)),
                     at(decoder, b.xml(), date(2020, 2, 6)),
                     at(decoder, a.retour("R", date(2020, 2, 7), header_codes=("0001",)),
                        date(2020, 2, 7)),
                     at(decoder, later.xml(), date(2020, 2, 20))])
    assert found(events)["jw:446:12345678:V:2020-02-03#0"] == "jw:0363:1002"
    assert [r for r in rules(events) if r[2] == date(2020, 2, 10)] == []


def test_a_319_for_several_lines_under_one_reference_links_to_the_first(
        decoder: Any) -> None:
    """3.0: the 315 key was Product + ToewijzingIngangsdatum, so lines could share a
    reference; the 319's own link names the first of them."""
    lines = [Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1)),
             Aangevraagd("REF-1", "45", "45A48", date(2024, 5, 1))]
    events = replay([vot(decoder, release="3.0", lines=lines),
                     antwoord(decoder, date(2024, 3, 5), "1", "A")])
    links = [e for e in events if isinstance(e, UnitLinked) and e.unit.startswith("jw:488")]
    assert {e.target for e in links} == {f"{VOT}#0"}


def test_a_2x_request_line_with_status_3_withdraws_the_request(decoder: Any) -> None:
    """2.x 315 lines carry StatusAanlevering: a status-3 line is no request, and the
    request line it withdraws awaits no answer (nothing is unanswered)."""
    line = Aangevraagd(None, "45", "45A48", date(2020, 3, 2))
    withdrawal = Heen(head("jw", "315", "2.3", "example", "W", date(2020, 2, 4)),
                      [(BSN, [Aangevraagd(None, "45", "45A48", date(2020, 3, 2), status="3")])])
    later = Heen(head("jw", "315", ident="Z", day=date(2020, 2, 20)), [(BSN2, [REQ])])
    events = replay([vot(decoder, date(2020, 2, 3), "2.3", "example", [line]),
                     at(decoder, withdrawal.xml(), date(2020, 2, 4)),
                     at(decoder, later.xml(), date(2020, 2, 20))])
    assert [r for r in rules(events) if r[2] == date(2020, 2, 10)] == []
    kept = replay([vot(decoder, date(2020, 2, 3), "2.3", "example", [line]),
                   at(decoder, later.xml(), date(2020, 2, 20))])
    assert [r[:2] for r in rules(kept) if r[2] == date(2020, 2, 10)] == [
        ("request_unanswered", "raised")]


@pytest.mark.parametrize("read", ["in receipt order", "the later one first"])
def test_a_2x_withdrawal_takes_the_latest_request_line_with_its_key(
        decoder: Any, read: str) -> None:
    """Of two unanswered request lines with the key of a status-3 line, the withdrawal
    takes the one received last, whichever was read first (product.md §1: any order)."""
    line = Aangevraagd(None, "45", "45A48", date(2020, 3, 2))
    withdrawal = Heen(head("jw", "315", "2.3", "example", "W", date(2020, 2, 10)),
                      [(BSN, [Aangevraagd(None, "45", "45A48", date(2020, 3, 2), status="3")])])
    later = Heen(head("jw", "315", ident="Z", day=date(2020, 3, 20)), [(BSN2, [REQ])])
    requests = [vot(decoder, date(2020, 2, 3), "2.3", "example", [line]),
                vot(decoder, date(2020, 2, 5), "2.3", "example", [line])]
    if read != "in receipt order":
        requests.reverse()
    events = replay([*requests, at(decoder, withdrawal.xml(), date(2020, 2, 10)),
                     at(decoder, later.xml(), date(2020, 3, 20))])
    assert {a[2] for a in alerts(events) if a[0] == "request_unanswered"} == {
        "jw:446:12345678:V:2020-02-03#0"}


def other_request(decoder: Any, day: date) -> Message:
    """An unrelated request of another client, answered never: it moves the clock."""
    h = Heen(head("jw", "315", ident="Z", day=day),
             [(BSN2, [Aangevraagd("REF-9", "45", "45A48", date(2024, 6, 1))])])
    return at(decoder, h.xml(), day)


def refused_319(decoder: Any, day: date, answer: str, refused: date) -> tuple[Message, Message]:
    """A 319 to REF-1 (1 rejected, 2 in onderzoek) and its 320 with 0001 on `refused`."""
    h = Heen(head("jw", "319", ident="A1", day=day), antwoord=("REF-1", answer, None))
    return (at(decoder, h.xml(), day),
            at(decoder, h.retour("R", refused, header_codes=("0001",)), refused))


def test_an_in_onderzoek_answer_found_not_sent_late_leaves_the_request_unanswered(
        decoder: Any) -> None:
    """The 320 with 0001 is read after the clock passed the 8 weeks: the request had no
    answer, so request_unanswered follows; the request_undecided raised meanwhile rested
    on the "in onderzoek", which is not sent: it is resolved."""
    answer, refusal = refused_319(decoder, date(2024, 3, 6), "2", date(2024, 5, 7))
    events = replay([vot(decoder), answer, other_request(decoder, date(2024, 5, 6)), refusal])
    assert [r[:2] for r in rules(events) if r[2] != date(2024, 5, 13)] == [
        ("request_undecided", "raised"), ("request_undecided", "resolved"),
        ("request_unanswered", "raised")]


def test_unanswered_resolved_by_an_answer_not_sent_is_raised_again(decoder: Any) -> None:
    """The late 319 resolved request_unanswered; its retour (0001) says it was never sent:
    the request is unanswered again, and the alert is open again (product.md §4: a
    message considered not sent does not count as an answer). The answered_late raised
    for it goes."""
    answer, refusal = refused_319(decoder, date(2024, 3, 20), "1", date(2024, 3, 21))
    events = replay([vot(decoder), other_request(decoder, date(2024, 3, 15)), answer, refusal])
    assert [r[:2] for r in rules(events)] == [
        ("request_unanswered", "raised"), ("request_unanswered", "resolved"),
        ("request_answered_late", "raised"),
        ("request_answered_late", "resolved"), ("request_unanswered", "raised")]


def test_a_second_final_answer_after_the_8_weeks_raises_nothing_more(decoder: Any) -> None:
    """request_undecided is raised and resolved by the first final answer after the 8
    weeks; a second final answer (a 301 after the rejecting 319) repeats neither."""
    events = replay([vot(decoder), antwoord(decoder, date(2024, 3, 6), "2", "A1"),
                     antwoord(decoder, date(2024, 5, 6), "1", "A2"),
                     toewijzing(decoder, date(2024, 5, 8))])
    assert [r[:2] for r in rules(events) if r[0] == "request_undecided"] == [
        ("request_undecided", "raised"), ("request_undecided", "resolved")]


def test_a_withdrawn_2x_request_is_no_best_fit(decoder: Any) -> None:
    """A 2.x request corrected in one message (status 3 + the line again): the 301 answers
    the new line, not the withdrawn one."""
    line = Aangevraagd(None, "45", "45A48", date(2024, 3, 18), beschikking="B9")
    first = vot(decoder, MON, "2.4", lines=[line])
    fixed = Heen(head("jw", "315", "2.4", ident="W", day=date(2024, 3, 5)),
                 [(BSN, [Aangevraagd(None, "45", "45A48", date(2024, 3, 18), beschikking="B9",
                                     status="3"),
                         Aangevraagd(None, "45", "45A48", date(2024, 3, 18), beschikking="B9",
                                     volume=8)])])
    events = replay([first, at(decoder, fixed.xml(), date(2024, 3, 5)),
                     toewijzing(decoder, date(2024, 3, 7), ref=None, release="2.4",
                                ingang=date(2024, 3, 18))])
    assert found(events).get("jw:446:12345678:W:2024-03-05#1") == "jw:0363:1001"
    assert f"{VOT}#0" not in found(events)


def test_a_late_answer_sent_again_after_a_refused_one_stays_late(decoder: Any) -> None:
    """The first answer (late) is refused (0001) and sent again, late as well: the refused
    one is no answer (its alert resolved), the one sent again is late: raised again."""
    refused = Heen(head("jw", "301", ident="T1", day=date(2024, 3, 20)),
                   [(BSN, [Toegewezen("1001", "45", "45A48", date(2024, 3, 20),
                                      date(2024, 4, 1), None, referentie="REF-1")])])
    events = replay([vot(decoder), at(decoder, refused.xml(), date(2024, 3, 20)),
                     at(decoder, refused.retour("R", date(2024, 3, 21),
                                                header_codes=("0001",)), date(2024, 3, 21)),
                     toewijzing(decoder, date(2024, 3, 25))])
    assert [r[:3] for r in rules(events) if r[0] == "request_answered_late"] == [
        ("request_answered_late", "raised", date(2024, 3, 11)),
        ("request_answered_late", "resolved", date(2024, 3, 11)),
        ("request_answered_late", "raised", date(2024, 3, 11))]


def test_a_request_sent_again_whose_late_answer_is_refused_is_judged_on_the_next(
        decoder: Any) -> None:
    """The 315 is rejected (0001) and sent again; the answer to the one sent again comes
    late and is refused (0001) in turn, then sent again, later still: the answered_late
    raised for the refused answer is resolved, and raised again for the answer that counts
    (seen in an independent oracle's archive)."""
    first = Heen(head("jw", "315", ident="V", day=MON), [(BSN, [REQ])])
    again = Heen(head("jw", "315", ident="V2", day=date(2024, 3, 6)), [(BSN, [REQ])])
    refused = Heen(head("jw", "301", ident="T1", day=date(2024, 3, 20)),
                   [(BSN, [Toegewezen("1001", "45", "45A48", date(2024, 3, 20),
                                      date(2024, 4, 1), None, referentie="REF-1")])])
    events = replay([at(decoder, first.xml(), MON),
                     at(decoder, first.retour("R", date(2024, 3, 5), header_codes=("0001",)),
                        date(2024, 3, 5)),
                     at(decoder, again.xml(), date(2024, 3, 6)),
                     at(decoder, refused.xml(), date(2024, 3, 20)),
                     at(decoder, refused.retour("R2", date(2024, 3, 21),
                                                header_codes=("0001",)), date(2024, 3, 21)),
                     toewijzing(decoder, date(2024, 3, 27))])
    resent = "jw:446:12345678:V2:2024-03-06#0"
    assert [(r[1], a[5]) for a in alerts(events) if a[2] == resent
            for r in [a] if a[0] == "request_answered_late"] == [
        ("raised", 5), ("resolved", 5), ("raised", 10)]
    measured = {e.subject: e.value for e in events if isinstance(e, StepMeasured)
                and e.metric == "request_answer"}
    assert measured == {resent: 15}


def _resent(decoder: Any) -> tuple[Message, Message, Message]:
    """R1 (REF-1, 45A48), refused by its 316 (9374: considered not sent), and R2 sent
    again under REF-1 with another code."""
    first = Heen(head("jw", "315", ident="R1", day=date(2024, 3, 1)),
                 [(BSN, [Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1))])])
    again = Heen(head("jw", "315", ident="R2", day=date(2024, 3, 6)),
                 [(BSN, [Aangevraagd("REF-1", "45", "45A49", date(2024, 4, 1))])])
    refusal = first.retour("RR1", date(2024, 3, 4), line_codes={0: ("9374",)})
    return (at(decoder, first.xml(), date(2024, 3, 1)), at(decoder, refusal, date(2024, 3, 4)),
            at(decoder, again.xml(), date(2024, 3, 6)))


R2 = "jw:446:12345678:R2:2024-03-06#0"


def test_a_301_under_the_reference_answers_the_request_sent_again(decoder: Any) -> None:
    """A 301 whose code is the first request's answers the request the gemeente has, the
    one sent again (product.md §3 by ReferentieAanbieder; §4 not sent), not the refused."""
    first, refusal, again = _resent(decoder)
    answer = Toegewezen("1001", "45", "45A48", date(2024, 3, 8), date(2024, 4, 1), None,
                        referentie="REF-1")
    events = replay([first, refusal, again, at(decoder, Heen(
        head("jw", "301", ident="A", day=date(2024, 3, 8)), [(BSN, [answer])]).xml(),
        date(2024, 3, 8)), mover(decoder, 4, 20)])
    assert found(events)[R2] == "jw:0363:1001"
    assert [a for a in alerts(events) if a[2] == R2] == []


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (0, 3, 2, 1), (3, 0, 2, 1)])
def test_the_request_sent_again_takes_the_319_read_before_the_refusal(
        decoder: Any, order: tuple[int, ...]) -> None:
    """The 319 in onderzoek answers R2 (its first answer, 2 werkdagen) in any read order,
    also when it and R2 were read before the retour that refuses R1."""
    first, refusal, again = _resent(decoder)
    received = [first, refusal, again, antwoord(decoder, date(2024, 3, 8), "2", "Q1")]
    events = replay([received[i] for i in order] + [mover(decoder, 4, 20)])
    assert found(events)["jw:488:0363:Q1:2024-03-08"] == R2
    measured = [e for e in events if isinstance(e, StepMeasured) and e.subject == R2]
    assert measured[-1].value == 2
    assert [a[0] for a in alerts(events) if a[2] == R2] == []
