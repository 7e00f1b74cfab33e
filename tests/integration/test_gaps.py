"""A worker whose consumer starts past the offsets its state has applied (as
faust-streaming 0.15.3 can after a SIGKILL) reads the skipped records from the topic and
applies them first: nothing is lost, and the group's commits go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.live import (
    Worker,
    ketenlink,
    lag,
    move_committed,
    read_topic,
    wait_until,
)
from tests.integration.test_live import assert_same_outputs, replayed

pytestmark = pytest.mark.integration


def test_records_the_consumer_skips_are_read_from_the_topic(kafka_bootstrap: str,
                                                            tmp_path: Path) -> None:
    archive = tmp_path / "archive.zip"
    ketenlink("generate", str(archive), "--messages", "6000", "--seed", "8")
    out = replayed(archive, tmp_path / "replay")
    prefix, group, topic = "gaps", "gaps-app", "gaps.input"
    ketenlink("ingest", str(archive), "--finish", "--bootstrap", kafka_bootstrap,
              "--partitions", "3", "--topic-prefix", prefix)
    total = len(read_topic(kafka_bootstrap, topic))
    worker = Worker(kafka_bootstrap, prefix, tmp_path / "data", 3).start()
    try:
        wait_until(lambda: 0 <= lag(kafka_bootstrap, group, topic) <= total // 2, 240,
                   "the worker to consume half the input", worker.log_tail)
        worker.kill()
        # Past anything the state can hold: the state is at most a commit interval ahead.
        moved = move_committed(kafka_bootstrap, group, topic, ahead=1500)
        worker.start()
        wait_until(lambda: lag(kafka_bootstrap, group, topic) == 0, 240,
                   "the worker to consume the input and commit it all", worker.log_tail)
    finally:
        worker.stop()
    assert "were not delivered" in worker.log.read_text(), moved
    assert_same_outputs(kafka_bootstrap, prefix, out)
