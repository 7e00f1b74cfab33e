"""Parsing in worker processes: the same records in the same order as parsing here, from
any resume point; a worker that fails stops the run with the reason; a worker whose
replay was killed stops too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from streams.replay.parallel import ParserFailed, parsed_inputs
from streams.settings import Settings
from streams.testing.generator import generate
from tests.conftest import ROOT, TEST_KEY

SAMPLE = ROOT / "samples" / "sample.zip"
SETTINGS = Settings(TEST_KEY)


@pytest.fixture(scope="module")
def here() -> list[object]:
    return list(parsed_inputs((SAMPLE,), None, SETTINGS, 0, workers=0))


@pytest.mark.parametrize(("workers", "skip"), [(1, 0), (2, 0), (3, 1000), (2, 2999)])
def test_workers_give_the_records_of_parsing_here_in_order(here: list[object], workers: int,
                                                           skip: int) -> None:
    got = list(parsed_inputs((SAMPLE,), None, SETTINGS, skip, workers=workers))
    assert len(here) > 3000  # several batches for every worker
    assert got == here[skip:]


@pytest.mark.parametrize(("workers", "hand_off"), [(1, 1.0), (1, 0.5), (2, 0.3)])
def test_batches_handed_back_unparsed_come_in_their_place(here: list[object], workers: int,
                                                          hand_off: float) -> None:
    """A worker sends a share of its batches unparsed, for this process to parse."""
    got = list(parsed_inputs((SAMPLE,), None, SETTINGS, 0, workers=workers,
                             hand_off=hand_off))
    assert got == here


def test_a_worker_that_fails_stops_the_run_with_its_reason() -> None:
    broken = Settings(TEST_KEY, zone="Nowhere/Atlantis")  # the worker cannot build its parser
    started = time.monotonic()
    with pytest.raises(ParserFailed, match="Atlantis"):
        list(parsed_inputs((SAMPLE,), None, broken, 0, workers=2))
    assert time.monotonic() - started < 60  # reported, not waited for forever


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_workers_of_a_killed_replay_stop(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    generate(archive, messages=20_000, seed=5)
    token = str(uuid.uuid4())
    mark = f"KETENLINK_TEST_MARK={token}"
    env = {**os.environ, "KETENLINK_TEST_MARK": token}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams", "replay", "--dev", "--workers", "2", str(archive),
         "--out", str(tmp_path / "out"), "--checkpoint-every", "500"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = tmp_path / "out.state" / "alerts.part"
    deadline = time.monotonic() + 120
    while (not part.exists() or part.stat().st_size == 0) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(_marked(mark)) >= 3  # the replay, its two parsers (and a resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while _marked(mark):
        assert time.monotonic() < deadline, "parser processes outlived their replay"
        time.sleep(0.2)
