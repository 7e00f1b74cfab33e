"""Trajectories: overlapping or adjoining toewijzingen per category, stable ids."""

from __future__ import annotations

from datetime import date
from typing import Any

from streams.core.chain import Chain, Trajectory
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import Alert, TrajectoryUpdated, UnitLinked
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.testing.lines import Aangevraagd, Start, Stop, Toegewezen, Wijziging
from streams.testing.messages import Heen
from tests.conftest import BSN, head
from tests.unit.scenario import at

D = date(2024, 1, 2)


def t(nr: str, begin: date, end: date | None, cat: str = "45", stamp: date = D,
      reden: str | None = None, ref: str | None = None) -> Toegewezen:
    return Toegewezen(nr, cat, f"{cat}A01", stamp, begin, end, reden_wijziging=reden,
                      referentie=ref)


def run(decoder: Any, *messages: tuple[str, list[Any], date]) -> list[list[Trajectory]]:
    """Apply the messages; after each, the chain's trajectories (sorted by id)."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    states = []
    for i, (kind, lines, day) in enumerate(messages):
        h = Heen(head("jw", kind, ident=f"M{i}", day=day), [(BSN, lines)])
        engine.apply(at(decoder, h.xml(), day))
        (chain,) = [c for _, c in engine.store.scan("c/")]
        assert isinstance(chain, Chain)
        states.append(sorted(chain.trajectories, key=lambda x: x.seq))
    return states


def shape(ts: list[Trajectory]) -> list[list[str]]:
    return [[k.rsplit(":", 1)[1] for k in x.toewijzingen] + x.requests for x in ts]


def test_adjoining_toewijzingen_are_one_trajectory_a_gap_makes_two(decoder: Any) -> None:
    (final,) = run(decoder, ("301", [t("1", date(2024, 1, 1), date(2024, 3, 31)),
                                     t("2", date(2024, 4, 1), date(2024, 6, 30)),
                                     t("3", date(2024, 7, 2), None)], D))[-1:]
    assert shape(final) == [["1", "2"], ["3"]]


def test_other_category_is_another_trajectory(decoder: Any) -> None:
    (final,) = run(decoder, ("301", [t("1", date(2024, 1, 1), None),
                                     t("2", date(2024, 1, 1), None, cat="54")], D))[-1:]
    assert sorted(shape(final)) == [["1"], ["2"]]


def test_a_bridge_merges_keeping_the_oldest_id(decoder: Any) -> None:
    first, second = run(
        decoder,
        ("301", [t("1", date(2024, 1, 1), date(2024, 2, 29)),
                 t("3", date(2024, 4, 1), date(2024, 5, 31))], D),
        ("301", [t("2", date(2024, 3, 1), date(2024, 3, 31))], date(2024, 1, 9)))
    assert shape(first) == [["1"], ["3"]]
    (merged,) = second
    assert shape(second) == [["1", "2", "3"]]
    assert (merged.id, merged.merged) == (first[0].id, [first[1].id])


def test_a_deleted_toewijzing_does_not_bridge(decoder: Any) -> None:
    (final,) = run(decoder, ("301", [
        t("1", date(2024, 1, 1), date(2024, 2, 29)),
        t("3", date(2024, 4, 1), date(2024, 5, 31)),
        t("2", date(2024, 3, 1), date(2024, 3, 1), reden="13")], D))[-1:]
    assert shape(final) == [["1", "2"], ["3"]]  # it joins the span that holds its start


def test_a_split_leaves_the_id_with_the_earliest_toewijzing(decoder: Any) -> None:
    first, second = run(
        decoder,
        ("301", [t("1", date(2024, 1, 1), date(2024, 6, 30)),
                 t("2", date(2024, 7, 1), date(2024, 12, 31))], D),
        ("301", [t("1", date(2024, 1, 1), date(2024, 3, 31), stamp=date(2024, 1, 9),
                   reden="05")], date(2024, 1, 9)))
    assert shape(first) == [["1", "2"]]
    assert shape(second) == [["1"], ["2"]]
    assert second[0].id == first[0].id != second[1].id


def test_a_split_leaves_the_id_with_the_earliest_toewijzing_not_the_earliest_group(
        decoder: Any) -> None:
    """1 (March) and 2 (April) are one trajectory, 0 (category 54, the whole year) another.
    A new version of 2 moves it to category 54 (against the rules, but accepted): 2 joins
    0's trajectory, which begins earlier, yet 1, the earliest toewijzing of the first
    trajectory, keeps that id (product.md §3), and 0 keeps its own."""
    _, second, third = run(
        decoder,
        ("301", [t("1", date(2024, 3, 1), date(2024, 3, 31)),
                 t("2", date(2024, 4, 1), date(2024, 4, 30))], D),
        ("301", [t("0", date(2024, 1, 1), date(2024, 12, 31), cat="54")], date(2024, 1, 3)),
        ("301", [t("2", date(2024, 4, 1), date(2024, 4, 30), cat="54",
                   stamp=date(2024, 1, 4))], date(2024, 1, 4)))
    assert shape(second) == [["1", "2"], ["0"]]
    assert shape(third) == [["1"], ["0", "2"]]
    assert [x.id for x in third] == [x.id for x in second]
    assert [x.merged for x in third] == [[], []]


def test_a_split_after_a_merge_gives_the_merged_id_back(decoder: Any) -> None:
    """1 and 3 are two trajectories; 2 bridges them (3's id is merged into 1's); 2 is then
    deleted: 3's episode is on its own again, with the id issued for it, and 1's record no
    longer lists that id as merged (an id never changes meaning, product.md §3)."""
    apart, bridged, split = run(
        decoder,
        ("301", [t("1", date(2024, 3, 1), date(2024, 3, 31)),
                 t("3", date(2024, 5, 1), date(2024, 5, 31))], D),
        ("301", [t("2", date(2024, 4, 1), date(2024, 4, 30))], date(2024, 1, 9)),
        ("301", [t("2", date(2024, 4, 1), date(2024, 4, 30), stamp=date(2024, 1, 16),
                   reden="13")], date(2024, 1, 16)))
    assert shape(apart) == [["1"], ["3"]]
    assert [(x.id, x.merged) for x in bridged] == [(apart[0].id, [apart[1].id])]
    assert shape(split) == [["1", "2"], ["3"]]
    assert [(x.id, x.merged) for x in split] == [(apart[0].id, []), (apart[1].id, [])]


def test_a_merge_of_three_then_a_split_gives_each_part_its_own_ids(decoder: Any) -> None:
    """1, 3 and 5 are merged by 2 and 4 into 1's id; 4 is shortened: 5 takes its id back,
    and 1's record keeps only 3's as merged."""
    apart, _, split = run(
        decoder,
        ("301", [t("1", date(2024, 3, 1), date(2024, 3, 31)),
                 t("3", date(2024, 5, 1), date(2024, 5, 31)),
                 t("5", date(2024, 7, 1), date(2024, 7, 31))], D),
        ("301", [t("2", date(2024, 4, 1), date(2024, 4, 30)),
                 t("4", date(2024, 6, 1), date(2024, 6, 30))], date(2024, 1, 9)),
        ("301", [t("4", date(2024, 6, 1), date(2024, 6, 10), stamp=date(2024, 1, 16),
                   reden="05")], date(2024, 1, 16)))
    assert shape(split) == [["1", "2", "3", "4"], ["5"]]
    assert [(x.id, x.merged) for x in split] == [(apart[0].id, [apart[1].id]),
                                                 (apart[2].id, [])]


def test_requests_join_their_toewijzing_or_stand_alone(decoder: Any) -> None:
    req = Aangevraagd("REF-1", "45", "45A01", date(2024, 2, 1))
    lonely = Aangevraagd("REF-2", "54", "54A01", date(2024, 2, 1))
    (final,) = run(decoder, ("315", [req, lonely], D),
                   ("301", [t("1", date(2024, 2, 1), None, ref="REF-1")], date(2024, 1, 5)))[-1:]
    vot = f"jw:446:12345678:M0:{D.isoformat()}"
    assert shape(final) == [["1", f"{vot}#0"], [f"{vot}#1"]]  # by issue order: #0 came first


def test_a_317_naming_no_known_toewijzing_joins_the_one_that_answers_it(
        decoder: Any) -> None:
    vow = [Wijziging("NieuwProduct", None, "45", "45A01", date(2024, 2, 1))]
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    h = Heen(head("jw", "317", ident="W", day=D), [(BSN, vow)], verzoek=("VOW-2", "01"))
    answer = Heen(head("jw", "301", ident="A", day=date(2024, 1, 5)),
                  [(BSN, [t("9", date(2024, 2, 1), None, ref="VOW-2")])])
    engine.apply(at(decoder, h.xml(), D))
    engine.apply(at(decoder, answer.xml(), date(2024, 1, 5)))
    (chain,) = [c for _, c in engine.store.scan("c/")]
    assert shape(chain.trajectories) == [["9", f"jw:486:12345678:W:{D.isoformat()}"]]


def test_links_and_alerts_name_the_trajectory_they_belong_to_when_made(decoder: Any) -> None:
    """The live topics carry the trajectory id of a link or alert as it stands then."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    h = Heen(head("jw", "301", ident="M1", day=D), [(BSN, [t("1", D, date(2024, 6, 30))])])
    events = engine.apply(at(decoder, h.xml(), D))
    (chain,) = [c for _, c in engine.store.scan("c/")]
    (traj,) = chain.trajectories
    (link,) = [e for e in events if isinstance(e, UnitLinked)]
    assert (link.target, link.trajectory_id) == ("jw:0363:1", traj.id)
    late = engine.tick(date(2024, 3, 1))  # no start within 20 werkdagen: start_missing
    (alert,) = [e for e in late if isinstance(e, Alert) and e.rule == "start_missing"]
    assert (alert.subject, alert.trajectory_id) == ("jw:0363:1", traj.id)


def test_a_publishing_engine_tells_every_change_of_a_trajectorys_record(
        decoder: Any) -> None:
    """Live (product.md §6): the topic carries the record trajectories.jsonl holds, so a
    start, a stop or an extension is told, and what changes nothing is not."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0),
                    publish=True)
    start = Start("1", "45", "45A01", date(2024, 1, 8), date(2024, 1, 10))
    steps = [("301", [t("1", date(2024, 1, 8), date(2024, 6, 30))], D),
             ("305", [start], date(2024, 1, 11)),
             ("301", [t("1", date(2024, 1, 8), date(2024, 6, 30))], date(2024, 1, 12)),
             ("307", [Stop(start, date(2024, 5, 31), "31")], date(2024, 6, 3))]
    told = []
    for i, (kind, lines, day) in enumerate(steps):
        h = Heen(head("jw", kind, ident=f"M{i}", day=day), [(BSN, lines)])
        told.append([(e.status, e.started, e.stopped) for e in engine.apply(
            at(decoder, h.xml(), day)) if isinstance(e, TrajectoryUpdated)])
    assert told == [[("assigned", None, None)], [("in_care", date(2024, 1, 10), None)],
                    [],  # the same toewijzing sent again: nothing changed
                    [("ended", date(2024, 1, 10), date(2024, 5, 31))]]


def test_live_retours_and_319s_name_the_trajectory_of_what_they_answer(
        decoder: Any) -> None:
    """product.md §3/§6: a retour joins its heenbericht's trajectory, a 319 that of its
    request; the live topics carry the id as it stands then (a replay looks it up again)."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0),
                    publish=True)
    request = Heen(head("jw", "315", ident="V", day=date(2024, 3, 4)),
                   [(BSN, [Aangevraagd("REF-1", "45", "45A48", date(2024, 4, 1))])])
    answer = Heen(head("jw", "319", ident="A", day=date(2024, 3, 14)),
                  antwoord=("REF-1", "1", None))
    events = engine.apply(at(decoder, request.xml(), date(2024, 3, 4)))
    (chain,) = [c for _, c in engine.store.scan("c/")]
    tid = chain.trajectory_of["jw:446:12345678:V:2024-03-04#0"]
    events += engine.tick(date(2024, 3, 12))  # no retour by due(4 March, 3) = 7 March
    events += engine.apply(at(decoder, answer.xml(), date(2024, 3, 14)))
    events += engine.apply(at(decoder, request.retour("R", date(2024, 3, 15)),
                              date(2024, 3, 15)))
    named = {(type(e).__name__, e.rule if isinstance(e, Alert) else e.unit, e.trajectory_id)
             for e in events if isinstance(e, UnitLinked | Alert)}
    assert {(kind, what) for kind, what, traj in named if traj != tid} == set()
    assert {"retour_missing", "retour_late", "request_answered_late",
            "jw:488:0363:A:2024-03-14"} <= {what for _, what, _ in named}


def _told(decoder: Any, steps: list[tuple[Heen, date, bool]]) -> dict[str, TrajectoryUpdated]:
    """Each trajectory's last record; a step (message, day, as its 0001 retour)."""
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0),
                    publish=True)
    last: dict[str, TrajectoryUpdated] = {}
    for h, day, rejected in steps:
        xml = h.retour("R", day, header_codes=("0001",)) if rejected else h.xml()
        for e in engine.apply(at(decoder, xml, day)):
            if isinstance(e, TrajectoryUpdated):
                last[e.trajectory_id] = e
    return last


def test_a_request_whose_only_answer_was_not_sent_is_requested_not_deleted(
        decoder: Any) -> None:
    """product.md §4: a 301 its retour rejects (0001) is "considered not sent" and no
    answer; §3: a request never assigned is a trajectory of its own, `requested`."""
    req = Heen(head("jw", "315", ident="V1", day=D),
               [(BSN, [Aangevraagd("REF-1", "45", "45A01", date(2024, 2, 1))])])
    answer = Heen(head("jw", "301", ident="T1", day=date(2024, 1, 5)),
                  [(BSN, [t("1", date(2024, 2, 1), None, ref="REF-1")])])
    (final,) = _told(decoder, [(req, D, False), (answer, date(2024, 1, 5), False),
                               (answer, date(2024, 1, 8), True)]).values()
    assert (final.status, final.requested, final.assigned) == ("requested", D, None)


def test_requested_is_when_the_request_sent_again_was_received(decoder: Any) -> None:
    """A 315 rejected whole (0001) was never sent; the one sent again under its reference
    is the request, as for its answer time."""
    lines = [(BSN, [Aangevraagd("REF-1", "45", "45A01", date(2024, 2, 1))])]
    first = Heen(head("jw", "315", ident="V1", day=D), lines)
    again = Heen(head("jw", "315", ident="V2", day=date(2024, 1, 9)), lines)
    answer = Heen(head("jw", "301", ident="T1", day=date(2024, 1, 11)),
                  [(BSN, [t("1", date(2024, 2, 1), None, ref="REF-1")])])
    (final,) = _told(decoder, [(first, D, False), (first, date(2024, 1, 4), True),
                               (again, date(2024, 1, 9), False),
                               (answer, date(2024, 1, 11), False)]).values()
    assert (final.status, final.requested) == ("assigned", date(2024, 1, 9))


def test_a_request_never_sent_keeps_its_received_date(decoder: Any) -> None:
    """Only requests sent count for `requested`; a trajectory of requests none of which
    was sent (0001) still tells when it was received."""
    lines = [(BSN, [Aangevraagd("REF-1", "45", "45A01", date(2024, 2, 1))])]
    first = Heen(head("jw", "315", ident="V1", day=D), lines)
    (final,) = _told(decoder, [(first, D, False), (first, date(2024, 1, 4), True)]).values()
    assert (final.status, final.requested) == ("requested", D)


def test_live_tells_a_record_a_rejecting_retour_changes_without_other_events(
        decoder: Any) -> None:
    """A 0001 on a request sent again later moves `requested` and raises nothing: the
    live topic must still get the record the replay's file will hold."""
    lines = [(BSN, [Aangevraagd("REF-1", "45", "45A01", date(2024, 2, 1))])]
    first = Heen(head("jw", "315", ident="V1", day=D), lines)
    again = Heen(head("jw", "315", ident="V2", day=date(2024, 1, 5)), lines)
    told = _told(decoder, [(first, D, False), (again, date(2024, 1, 5), False),
                           (first, date(2024, 1, 8), True)])
    merged = {old for t in told.values() for old in t.merged}
    assert [(t.requests, t.requested) for t in told.values()
            if t.trajectory_id not in merged] == [
        (("jw:446:12345678:V1:2024-01-02#0", "jw:446:12345678:V2:2024-01-05#0"),
         date(2024, 1, 5))]


def test_live_tells_assigned_moving_when_the_first_301_was_not_sent(decoder: Any) -> None:
    """The first 301 rejected whole (0001) after a second one was sent: `assigned` moves
    to the second, and nothing else happens; the live topic must tell it."""
    t1 = t("1", date(2024, 2, 1), date(2024, 6, 30))
    first = Heen(head("jw", "301", ident="A", day=D), [(BSN, [t1])])
    second = Heen(head("jw", "301", ident="B", day=date(2024, 1, 9)),
                  [(BSN, [t("1", date(2024, 2, 1), date(2024, 6, 30), stamp=date(2024, 1, 9))])])
    told = _told(decoder, [(first, D, False), (second, date(2024, 1, 9), False),
                           (first, date(2024, 1, 10), True)])
    assert [x.assigned for x in told.values()] == [date(2024, 1, 9)]
