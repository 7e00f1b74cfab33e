"""The worker's metrics on a fresh registry: the right series, with low-cardinality labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from prometheus_client import CollectorRegistry

from streams.app.metrics import Metrics
from streams.core.events import Alert, StepMeasured, UnitLinked
from streams.testing.lines import Start
from streams.testing.messages import Heen
from tests.conftest import BSN, BSN2, head


def test_process_times_are_labelled_by_message_type_never_by_message() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    heen = "jw:436:0363:M1:2024-03-01"
    metrics.events([
        StepMeasured("retour_time", heen, 2, "werkdagen", "jw", "0363", "12345678",
                     "jw:437:0363:R1:2024-03-04"),
        StepMeasured("start_report_delay", "wmo:418:12345678:S1:2024-03-08#0", 4,
                     "werkdagen", "wmo", "0363", "12345678", "wmo:418:12345678:S1:2024-03-08"),
        StepMeasured("assignment_care", "jw:0363:1001", 7, "days", "jw", "0363", "12345678",
                     "jw:438:12345678:S2:2024-03-08"),
    ])
    get = registry.get_sample_value
    assert get("ketenlink_retour_time_werkdagen_count",
               {"domain": "jw", "gemeente": "0363", "msg": "301"}) == 1
    assert get("ketenlink_retour_time_werkdagen_sum",
               {"domain": "jw", "gemeente": "0363", "msg": "301"}) == 2
    assert get("ketenlink_start_report_delay_werkdagen_bucket",
               {"domain": "wmo", "gemeente": "0363", "msg": "305", "le": "4.0"}) == 1
    assert get("ketenlink_assignment_care_days_count",
               {"domain": "jw", "gemeente": "0363", "msg": "301"}) == 1
    names = {s.labels.get("msg") for m in registry.collect() for s in m.samples}
    assert names <= {None, "301", "305"}


def test_alerts_links_and_open_tallies() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, gemeente=False)
    raised = Alert("retour_missing:x", "retour_missing", "jw:436:0363:M1:2024-03-01", "raised",
                   "jw", "0363", "12345678", "c", None, date(2024, 3, 6), date(2024, 3, 7))
    metrics.events([raised, UnitLinked("jw:437:0363:R1:2024-03-04", "retour",
                                       "jw:436:0363:M1:2024-03-01", None, "header")])
    metrics.tallies({0: {"alert|jw|retour_missing": 2, "trajectory|jw|": 5},
                     1: {"alert|jw|retour_missing": 1}})
    get = registry.get_sample_value
    assert get("ketenlink_alerts_total", {"domain": "jw", "gemeente": "all",
                                          "rule": "retour_missing", "status": "raised"}) == 1
    assert get("ketenlink_links_total", {"domain": "jw", "kind": "retour"}) == 1
    assert get("ketenlink_open_alerts", {"domain": "jw", "rule": "retour_missing"}) == 3
    assert get("ketenlink_open_trajectories", {"domain": "jw"}) == 5
    metrics.tallies({0: {"trajectory|jw|": 4}})  # a partition handed over: its series go
    assert get("ketenlink_open_alerts", {"domain": "jw", "rule": "retour_missing"}) is None
    assert get("ketenlink_open_trajectories", {"domain": "jw"}) == 4


def test_the_engine_clock_and_the_event_time_watermark_are_two_gauges() -> None:
    """product.md §5 asks for the event-time watermark; the engine clock (the wall date
    while caught up) is what the stalled-clock alert watches."""
    registry = CollectorRegistry()
    Metrics(registry, gemeente=False).clock(date(2026, 11, 30), date(2024, 6, 28))
    get = registry.get_sample_value
    assert get("ketenlink_clock_timestamp_seconds") == 1795996800.0  # 2026-11-30 UTC
    assert get("ketenlink_watermark_timestamp_seconds") == 1719532800.0  # 2024-06-28


def test_a_message_with_two_clients_is_one_message(decoder: Any) -> None:
    """A 2.x message gives one record per client (product.md §2); §5 counts messages."""
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    h = Heen(head("jw", "305", "2.4", "example", "S", date(2020, 2, 3)),
             [(BSN, [Start("1", "45", "45A48", date(2020, 2, 3), date(2020, 2, 3))]),
              (BSN2, [Start("2", "45", "45A48", date(2020, 2, 3), date(2020, 2, 3))])])
    records = decoder.parse(h.xml(), "x")
    assert len(records) == 2
    for m in records:
        metrics.message(m)
    assert registry.get_sample_value("ketenlink_messages_total", {
        "domain": "jw", "msg": "305", "release": "2.4"}) == 1
