"""RocksDB (rocksdict) behind the core's Store and DueIndex ports.

Writes go to a write-back layer and reach RocksDB only in `commit()`, as one atomic write
batch together with the caller's checkpoint metadata. A process killed at any moment
therefore reopens at its last commit, with state and position agreeing — that is what makes
a replay resumable (product.md §7) without duplicate alerts. Values are pickled core
dataclasses: the state directory is the engine's own, never input.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from rocksdict import (
    BlockBasedOptions,
    Cache,
    DBCompressionType,
    Options,
    Rdict,
    ReadOptions,
    WriteBatch,
)

_DELETED = object()  # a delete waiting for the next commit
_MiB = 1 << 20


def options(block_cache_mib: int = 64, write_buffer_mib: int = 32) -> Options:
    """Memory set explicitly (architecture §2): one block cache, two small memtables."""
    opts = Options(raw_mode=True)
    opts.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_block_cache(Cache(block_cache_mib * _MiB))
    table.set_bloom_filter(10, False)
    table.set_cache_index_and_filter_blocks(True)
    opts.set_block_based_table_factory(table)
    opts.set_write_buffer_size(write_buffer_mib * _MiB)
    opts.set_max_write_buffer_number(2)
    opts.set_compression_type(DBCompressionType.lz4())
    opts.set_max_open_files(256)
    opts.set_keep_log_file_num(2)
    return opts


class RocksStore:
    """The Store port over one RocksDB database, with a write-back layer and a small cache
    of decoded values (the engine reads the same chain many times in a row)."""

    def __init__(self, path: Path, *, cache_entries: int = 20_000,
                 block_cache_mib: int = 64, write_buffer_mib: int = 32) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.db = Rdict(str(path), options(block_cache_mib, write_buffer_mib))
        self._dirty: dict[str, Any] = {}
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_entries = cache_entries

    def get(self, key: str) -> Any:
        value = self._dirty.get(key, _DELETED) if self._dirty else _DELETED
        if value is not _DELETED:
            return value
        if key in self._dirty:
            return None
        cached = self._cache.get(key, _DELETED)
        if cached is not _DELETED:
            return cached
        raw = self.db.get(key.encode())
        value = None if raw is None else pickle.loads(raw)
        self._remember(key, value)
        return value

    def put(self, key: str, value: Any) -> None:
        self._dirty[key] = value

    def delete(self, key: str) -> None:
        self._dirty[key] = _DELETED

    def scan(self, prefix: str, start: str = "") -> Iterator[tuple[str, Any]]:
        """Committed and uncommitted entries under `prefix` (from key `start` on), merged,
        in key order."""
        start = max(prefix, start)
        pending = sorted(((k, v) for k, v in self._dirty.items()
                          if k.startswith(prefix) and k >= start), key=lambda kv: kv[0])
        stored = self._scan_db(prefix, start)
        head = next(stored, None)
        for key, value in pending:
            while head is not None and head[0] < key:
                yield head[0], pickle.loads(head[1])
                head = next(stored, None)
            if head is not None and head[0] == key:
                head = next(stored, None)
            if value is not _DELETED:
                yield key, value
        while head is not None:
            yield head[0], pickle.loads(head[1])
            head = next(stored, None)

    def _scan_db(self, prefix: str, start: str) -> Iterator[tuple[str, bytes]]:
        it = self.db.iter(ReadOptions())
        it.seek(start.encode())
        while it.valid():
            key = it.key().decode()
            if not key.startswith(prefix):
                break
            yield key, it.value()
            it.next()

    def commit(self, meta: dict[str, Any] | None = None) -> None:
        """Write every pending change, and `meta`, in one atomic batch."""
        batch = WriteBatch(raw_mode=True)
        for key, value in {**self._dirty, **(meta or {})}.items():
            if value is _DELETED:
                batch.delete(key.encode())
                self._cache.pop(key, None)
            else:
                batch.put(key.encode(), pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
                self._remember(key, value)
        self.db.write(batch)
        self._dirty.clear()

    def pending(self) -> int:
        return len(self._dirty)

    def _remember(self, key: str, value: Any) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        if len(self._cache) > self._cache_entries:
            self._cache.popitem(last=False)

    def close(self) -> None:
        self.db.close()


class RocksDueIndex:
    """The DueIndex port on a RocksStore: entries `d/{due}|{token}`, in date order.

    Entries are popped from the front, so the front of the range fills with tombstones; a
    pop therefore starts at the last day popped, and an entry added with a due date before
    that day is filed under it (its own due date is kept in the value).
    """

    def __init__(self, store: RocksStore) -> None:
        self.store = store

    def add(self, due: date, token: str) -> None:
        floor: date | None = self.store.get("d-floor")
        filed = max(due, floor) if floor else due
        self.store.put(f"d/{filed.isoformat()}|{token}", due)

    def pop_before(self, day: date) -> list[tuple[date, str]]:
        floor: date | None = self.store.get("d-floor")
        limit = f"d/{day.isoformat()}"
        popped: list[tuple[date, str]] = []
        start = f"d/{floor.isoformat()}" if floor else "d/"
        for key, due in self.store.scan("d/", start):
            if key >= limit:
                break
            self.store.delete(key)
            popped.append((due, key.partition("|")[2]))
        if floor is None or day > floor:
            self.store.put("d-floor", day)
        return sorted(popped)
