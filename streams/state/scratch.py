"""A sorted key → bytes table on disk, for work that must not hold a whole archive in
memory: the member index of an archive, the final sort of the output files."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from rocksdict import Rdict, WriteBatch, WriteOptions

from streams.state.rocks import options, raw_items

_NAMES = "surrogateescape"  # keys are file names too, and a file name need not be UTF-8


class Scratch:
    """Opened empty (in `where`, or a temporary directory), removed on close."""

    def __init__(self, where: Path | None = None) -> None:
        self._tmp = None if where else tempfile.mkdtemp(prefix="ketenlink-scratch-")
        self.path = where or Path(str(self._tmp))
        if self.path.exists():
            shutil.rmtree(self.path)
        self.db = Rdict(str(self.path), options(block_cache_mib=16, write_buffer_mib=16,
                                                 partitioned=True))
        unlogged = WriteOptions()
        # never reopened after a crash: a log would serve nothing. (rocksdict's stub calls
        # disable_wal a method; it is a property.)
        unlogged.disable_wal = True  # type: ignore[method-assign, assignment]
        self.db.set_write_options(unlogged)
        self._batch = WriteBatch(raw_mode=True)
        self._pending = 0

    def put(self, key: str, value: bytes) -> None:
        self._batch.put(key.encode("utf-8", _NAMES), value)
        self._pending += 1
        if self._pending >= 10_000:
            self.flush()

    def put_now(self, key: str, value: bytes) -> None:
        """A put that the next `get` sees (no batching)."""
        self.db[key.encode("utf-8", _NAMES)] = value

    def get(self, key: str) -> bytes | None:
        """What was written before the last flush (puts are batched)."""
        value: bytes | None = self.db.get(key.encode("utf-8", _NAMES))
        return value

    def flush(self) -> None:
        if self._pending:
            self.db.write(self._batch)
            self._batch = WriteBatch(raw_mode=True)
            self._pending = 0

    def items(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """(key without the prefix, value), in key order."""
        self.flush()
        raw_prefix = prefix.encode("utf-8", _NAMES)
        cut = len(raw_prefix)
        for key, value in raw_items(self.db, raw_prefix, raw_prefix):
            yield key[cut:].decode("utf-8", _NAMES), value

    def close(self) -> None:
        self.db.close()
        Rdict.destroy(str(self.path))
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class NameSet:
    """Names (with a value each) in a scratch table under `prefix`, with a Bloom filter
    in memory in front of it: most names asked for were never added, and the filter
    answers those without a lookup. The filter has a fixed size (two bits per name in a
    bitmap of `bits`): past ~bits / 10 names more of them need the lookup, never a wrong
    answer. The table's puts are batched; a lookup flushes them first."""

    def __init__(self, scratch: Scratch, prefix: str, bits: int = 1 << 26) -> None:
        self.scratch = scratch
        self.prefix = prefix
        self._mask = bits - 1  # bits: a power of two
        self._bits = bytearray(bits >> 3)

    def add(self, name: str, value: bytes = b"") -> None:
        h = hash(name)  # one 64-bit hash gives both bits
        a, b, bits = h & self._mask, (h >> 32) & self._mask, self._bits
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        self.scratch.put(self.prefix + name, value)

    def get(self, name: str) -> bytes | None:
        h = hash(name)
        a, b, bits = h & self._mask, (h >> 32) & self._mask, self._bits
        if not (bits[a >> 3] & (1 << (a & 7)) and bits[b >> 3] & (1 << (b & 7))):
            return None  # never added
        self.scratch.flush()
        return self.scratch.get(self.prefix + name)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None
