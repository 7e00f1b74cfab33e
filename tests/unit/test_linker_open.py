"""A live partition opened after a crash: the engine reads its state only after the outbox
is redone (no broker: a real RocksDB, a producer and changelog that record)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import CollectorRegistry
from rocksdict import Options, Rdict

from streams.app.config import LiveSettings
from streams.app.linker import Delivered, InputRecord, Linker
from streams.app.metrics import Metrics
from streams.app.records import (
    FAILURE_KEY,
    failure_value,
    message_key,
    message_value,
    tick_value,
)
from streams.core.model import Failure
from streams.core.ticks import Tick
from streams.settings import Settings
from tests.conftest import heen
from tests.unit.test_outbox import _Changelog, _Producer

FIRST = date(2024, 1, 2)


class _Inputs:
    async def read(self, partition: int, start: int, end: int) -> list[InputRecord]:
        return []

    async def skipped(self, partition: int, start: int, end: int) -> None:
        return None


def _linker(db: Rdict) -> Linker:
    return Linker(LiveSettings(Settings(hmac_key=b"k" * 32)), _Changelog(db), _Producer(),
                  Metrics(CollectorRegistry()), _Inputs())


def _tick(offset: int, newest: date) -> Delivered:
    return 0, offset, b"~tick", tick_value(Tick(newest=newest, first=FIRST)), False


def test_an_engine_opened_after_a_crash_reads_the_state_the_outbox_brings(
        tmp_path: Path) -> None:
    """Two batches committed, neither confirmed; then a changelog recovery writes the
    first batch's clock over the second's (the second's records were cut off). The worker
    started again redoes both entries; its engine must go on with the second's clock."""
    async def run() -> Tick | None:
        db = Rdict(str(tmp_path / "db"), options=Options(raw_mode=True))
        first = _linker(db)
        await first.handle([_tick(0, date(2024, 3, 11))])
        older = db[b"clock"]
        await first.handle([_tick(1, date(2024, 3, 20))])
        db[b"clock"] = older  # the recovery's older value over the newer one
        again = _linker(db)
        notice = failure_value(Failure("failure", "malformed_xml", "x", "s", "d", 1, None))
        await again.handle([(0, 2, FAILURE_KEY, notice, False)])
        clock = again.parts[0].engine.clock
        db.close()
        return Tick(newest=clock.newest, first=clock.first) if clock else None

    assert asyncio.run(run()) == Tick(newest=date(2024, 3, 20), first=FIRST)


def test_a_record_the_engine_fails_on_is_dead_lettered_and_the_partition_goes_on(
        tmp_path: Path, decoder: Any) -> None:
    """product.md §8: one record must not stop a partition (a poison record would stop it
    for good: the worker would fail on it at every restart). An engine error is a bug; the
    input goes to the dead-letter topic with the reason, and the next record is applied."""
    (bad,) = decoder.parse(heen("jw", "301", ident="BAD").xml(), "in/bad.xml")
    (good,) = decoder.parse(heen("jw", "301", ident="OK").xml(), "in/ok.xml")

    async def run() -> tuple[int, list[tuple[str, bytes, bytes | None]]]:
        db = Rdict(str(tmp_path / "db"), options=Options(raw_mode=True))
        linker = _linker(db)
        await linker.handle([_tick(0, date(2024, 3, 1))])
        engine = linker.parts[0].engine
        apply = engine.apply

        def failing(m: Any) -> Any:
            if m.identificatie == "BAD":
                raise AssertionError("a bug")
            return apply(m)

        engine.apply = failing  # type: ignore[method-assign]
        await linker.handle([(0, 1, message_key(bad), message_value(bad), False),
                             (0, 2, message_key(good), message_value(good), False)])
        sent = list(linker.producer.sent)  # type: ignore[attr-defined]
        after: int = linker.parts[0].store.get("~next")
        db.close()
        return after, sent

    after, sent = asyncio.run(run())
    dead = [orjson.loads(v) for t, _, v in sent if t.endswith("dead-letter") and v]
    assert [(d["reason"], d["source"], d["detail"]) for d in dead] == [
        ("engine_error", "in/bad.xml", "AssertionError: a bug")]
    assert any(t.endswith("trajectories") for t, _, _ in sent)  # the next one was applied
    assert after == 3
