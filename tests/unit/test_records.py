"""Parsed records back from JSON: what `ketenlink parse` writes replays as it was."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from streams.app.config import MAX_RECORD, Topics
from streams.app.records import FAILURE_KEY, Reported, Router, decode_input, failure_value
from streams.core.events import UnitLinked, UnitUnlinked
from streams.core.model import Failure, Message
from streams.core.records import from_json
from tests.conftest import D, heen


def roundtrip(record: Message | Failure) -> Any:
    data = orjson.dumps(record)
    return from_json(orjson.loads(data), "x.jsonl:1", data)


@pytest.mark.parametrize(("msg", "release"), [("301", "3.2"), ("315", "2.4"), ("307", "3.0")])
def test_a_parsed_message_survives_json(decoder: Any, msg: str, release: str) -> None:
    (m,) = decoder.parse(heen("jw", msg, release).xml(), "src", None)
    assert roundtrip(m) == [m]


def test_a_record_written_before_woonplaatsbeginsel_was_read_still_replays(
        decoder: Any) -> None:
    """A field added with a default may be absent; one without a default may not."""
    (m,) = decoder.parse(heen("jw", "319").xml(), "src", None)
    raw = orjson.loads(orjson.dumps(m))
    del raw["woonplaatsbeginsel"]
    assert from_json(raw, "x.jsonl:1", orjson.dumps(raw)) == [m]
    del raw["reden_afwijzing"]
    f = from_json(raw, "x.jsonl:1", orjson.dumps(raw))
    assert isinstance(f, Failure) and f.detail == "missing field reden_afwijzing"


@pytest.mark.parametrize(("msg", "field", "detail"), [
    ("305", "begindatum", "lines: begindatum may not be null in a 305"),
    ("307", "einddatum", "lines: einddatum may not be null in a 307"),
    ("302", "heen_key", "heen_key: a retour names its heenbericht"),
])
def test_a_record_no_message_gives_is_refused(decoder: Any, msg: str, field: str,
                                              detail: str) -> None:
    h = heen("jw", str(int(msg) - 1) if msg == "302" else msg)
    xml = h.retour("R", D) if msg == "302" else h.xml()
    (m,) = decoder.parse(xml, "src", None)
    raw = orjson.loads(orjson.dumps(m))
    if field == "heen_key":
        raw[field] = None
    else:
        raw["lines"][0][field] = None
    f = from_json(raw, "x.jsonl:1", orjson.dumps(raw))
    assert isinstance(f, Failure) and f.detail == detail


def test_a_failure_record_stays_a_failure(decoder: Any) -> None:
    f = decoder.parse(b"<not xml", "src", None)
    assert isinstance(f, Failure)
    assert roundtrip(f) == f


@pytest.mark.parametrize(("change", "detail"), [
    ({"record": "nonsense"}, 'record: expected "message" or "failure"'),
    ({"received": "yesterday"}, "received: "),
    ({"lines": [{"n": 0}]}, "lines: missing field line_key"),
    ({"client_index": "0"}, "client_index: expected int"),
    ({"domain": "zvw"}, "domain: expected jw or wmo"),
    ({"msg": None}, "msg: may not be null"),
    # well typed, but no message gives it: the engine must never see such a record
    ({"msg": "999"}, "code: 436 is no jw 999"),
    ({"retour": True}, "code: 436 is no jw 301 retour"),
    ({"client": None}, "client: a 301 is about a client"),
    ({"lines": "toewijzing_key"}, "lines: toewijzing_key may not be null in a 301"),
    ({"lines": "ingangsdatum"}, "lines: ingangsdatum may not be null in a 301"),
])
def test_a_wrong_record_is_an_invalid_record_failure(decoder: Any, change: dict[str, Any],
                                                      detail: str) -> None:
    (m,) = decoder.parse(heen("jw", "301").xml(), "src", None)
    raw = {**orjson.loads(orjson.dumps(m)), **change}
    if isinstance(change.get("lines"), str):  # that field of its first line null
        raw["lines"] = orjson.loads(orjson.dumps(m))["lines"]
        raw["lines"][0][change["lines"]] = None
    data = orjson.dumps(raw)
    f = from_json(raw, "x.jsonl:7", data)
    assert isinstance(f, Failure)
    assert (f.reason, f.source, f.size) == ("invalid_record", "x.jsonl:7", len(data))
    assert f.detail.startswith(detail)


def test_a_dead_letter_carries_its_input_unless_too_large_for_a_record(decoder: Any) -> None:
    """Nothing lost: the raw input rides along (base64); one too large for a Kafka record
    is named by its source and digest, and the detail says why it is not there."""
    router = Router(Topics("t"))
    for size, carried in ((1000, True), (7 << 20, False)):
        raw = b"<" * size
        failure = decoder.parse(raw, "big.xml")
        topic, key, value = router.dead_letter(failure, raw)
        record = orjson.loads(value)
        assert (topic, key, record["reason"]) == ("t.dead-letter", b"big.xml", "malformed_xml")
        assert len(value) < MAX_RECORD
        assert (record["raw"] is not None) == carried
        if carried:
            assert base64.b64decode(record["raw"]) == raw
        else:
            assert f"{size} bytes, is too large for a record" in record["detail"]
            assert record["digest"] == failure.digest


def test_a_failure_the_ingest_reports_is_counted_not_dead_lettered_again(decoder: Any) -> None:
    """The ingest dead-letters an input it cannot parse, and sends the workers the failure
    record alone, so that /metrics counts parse failures by reason (product.md §5)."""
    f = decoder.parse(b"<Bericht><Client><Bsn>999996708</Bsn>", "in/bad.xml", None)
    assert isinstance(f, Failure)
    value = failure_value(f)
    assert b"999996708" not in value  # the input itself stays on the dead-letter topic
    assert decode_input(value, FAILURE_KEY, "input/0/7") == Reported(f)
    broken = orjson.dumps({**orjson.loads(value), "size": "17"})
    wrong = decode_input(broken, FAILURE_KEY, "input/0/8")
    assert isinstance(wrong, Failure)
    assert (wrong.reason, wrong.source) == ("invalid_record", "input/0/8")
    # under another key (not the ingest's): a failure record for the dead-letter topic
    assert decode_input(value, b"jw:0363:12345678", "input/0/9") == f


def test_a_link_that_no_longer_holds_is_a_tombstone_on_the_links_topic() -> None:
    router = Router(Topics("t"))
    linked = UnitLinked("jw:446:1:V:2020-03-03#0", "line", "jw:0363:11", None, "score")
    assert router.outputs([linked, UnitUnlinked(linked.unit)])[1] == (
        router.topics.links, linked.unit.encode(), None)
