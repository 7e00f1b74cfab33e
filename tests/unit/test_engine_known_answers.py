"""The engine against the generator's known answers on the bundled sample archive.

The generator tracks the answers independently (streams/testing/expect.py); this checks
every linking unit, and every rule the generator covers (not yet stop_missing): every
expected link made with the right target (and start), every expected alert raised with its
final status, nothing spurious.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from streams.cli import parse_paths
from streams.core.config import Terms
from streams.core.events import Alert, UnitLinked
from streams.core.model import Failure, Message
from streams.settings import Settings
from tests.conftest import ROOT
from tests.unit.scenario import replay

SAMPLE = ROOT / "samples" / "sample.zip"
EXPECTED = ROOT / "samples" / "sample.zip.expected"
ALERT_RULES = {"retour_missing", "retour_late", "retour_rejected", "start_missing",
               "start_late", "stop_late", "request_unanswered", "request_answered_late",
               "request_undecided", "unlinked"}


def messages(path: Path) -> Iterator[Message]:
    for parsed in parse_paths((path,), Settings(hmac_key=b"known-answers-key")):
        if not isinstance(parsed, Failure):
            yield from parsed


def jsonl(name: str) -> list[dict[str, str]]:
    return [orjson.loads(line) for line in (EXPECTED / name).read_bytes().splitlines()]


def test_links_and_alerts_match_the_known_answers() -> None:
    events = replay(messages(SAMPLE), Terms())
    links = {e.unit: (e.target, e.start) for e in events if isinstance(e, UnitLinked)}
    final = {(a.rule, a.subject): a.status for a in events if isinstance(a, Alert)}
    expected_links = {x["unit"]: (x["target"], x.get("start")) for x in jsonl("links.jsonl")}
    assert len(expected_links) > 3000
    assert {u: links.get(u) for u in expected_links} == expected_links
    expected_alerts = {(x["rule"], x["subject"]): x["status"] for x in jsonl("alerts.jsonl")
                       if x["rule"] in ALERT_RULES}
    assert len(expected_alerts) > 100
    assert {k: v for k, v in final.items() if k[0] in ALERT_RULES} == expected_alerts
