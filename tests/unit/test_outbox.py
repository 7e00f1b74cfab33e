"""The live partition's outbox on a real RocksDB (no broker): what is written again after
an assignment, and what is not."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rocksdict import Options, Rdict

from streams.app.partition import PartitionStore
from streams.state import codec


class _Sent:
    offset = 0

    def done(self) -> bool:
        return True

    def result(self) -> _Sent:
        return self


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None]] = []

    async def send(self, topic: str, key: bytes, value: bytes | None) -> Any:
        self.sent.append((topic, key, value))
        return _Sent()

    async def send_all(self, topic: str, partition: int,
                       records: list[tuple[bytes, bytes | None]]) -> Any:
        self.sent += [(topic, k, v) for k, v in records]
        return _Sent()

    async def flush(self) -> None:
        return None


class _Changelog:
    topic = "changelog"

    def __init__(self, db: Rdict) -> None:
        self.db = db

    def database(self, partition: int) -> Rdict:
        return self.db

    def persisted(self, partition: int, offset: int) -> None:
        return None


def _recover(db: Rdict, producer: _Producer) -> None:
    """What Faust's recovery does: the changelog's records into a partition database."""
    for _, key, value in producer.sent:
        if value is None:
            db.delete(key)
        else:
            db[key] = value


def test_an_entry_left_behind_by_a_worker_that_lost_the_partition_is_dropped(
        tmp_path: Path) -> None:
    """Worker A writes a batch locally and dies before the changelog has it; worker B does
    the work again and more; the partition comes back to A. A must not write its old entry
    over B's newer state (architecture.md §2, product.md §8)."""
    async def run() -> tuple[Any, Any, list[Any]]:
        a_db = Rdict(str(tmp_path / "a"), options=Options(raw_mode=True))
        b_db = Rdict(str(tmp_path / "b"), options=Options(raw_mode=True))
        a = PartitionStore(_Changelog(a_db), _Producer(), 0)  # its sends are lost
        a.put("~next", 124)
        a.put("c/x", "after 123")
        await a.commit(123, [("alerts", b"id", b"old")], 124)
        b_sends = _Producer()
        b = PartitionStore(_Changelog(b_db), b_sends, 0)
        assert await b.redo() == []
        b.put("~next", 5001)
        b.put("c/x", "after 5000")
        await b.commit(5000, [], 5001)
        await b.confirm()
        _recover(a_db, b_sends)
        again = PartitionStore(_Changelog(a_db), _Producer(), 0)
        redone = await again.redo()
        return again.get("~next"), again.get("c/x"), redone

    assert asyncio.run(run()) == (5001, "after 5000", [])


def test_a_crashed_workers_own_entries_are_written_again_also_after_a_second_crash(
        tmp_path: Path) -> None:
    async def run() -> list[Any]:
        db = Rdict(str(tmp_path / "a"), options=Options(raw_mode=True))
        first = PartitionStore(_Changelog(db), _Producer(), 0)
        await first.redo()
        first.put("c/x", "after 10")
        await first.commit(10, [("alerts", b"id", b"raised")], 11)  # then it dies
        second = PartitionStore(_Changelog(db), _Producer(), 0)
        assert await second.redo() == [("alerts", b"id", b"raised")]  # and dies again
        third = PartitionStore(_Changelog(db), _Producer(), 0)
        return await third.redo()

    assert asyncio.run(run()) == [("alerts", b"id", b"raised")]


def test_an_entry_written_before_epochs_is_still_written_again(tmp_path: Path) -> None:
    """An outbox entry of two parts (changes, records), as written before entries carried
    their epoch, is redone rather than refused."""
    async def run() -> list[Any]:
        db = Rdict(str(tmp_path / "a"), options=Options(raw_mode=True))
        db[b"~o/00000/000000000000007"] = codec.dumps(({}, [("alerts", b"id", b"x")]))
        return await PartitionStore(_Changelog(db), _Producer(), 0).redo()

    assert asyncio.run(run()) == [("alerts", b"id", b"x")]
