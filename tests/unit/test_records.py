"""Parsed records back from JSON: what `ketenlink parse` writes replays as it was."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from streams.core.model import Failure, Message
from streams.core.records import from_json
from tests.conftest import heen


def roundtrip(record: Message | Failure) -> Any:
    data = orjson.dumps(record)
    return from_json(orjson.loads(data), "x.jsonl:1", data)


@pytest.mark.parametrize(("msg", "release"), [("301", "3.2"), ("315", "2.4"), ("307", "3.0")])
def test_a_parsed_message_survives_json(decoder: Any, msg: str, release: str) -> None:
    (m,) = decoder.parse(heen("jw", msg, release).xml(), "src", None)
    assert roundtrip(m) == [m]


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
])
def test_a_wrong_record_is_an_invalid_record_failure(decoder: Any, change: dict[str, Any],
                                                      detail: str) -> None:
    (m,) = decoder.parse(heen("jw", "301").xml(), "src", None)
    raw = {**orjson.loads(orjson.dumps(m)), **change}
    data = orjson.dumps(raw)
    f = from_json(raw, "x.jsonl:7", data)
    assert isinstance(f, Failure)
    assert (f.reason, f.source, f.size) == ("invalid_record", "x.jsonl:7", len(data))
    assert f.detail.startswith(detail)
