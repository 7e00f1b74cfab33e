"""RocksDB (rocksdict) behind the core's Store and DueIndex ports.

Writes go to a write-back layer and reach RocksDB only in `commit()`, as one atomic write
batch together with the caller's checkpoint metadata. A process killed at any moment
therefore reopens at its last commit, with state and position agreeing — that is what makes
a replay resumable (product.md §7) without duplicate alerts. Values are core dataclasses
encoded by streams/state/codec.py: the state directory is the engine's own, never input.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

from rocksdict import (
    AccessType,
    BlockBasedIndexType,
    BlockBasedOptions,
    Cache,
    DBCompressionType,
    Options,
    Rdict,
    WriteBatch,
)

from streams.state import codec

_DELETED = object()  # a delete waiting for the next commit
_ABSENT = object()
_FLOOR = "d-floor"
_MiB = 1 << 20


def options(block_cache_mib: int = 96, write_buffer_mib: int = 32, *,
            partitioned: bool = False) -> Options:
    """Memory set explicitly (architecture §2): one block cache (index and filter blocks
    included, L0's pinned), two small memtables. Most reads of the engine are for keys
    that do not exist yet (a pending retour, an alert never raised), so bloom filters
    answer them: on the tables, and on the memtable.

    `partitioned`: for a small cache over a large table (the scratch tables). A lookup
    then loads a few KiB of index and filter instead of the table's whole index and
    filter, hundreds of KiB that data blocks evict again (300 µs per lookup in the index of
    a 1M-member archive with 16 MiB). The engine's state, with a cache that holds them,
    measured the same either way (1M replay: 3,590 and 3,611 msg/s), so it keeps the
    single-level index it was tuned with."""
    opts = Options(raw_mode=True)
    opts.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_block_cache(Cache(block_cache_mib * _MiB))
    table.set_bloom_filter(10, False)
    table.set_cache_index_and_filter_blocks(True)
    if partitioned:
        table.set_index_type(BlockBasedIndexType.two_level_index_search())
        table.set_partition_filters(True)
    table.set_pin_l0_filter_and_index_blocks_in_cache(True)
    table.set_pin_top_level_index_and_filter(True)
    opts.set_block_based_table_factory(table)
    opts.set_memtable_whole_key_filtering(True)
    opts.set_memtable_prefix_bloom_ratio(0.05)
    opts.set_write_buffer_size(write_buffer_mib * _MiB)
    opts.set_max_write_buffer_number(2)
    opts.set_compression_type(DBCompressionType.lz4())
    opts.set_max_open_files(256)
    opts.set_keep_log_file_num(2)
    return opts


def open_db(path: Path, opts: Options, access: AccessType | None = None) -> Rdict:
    """`opts` for the database, new or existing. Reopening an existing one, rocksdict
    otherwise takes the column family's options from the database's OPTIONS file, where
    a Bloom filter and a block cache do not survive: a resumed replay then read with an
    8 MiB cache and no filters, 270 µs for a key that is absent instead of 1.3 µs."""
    return Rdict(str(path), opts, column_families={"default": opts},
                 access_type=access or AccessType.read_write())


class StagedStore:
    """The Store port over an open RocksDB database, with a write-back layer and a small
    cache of decoded values (the engine reads the same chain many times in a row). How the
    staged changes reach the database is the subclass's `commit`: one write batch here, a
    Faust table (local RocksDB and changelog) in the live worker.

    The cache holds the hot values only (chains, heenberichten), least recently used out
    first, and no absent keys. Most other reads are of keys that do not exist (an alert
    never raised, a step not measured yet, a new heenbericht's own key), read once: kept,
    they pushed the chains out (each took one of the cache's entries until the commit).
    Measured over inputs 200k–400k of the 1M benchmark archive: a chain came from the
    database for 18 of 100 inputs; with this cache, for 8. It is bounded by its entries
    and by their encoded size (`cache_bytes`; decoded, a chain takes about five times its
    encoded bytes): a client with a long history has a larger chain, and memory must not
    grow with it.
    """

    def __init__(self, db: Rdict, *, cache_entries: int = 50_000,
                 cache_bytes: int = 64 << 20, hot: tuple[str, ...] = ("c/", "h/")) -> None:
        self.db = db
        self._dirty: dict[str, Any] = {}
        self._cache: OrderedDict[str, Any] = OrderedDict()  # the oldest entry goes first
        self._cache_entries = cache_entries
        self._cache_bytes = cache_bytes
        self._sizes: dict[str, int] = {}  # encoded size of each cached value
        self._cached_bytes = 0
        self._hot = hot  # kept decoded after a commit: read again soon (chains, heen)
        self.before_commit: list[Callable[[], None]] = []

    def get(self, key: str) -> Any:
        value = self._dirty.get(key, _ABSENT)
        if value is not _ABSENT:
            return None if value is _DELETED else value
        value = self._cache.get(key, _ABSENT)
        if value is not _ABSENT:
            self._cache.move_to_end(key)
            return value
        raw = self.db.get(key.encode())
        if raw is None:  # not kept: a key that is absent is read once (a new heenbericht's),
            return None  # then put, and kept from the commit on
        value = codec.loads(raw)
        if key.startswith(self._hot):
            self._remember(key, value, len(raw))
        return value

    def put(self, key: str, value: Any) -> None:
        self._dirty[key] = value

    def delete(self, key: str) -> None:
        self._dirty[key] = _DELETED

    def stage(self, key: str, value: Any) -> None:
        """A write joining the commit in progress (for `before_commit` hooks)."""
        self._dirty[key] = value

    def is_pending(self, key: str) -> bool:
        return key in self._dirty

    def scan(self, prefix: str, start: str = "") -> Iterator[tuple[str, Any]]:
        """Committed and uncommitted entries under `prefix` (from key `start` on), merged,
        in key order."""
        start = max(prefix, start)
        pending = sorted(((k, v) for k, v in self._dirty.items()
                          if k.startswith(prefix) and k >= start), key=lambda kv: kv[0])
        stored = self.scan_committed(prefix, start)
        head = next(stored, None)
        for key, value in pending:
            while head is not None and head[0] < key:
                yield head[0], codec.loads(head[1])
                head = next(stored, None)
            if head is not None and head[0] == key:
                head = next(stored, None)
            if value is not _DELETED:
                yield key, value
        while head is not None:
            yield head[0], codec.loads(head[1])
            head = next(stored, None)

    def scan_committed(self, prefix: str, start: str = "") -> Iterator[tuple[str, bytes]]:
        """(key, raw value) as committed, without the pending changes."""
        for raw_key, value in raw_items(self.db, prefix.encode(), max(prefix, start).encode()):
            yield raw_key.decode(), value

    def take_changes(self, meta: dict[str, Any] | None = None) -> dict[str, bytes | None]:
        """Every pending change (and `meta`) encoded, None for a delete; the cache keeps
        the hot values decoded, and the write-back layer is empty again."""
        return dict(self._drain(meta))

    def _drain(self, meta: dict[str, Any] | None) -> Iterator[tuple[str, bytes | None]]:
        """`take_changes` one change at a time, for a caller that writes each one on."""
        for stage in self.before_commit:
            stage()
        for key, value in {**self._dirty, **(meta or {})}.items():
            if value is _DELETED:
                if self._cache.pop(key, _ABSENT) is not _ABSENT:
                    self._cached_bytes -= self._sizes.pop(key)
                yield key, None
            else:
                encoded = codec.dumps(value)
                if key.startswith(self._hot):
                    self._remember(key, value, len(encoded))
                yield key, encoded
        self._dirty.clear()  # only once all went: a failure leaves the changes pending

    def forget_decoded(self) -> None:
        """Drop the cache of decoded values. After the engine failed part way through an
        input (engine_error), a value it changed in place without putting it back lives in
        the cache only; dropped, the state is what was put, as after a restart."""
        self._cache.clear()
        self._sizes.clear()
        self._cached_bytes = 0

    def _remember(self, key: str, value: Any, size: int) -> None:
        cache, sizes = self._cache, self._sizes
        cache[key] = value
        cache.move_to_end(key)
        self._cached_bytes += size - sizes.get(key, 0)
        sizes[key] = size
        while len(cache) > self._cache_entries or self._cached_bytes > self._cache_bytes:
            oldest, _ = cache.popitem(last=False)
            self._cached_bytes -= sizes.pop(oldest)



class RocksStore(StagedStore):
    """The replay's store: one RocksDB database of its own, committed in atomic batches."""

    def __init__(self, path: Path, *, cache_entries: int = 50_000, cache_bytes: int = 64 << 20,
                 block_cache_mib: int = 64, write_buffer_mib: int = 32,
                 hot: tuple[str, ...] = ("c/", "h/"), read_only: bool = False) -> None:
        """`read_only`: a final state that several processes read at once (the replay's
        output pass); nothing can be committed."""
        path.mkdir(parents=True, exist_ok=True)
        access = AccessType.read_only() if read_only else AccessType.read_write()
        db = open_db(path, options(block_cache_mib, write_buffer_mib), access)
        super().__init__(db, cache_entries=cache_entries, cache_bytes=cache_bytes, hot=hot)

    def commit(self, meta: dict[str, Any] | None = None) -> None:
        """Write every pending change, and `meta`, in one atomic batch. Each is encoded
        into the batch as it comes: the encoded bytes are not held twice over (a commit
        of 100k inputs is some 70 MB)."""
        write_changes(self.db, self._drain(meta))

    def close(self) -> None:
        self.db.close()


class RocksDueIndex:
    """The DueIndex port on a StagedStore: entries `d/{day}|{token}` → due, in date order.

    New entries wait in memory, grouped by day, and join the store's next commit. Entries
    are popped from the front, so the front of the key range fills with tombstones: a pop
    starts at the last day popped (the floor), and an entry added with a due date before
    the floor is filed under the floor (its own due date is the value).

    The engine pops after every input, mostly at the floor again: then only entries added
    overdue since (due before the floor) can be due, and they wait apart, so that such a
    pop reads nothing from the database.
    """

    def __init__(self, store: StagedStore) -> None:
        self.store = store
        self._added: dict[date, dict[str, date]] = {}  # filed day → token → due
        self._overdue: set[tuple[date, str]] = set()  # (due, token): due before the floor
        self._floor: date | None = store.get(_FLOOR)
        store.before_commit.append(self._stage)

    def add(self, due: date, token: str) -> None:
        floor = self._floor
        if floor is not None and due < floor:
            self._overdue.add((due, token))
        else:
            self._added.setdefault(due, {})[token] = due

    def pop_before(self, day: date) -> list[tuple[date, str]]:
        floor = self._floor
        if floor is not None and day <= floor and not self._overdue:
            return []  # after most inputs: nothing added overdue, the rest popped already
        popped = {item for item in self._overdue if item[0] < day}
        self._overdue -= popped
        if floor is not None and day <= floor:
            return sorted(popped)  # the rest was popped up to the floor already
        for filed in [d for d in self._added if d < day]:
            popped |= {(due, token) for token, due in self._added.pop(filed).items()}
        limit = f"d/{day.isoformat()}"
        start = f"d/{floor.isoformat()}" if floor else "d/"
        for key, raw in self.store.scan_committed("d/", start):
            if key >= limit:
                break
            if not self.store.is_pending(key):  # popped before, deletion not committed
                self.store.delete(key)
                popped.add((codec.loads(raw), key.partition("|")[2]))
        if floor is None or day > floor:
            self._floor = day
            self.store.put(_FLOOR, day)
        return sorted(popped)

    def _stage(self) -> None:
        for filed, tokens in self._added.items():
            for token, due in tokens.items():
                self.store.stage(f"d/{filed.isoformat()}|{token}", due)
        self._added.clear()
        for due, token in self._overdue:  # not popped yet: under the floor, for its next pop
            self.store.stage(f"d/{(self._floor or due).isoformat()}|{token}", due)
        self._overdue.clear()


def raw_items(db: Rdict, prefix: bytes, start: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) under `prefix` from `start` on, in key order, from a raw-mode database
    (its `items` takes one call per entry; an iterator's valid/key/value/next, four)."""
    entries = cast(Iterator[tuple[bytes, bytes]], db.items(from_key=start))
    for key, value in entries:
        if not key.startswith(prefix):
            break
        yield key, value


def write_changes(db: Rdict, changes: Iterable[tuple[str, bytes | None]]) -> None:
    """Encoded changes (None: delete) in one atomic write batch."""
    batch = WriteBatch(raw_mode=True)
    for key, raw in changes:
        if raw is None:
            batch.delete(key.encode())
        else:
            batch.put(key.encode(), raw)
    db.write(batch)
