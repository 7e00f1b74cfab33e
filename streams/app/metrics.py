"""Prometheus metrics of product.md §5, built as one object against an injected registry
(as Faust's own sensors are): tests pass a fresh registry.

Labels stay low-cardinality: domain, message type, rule, reason, and gemeente where enabled
(about 340 values); per-aanbieder figures go to the topics, never to labels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from streams.core.codes import BY_CODE
from streams.core.events import (
    Alert,
    Event,
    StepMeasured,
    StepWithdrawn,
    TrajectoryUpdated,
    UnitLinked,
    UnitUnlinked,
)
from streams.core.model import Failure, FailureReason, Message

_WERKDAGEN = (0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 60)
_DAYS = (0, 7, 14, 28, 42, 56, 91, 182, 365, 730)
STEPS = {  # metric → (histogram name, buckets)
    "retour_time": ("ketenlink_retour_time_werkdagen", _WERKDAGEN),
    "request_answer": ("ketenlink_request_answer_werkdagen", _WERKDAGEN),
    "assignment_care": ("ketenlink_assignment_care_days", _DAYS),
    "start_report_delay": ("ketenlink_start_report_delay_werkdagen", _WERKDAGEN),
    "stop_report_delay": ("ketenlink_stop_report_delay_werkdagen", _WERKDAGEN),
    "care_duration": ("ketenlink_care_duration_days", _DAYS),
}


class Metrics:
    def __init__(self, registry: CollectorRegistry, *, gemeente: bool = True) -> None:
        self.gemeente = gemeente
        r = registry
        self.messages = Counter("ketenlink_messages", "Messages applied, by domain, type and "
                                "release", ["domain", "msg", "release"], registry=r)
        self.failures = Counter("ketenlink_parse_failures", "Inputs that could not be "
                                "parsed, by reason", ["reason"], registry=r)
        self.dead_letters = Counter("ketenlink_dead_letters", "Records sent to the "
                                    "dead-letter topic, by reason", ["reason"], registry=r)
        self.links = Counter("ketenlink_links", "Links made, by domain and kind",
                             ["domain", "kind"], registry=r)
        self.alerts = Counter("ketenlink_alerts", "Alert events, by rule and status",
                              ["domain", "gemeente", "rule", "status"], registry=r)
        self.open_alerts = Gauge("ketenlink_open_alerts", "Alerts raised and not resolved, in "
                                 "the partitions this worker holds", ["domain", "rule"],
                                 registry=r)
        self.open_trajectories = Gauge("ketenlink_open_trajectories", "Open trajectories "
                                       "(requested, assigned or in care) in the partitions "
                                       "this worker holds", ["domain"], registry=r)
        self._tallied: set[str] = set()  # the tally keys the two gauges show
        self.steps = {metric: Histogram(name, f"Process time {metric} (product.md §5)",
                                        ["domain", "gemeente", "msg"], buckets=buckets,
                                        registry=r)
                      for metric, (name, buckets) in STEPS.items()}
        self.lag = Gauge("ketenlink_consumer_lag", "Input records not yet processed, per "
                         "partition held", ["partition"], registry=r)
        self.engine_clock = Gauge("ketenlink_clock_timestamp_seconds", "The engine clock "
                                  "(the event-time watermark, or the wall-clock date when "
                                  "caught up), as a Unix time", registry=r)
        self.watermark = Gauge("ketenlink_watermark_timestamp_seconds", "The last event-time "
                               "watermark: the newest received date minus the allowed "
                               "lateness (product.md §4, §5), as a Unix time", registry=r)
        self.ready = Gauge("ketenlink_ready", "1 when the worker is assigned and recovered",
                           registry=r)
        for reason in get_args(FailureReason):  # every series there from the start, at 0
            self.failures.labels(reason)
            self.dead_letters.labels(reason)
        self._routes: dict[type, Callable[[Any], None]] = {
            UnitLinked: self._link, Alert: self._alert, StepMeasured: self._step,
            UnitUnlinked: lambda _: None,  # links made is a counter of links made
            StepWithdrawn: lambda _: None,  # a histogram cannot take an observation back
            TrajectoryUpdated: lambda _: None,  # counted from the partition tallies
        }

    def message(self, m: Message) -> None:
        if m.client_index == 0:  # a 2.x message gives a record per client: one message
            self.messages.labels(m.domain, m.msg, m.release).inc()

    def failure(self, f: Failure, dead_lettered: bool = True) -> None:
        self.failures.labels(f.reason).inc()
        if dead_lettered:
            self.dead_letters.labels(f.reason).inc()

    def events(self, events: list[Event]) -> None:
        for e in events:
            self._routes[type(e)](e)

    def clock(self, today: date, watermark: date) -> None:
        self.engine_clock.set(_unix(today))
        self.watermark.set(_unix(watermark))

    def tallies(self, by_partition: dict[int, dict[str, int]]) -> None:
        """Open alerts and trajectories: the sum of the tallies of the partitions held."""
        totals: dict[str, int] = {}
        for tally in by_partition.values():
            for key, n in tally.items():
                totals[key] = totals.get(key, 0) + n
        shown: set[str] = set()
        for key, n in totals.items():
            kind, domain, rule = key.split("|")
            if kind == "alert":
                self.open_alerts.labels(domain, rule).set(n)
            else:
                self.open_trajectories.labels(domain).set(n)
            shown.add(key)
        for key in self._tallied - shown:  # series no partition counts any more go; never
            kind, domain, rule = key.split("|")  # all at once, so that a scrape in
            if kind == "alert":  # between never finds them gone
                self.open_alerts.remove(domain, rule)
            else:
                self.open_trajectories.remove(domain)
        self._tallied = shown

    def _label(self, gemeente: str) -> str:
        return gemeente if self.gemeente else "all"

    def _link(self, e: UnitLinked) -> None:
        self.links.labels(e.unit.partition(":")[0], e.kind).inc()  # every unit starts so

    def _alert(self, a: Alert) -> None:
        self.alerts.labels(a.domain, self._label(a.gemeente), a.rule, a.status).inc()

    def _step(self, s: StepMeasured) -> None:
        self.steps[s.metric].labels(s.domain, self._label(s.gemeente), _msg_type(s)).observe(
            s.value)


def _msg_type(s: StepMeasured) -> str:
    """The message type of the measured unit (301, 305, …): a message or line key names its
    BerichtCode (3 digits; a toewijzing key has the 4-digit gemeente there)."""
    code = s.subject.split(":", 2)[1] if s.subject.count(":") >= 2 else ""
    if len(code) == 3 and code.isascii() and code.isdigit() and int(code) in BY_CODE:
        return BY_CODE[int(code)].heen_msg
    return "301"  # assignment → care: a toewijzing


def _unix(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
