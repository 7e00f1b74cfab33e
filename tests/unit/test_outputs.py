"""Output records from the final state: trajectory dates and status, ids after merges."""

from __future__ import annotations

from datetime import date
from typing import Any

from streams.core.chain import Chain
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.outputs import trajectory_record
from streams.core.store import MemoryDueIndex, MemoryStore
from streams.core.trajectories import trajectory_for
from streams.testing.lines import Start, Stop, Toegewezen
from streams.testing.messages import Heen
from tests.conftest import BSN, head
from tests.unit.scenario import at

D = date(2024, 1, 2)
T1 = Toegewezen("1", "45", "45A01", D, date(2024, 1, 8), date(2024, 6, 30))
T2 = Toegewezen("2", "45", "45A01", D, date(2024, 7, 1), date(2024, 12, 31))
S1 = Start("1", "45", "45A01", date(2024, 1, 8), date(2024, 1, 10))


def chain_after(decoder: Any, *messages: tuple[str, list[Any], date]) -> Chain:
    engine = Engine(MemoryStore(), MemoryDueIndex(), terms=Terms(alerts_from_days=0))
    for i, (kind, lines, day) in enumerate(messages):
        h = Heen(head("jw", kind, ident=f"M{i}", day=day), [(BSN, lines)])
        engine.apply(at(decoder, h.xml(), day))
    (chain,) = [c for _, c in engine.store.scan("c/")]
    assert isinstance(chain, Chain)
    return chain


def record(chain: Chain) -> dict[str, Any]:
    (t,) = chain.trajectories
    return trajectory_record(chain, t)


def test_an_assigned_trajectory_waits_for_its_start(decoder: Any) -> None:
    r = record(chain_after(decoder, ("301", [T1], D)))
    assert (r["status"], r["assigned"], r["ingangsdatum"], r["einddatum"], r["started"]) == (
        "assigned", "2024-01-02", "2024-01-08", "2024-06-30", None)


def test_a_later_version_does_not_move_the_assigned_date(decoder: Any) -> None:
    """An extension is a new version of the same toewijzing, not a new assignment."""
    longer = Toegewezen("1", "45", "45A01", date(2024, 6, 1), date(2024, 1, 8),
                        date(2024, 12, 31), reden_wijziging="04")
    r = record(chain_after(decoder, ("301", [T1], D), ("301", [longer], date(2024, 6, 1))))
    assert (r["assigned"], r["einddatum"]) == ("2024-01-02", "2024-12-31")


def test_a_start_of_a_deleted_toewijzing_is_no_care_of_the_trajectory(decoder: Any) -> None:
    """product.md §3: a deleted toewijzing stays linked but does not count as care; the
    trajectory it joined waits for a start of its care toewijzing."""
    deleted = Toegewezen("2", "45", "45A01", D, date(2024, 2, 1), date(2024, 2, 1),
                         reden_wijziging="13")
    r = record(chain_after(decoder, ("301", [T1, deleted], D),
                           ("305", [Start("2", "45", "45A01", date(2024, 2, 1),
                                          date(2024, 2, 1))], date(2024, 2, 2))))
    assert sorted(r["toewijzingen"]) == ["jw:0363:1", "jw:0363:2"]
    assert (r["status"], r["started"]) == ("assigned", None)


def test_a_temporary_stop_leaves_it_in_care_a_definitive_one_ends_it(decoder: Any) -> None:
    started = ("305", [S1], date(2024, 1, 11))
    paused = chain_after(decoder, ("301", [T1], D), started,
                         ("307", [Stop(S1, date(2024, 3, 1), "20")], date(2024, 3, 2)))
    assert (record(paused)["status"], record(paused)["stopped"]) == ("in_care", None)
    ended = chain_after(decoder, ("301", [T1], D), started,
                        ("307", [Stop(S1, date(2024, 5, 31), "02")], date(2024, 6, 3)))
    r = record(ended)
    assert (r["status"], r["started"], r["stopped"], r["reden_beeindiging"]) == (
        "ended", "2024-01-10", "2024-05-31", "02")


def test_a_restart_after_a_temporary_stop_ends_with_its_own_definitive_stop(
        decoder: Any) -> None:
    """domain.md §6: after a temporary stop only a definitive stop or a new start may
    follow. The first start, paused and started again, needs no stop of its own: the
    restart's definitive stop ends the care."""
    restart = Start("1", "45", "45A01", date(2024, 1, 8), date(2024, 4, 2))
    r = record(chain_after(decoder, ("301", [T1], D), ("305", [S1], date(2024, 1, 11)),
                           ("307", [Stop(S1, date(2024, 3, 1), "20")], date(2024, 3, 2)),
                           ("305", [restart], date(2024, 4, 3)),
                           ("307", [Stop(restart, date(2024, 6, 30), "31")],
                            date(2024, 7, 1))))
    assert (r["status"], r["started"], r["stopped"], r["reden_beeindiging"]) == (
        "ended", "2024-01-10", "2024-06-30", "31")


def test_care_stopped_with_the_next_toewijzing_still_to_start_is_assigned(
        decoder: Any) -> None:
    """T2 adjoins T1 (one episode, product.md §3): T1's care stopped, T2's has not
    started yet, so the trajectory waits for care rather than having ended."""
    stop = ("307", [Stop(S1, date(2024, 6, 30), "31")], date(2024, 7, 1))
    waiting = record(chain_after(decoder, ("301", [T1, T2], D), ("305", [S1], D), stop))
    assert (waiting["status"], waiting["stopped"]) == ("assigned", "2024-06-30")
    alone = record(chain_after(decoder, ("301", [T1], D), ("305", [S1], D), stop))
    assert alone["status"] == "ended"


def test_units_and_messages_find_the_trajectory_after_a_merge(decoder: Any) -> None:
    """A 305 linked to toewijzing 1 and the 301 message of toewijzing 2 name the one
    trajectory that remains once the two adjoining toewijzingen merged."""
    chain = chain_after(decoder, ("301", [T1], D), ("305", [S1], date(2024, 1, 11)),
                        ("301", [T2], date(2024, 6, 20)))
    (t,) = chain.trajectories
    start_line = next(iter(chain.zorg))
    key_2 = next(k for k in chain.toewijzingen if k.endswith(":2"))
    second_301 = chain.toewijzingen[key_2].versions[0].message_key
    assert trajectory_for(chain, start_line) == t.id
    assert trajectory_for(chain, second_301) == t.id
    assert [k.rsplit(":", 1)[1] for k in record(chain)["toewijzingen"]] == ["1", "2"]
    assert trajectory_for(chain, "jw:436:nobody:M9:2024-01-01") is None
