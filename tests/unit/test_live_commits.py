"""The live worker's consumer commits a partition up to the end of what was acknowledged,
also when its gaps repeat offsets that were delivered and acknowledged: Faust's own list
then held those offsets twice, and every commit moved the offset by one
(streams/app/kafka.py; the crash test's stuck worker). No Kafka: the consumer is built,
not started."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faust.types import TP

from streams.app.config import LiveSettings
from streams.app.kafka import AckedOffsets, Consumer
from streams.app.service import ack_view, create_app
from streams.settings import Settings

TOPIC = "ketenlink.input"


@pytest.fixture
def consumer(tmp_path: Path) -> Iterator[Any]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    app = create_app(LiveSettings(Settings(hmac_key=b"live-commit-key-1"), data_dir=tmp_path))
    yield loop, app.consumer
    asyncio.set_event_loop(None)
    loop.close()


def _acked(consumer: Any, tp: TP, offsets: range) -> None:
    """What Faust's `ack` records for each acknowledged message."""
    for offset in offsets:
        consumer._acked_index[tp].add(offset)
        consumer._acked[tp].append(offset)


def test_the_app_consumes_with_the_consumer_that_drops_repeated_offsets(consumer: Any) -> None:
    _, c = consumer
    assert isinstance(c, Consumer)


def test_a_gap_over_acknowledged_offsets_commits_the_whole_run(consumer: Any) -> None:
    loop, c = consumer
    tp = TP(TOPIC, 0)
    c._committed_offset[tp] = 100
    _acked(c, tp, range(100, 111))  # delivered again after a restart
    # the worker's gap for offsets 105..119 it saw skipped, and Faust's own after the
    # jump to 120, which holds 120 itself
    loop.run_until_complete(c._add_gap(tp, 105, 119))
    loop.run_until_complete(c._add_gap(tp, 119, 120))
    _acked(c, tp, range(120, 131))
    assert c._new_offset(tp) == 131
    assert list(c._acked[tp]) == [] and c._acked_index[tp] == set()


def test_a_missing_offset_still_holds_the_commit_back(consumer: Any) -> None:
    _, c = consumer
    tp = TP(TOPIC, 1)
    c._committed_offset[tp] = 10
    _acked(c, tp, range(10, 15))
    _acked(c, tp, range(16, 20))  # 15 is still being worked on
    c._acked[tp].append(12)  # and an offset twice
    assert c._new_offset(tp) == 15
    assert list(c._acked[tp]) == [16, 17, 18, 19]


def test_acked_offsets_sort_each_offset_once() -> None:
    offsets = AckedOffsets([5, 3, 5, 4, 3])
    offsets.sort()
    assert offsets == [3, 4, 5]


def test_a_stall_log_shows_what_the_consumer_holds_back(consumer: Any) -> None:
    loop, c = consumer
    held, other = TP(TOPIC, 2), TP("ketenlink-app-state-changelog", 2)
    c.assignment = lambda: {held, other}  # as the started consumer's would say
    c._committed_offset[held], c._read_offset[held] = 40, 60
    _acked(c, held, range(42, 61))
    loop.run_until_complete(c._add_gap(held, 70, 79))
    assert ack_view(c, TOPIC) == ("partition 2: committed 40, read 60, acked 19 (42..60), "
                                  "gaps [(70, 80)], unacked 0")
    c.assignment = lambda: {other}
    assert ack_view(c, TOPIC) == "none held"
