"""What travels on the topics (schemas/): input records in, output records out.

Input values are JSON: a parsed message record (what `ketenlink parse` prints), a clock
record (`{"record": "tick", ...}`), or the failure record of an input the ingest could not
parse (counted, already dead-lettered). Anything else — not JSON, the wrong shape, a message on
the wrong key — is a failure for the dead-letter topic, never an exception. Output events
are routed by type through one table (architecture §1), each to (topic, key, value).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson

from streams.app.config import MAX_RECORD, Topics
from streams.core.events import (
    Alert,
    Event,
    StepMeasured,
    StepWithdrawn,
    TrajectoryUpdated,
    UnitLinked,
    UnitUnlinked,
)
from streams.core.frozen import record
from streams.core.keys import partition_key
from streams.core.model import Failure, Message
from streams.core.outputs import (
    alert_record,
    failure_record,
    link_record,
    step_record,
    trajectory_update_record,
)
from streams.core.records import from_json, invalid, reported
from streams.core.ticks import Tick

Output = tuple[str, bytes, bytes | None]  # topic, key, value (None: a tombstone)
FAILURE_KEY = b"~failure"


@record
class Reported:
    """An input the ingest could not parse and has sent to the dead-letter topic itself:
    on the input topic only so that the worker counts it (product.md §5: parse failures
    by reason on /metrics)."""

    failure: Failure


Input = Message | Tick | Failure | Reported


def message_key(m: Message) -> bytes:
    return partition_key(m.domain, m.gemeente, m.aanbieder).encode()


def message_value(m: Message) -> bytes:
    return orjson.dumps(m)


def failure_value(f: Failure) -> bytes:
    """The failure record alone (reason, source, digest): no input bytes, no personal data."""
    return orjson.dumps(failure_record(f))


def tick_value(t: Tick) -> bytes:
    return orjson.dumps({"record": "tick", "newest": t.newest, "first": t.first,
                         "finish": t.finish, "wall": t.wall})


def decode_input(value: bytes | None, key: bytes | None, source: str) -> Input:
    data = value or b""
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as err:
        return invalid(f"not JSON: {err}", source, data)
    if isinstance(raw, dict) and raw.get("record") == "tick":
        return _tick(raw, source, data)
    found = reported(raw) if key == FAILURE_KEY else None
    if found is not None:  # any other failure record is dead-lettered, as before
        return Reported(found)
    parsed = from_json(raw, source, data)
    if isinstance(parsed, Failure):
        return parsed
    (m,) = parsed
    if key is not None and key != message_key(m):
        return invalid(f"key {key[:80]!r} is not the message's (domain, gemeente, aanbieder)",
                       source, data)
    return m


def _tick(raw: dict[str, Any], source: str, data: bytes) -> Tick | Failure:
    try:
        dates = {name: _date(raw.get(name)) for name in ("newest", "first", "wall")}
    except ValueError as err:
        return invalid(f"tick: {err}", source, data)
    finish = raw.get("finish", False)
    if not isinstance(finish, bool) or (finish and dates["newest"] is None):
        return invalid("tick: finish must be a boolean, with a newest date", source, data)
    return Tick(dates["newest"], dates["first"], finish, dates["wall"])


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("dates are ISO strings")
    return date.fromisoformat(value)


_HEADROOM = 64 << 10  # key, headers and the batch around a record


class Router:
    """Engine events → output records, by event type."""

    def __init__(self, topics: Topics) -> None:
        self.topics = topics
        self._routes: dict[type, Callable[[Any], list[Output]]] = {
            UnitLinked: self._link, UnitUnlinked: self._unlink, Alert: self._alert,
            StepMeasured: self._step, StepWithdrawn: self._withdrawn,
            TrajectoryUpdated: self._trajectory,
        }

    def outputs(self, events: list[Event]) -> list[Output]:
        return [out for e in events for out in self._routes[type(e)](e)]

    def dead_letter(self, f: Failure, raw: bytes | None) -> Output:
        """The failure with its reason and the input as received (base64): nothing lost.
        An input too large to ride along (a Kafka record holds at most MAX_RECORD bytes)
        is named by its source and digest instead, and the detail says so."""
        record = {**failure_record(f), "raw": base64.b64encode(raw).decode() if raw else None}
        value = orjson.dumps(record)
        if raw is not None and len(value) > MAX_RECORD - _HEADROOM:
            record |= {"raw": None, "detail": f"{f.detail} (the input, {len(raw)} bytes, is "
                                              "too large for a record: see its source)"}
            value = orjson.dumps(record)
        return self.topics.dead_letter, f.source.encode(), value

    def _link(self, e: UnitLinked) -> list[Output]:
        return [(self.topics.links, e.unit.encode(),
                 orjson.dumps(link_record(e, e.trajectory_id)))]

    def _unlink(self, e: UnitUnlinked) -> list[Output]:
        """A tombstone: the unit's link no longer holds."""
        return [(self.topics.links, e.unit.encode(), None)]

    def _alert(self, e: Alert) -> list[Output]:
        return [(self.topics.alerts, e.alert_id.encode(),
                 orjson.dumps(alert_record(e, e.trajectory_id)))]

    def _step(self, e: StepMeasured) -> list[Output]:
        return [(self.topics.process_times, f"{e.metric}|{e.subject}".encode(),
                 orjson.dumps(step_record(e)))]

    def _withdrawn(self, e: StepWithdrawn) -> list[Output]:
        """A tombstone: the step's measurement no longer holds."""
        return [(self.topics.process_times, f"{e.metric}|{e.subject}".encode(), None)]

    def _trajectory(self, e: TrajectoryUpdated) -> list[Output]:
        """The compacted topic keeps the newest record per id; an id merged away gets a
        tombstone, so the topic ends up holding exactly the live trajectories."""
        record = (self.topics.trajectories, e.trajectory_id.encode(),
                  orjson.dumps(trajectory_update_record(e)))
        return [record, *((self.topics.trajectories, old.encode(), None) for old in e.merged)]
