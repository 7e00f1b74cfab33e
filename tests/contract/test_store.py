"""One contract for the state ports, run against the memory and the rocksdict stores.

The engine only sees Store and DueIndex; whatever backs them must behave the same. The
rocksdict store adds commit(): changes are durable only once committed, atomically.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from streams.core.engine import Engine
from streams.core.store import DueIndex, MemoryDueIndex, MemoryStore, Store
from streams.state import codec
from streams.state.rocks import RocksDueIndex, RocksStore
from tests.unit.test_engine_known_answers import SAMPLE, messages


@dataclass(frozen=True, slots=True)
class Value:
    n: int
    tags: tuple[str, ...] = ()


@dataclass
class Chained:
    """A value the engine changes in place (a chain)."""

    items: list[int]


@pytest.fixture(params=["memory", "rocksdict", "rocksdict-committed"])
def ports(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, DueIndex]]:
    """Memory; rocksdict with changes pending; rocksdict committing after every write."""
    if request.param == "memory":
        store = MemoryStore()
        yield store, MemoryDueIndex()
        return
    rocks = RocksStore(tmp_path / "db", cache_entries=2)
    if request.param == "rocksdict-committed":
        put, delete = rocks.put, rocks.delete
        rocks.put = lambda k, v: (put(k, v), rocks.commit())  # type: ignore[method-assign]
        rocks.delete = lambda k: (delete(k), rocks.commit())  # type: ignore[method-assign]
    yield rocks, RocksDueIndex(rocks)
    rocks.close()


def test_get_put_delete(ports: tuple[Store, DueIndex]) -> None:
    store, _ = ports
    assert store.get("c/a") is None
    store.put("c/a", Value(1, ("x",)))
    store.put("c/a", Value(2))
    assert store.get("c/a") == Value(2)
    store.delete("c/a")
    store.delete("c/never")
    assert store.get("c/a") is None


def test_scan_gives_the_prefix_in_key_order(ports: tuple[Store, DueIndex]) -> None:
    store, _ = ports
    for key in ["t/b", "c/z", "t/a", "t/c", "tt/x", "t/"]:
        store.put(key, Value(len(key)))
    store.delete("t/c")
    assert [k for k, _ in store.scan("t/")] == ["t/", "t/a", "t/b"]
    assert [k for k, _ in store.scan("t/", start="t/a")] == ["t/a", "t/b"]
    assert dict(store.scan("c/")) == {"c/z": Value(3)}


def test_due_index_pops_in_due_order_once(ports: tuple[Store, DueIndex]) -> None:
    _, due = ports
    due.add(date(2024, 3, 5), "retour_missing|b")
    due.add(date(2024, 3, 4), "start_missing|a")
    due.add(date(2024, 3, 4), "start_missing|a")  # idempotent
    due.add(date(2024, 3, 9), "stop_missing|c")
    assert due.pop_before(date(2024, 3, 5)) == [(date(2024, 3, 4), "start_missing|a")]
    assert due.pop_before(date(2024, 3, 5)) == []
    assert due.pop_before(date(2024, 3, 10)) == [(date(2024, 3, 5), "retour_missing|b"),
                                                 (date(2024, 3, 9), "stop_missing|c")]


def test_due_index_returns_an_entry_added_after_its_day_passed(
        ports: tuple[Store, DueIndex]) -> None:
    _, due = ports
    assert due.pop_before(date(2024, 3, 20)) == []
    due.add(date(2024, 3, 1), "unlinked_zorg|late")  # already overdue when added
    due.add(date(2024, 3, 25), "retour_missing|x")
    assert due.pop_before(date(2024, 3, 21)) == [(date(2024, 3, 1), "unlinked_zorg|late")]
    assert due.pop_before(date(2024, 3, 26)) == [(date(2024, 3, 25), "retour_missing|x")]


def test_due_index_pops_an_entry_added_overdue_without_the_day_moving(
        ports: tuple[Store, DueIndex]) -> None:
    """The engine pops after every input, mostly at the same day again (product.md §4)."""
    _, due = ports
    assert due.pop_before(date(2024, 3, 20)) == []
    due.add(date(2024, 3, 1), "unlinked_zorg|late")  # overdue when added
    due.add(date(2024, 3, 20), "retour_missing|x")  # due on the day itself: not yet
    assert due.pop_before(date(2024, 3, 20)) == [(date(2024, 3, 1), "unlinked_zorg|late")]
    assert due.pop_before(date(2024, 3, 20)) == []
    assert due.pop_before(date(2024, 3, 21)) == [(date(2024, 3, 20), "retour_missing|x")]


def test_an_overdue_entry_committed_before_its_pop_comes_at_the_next_day(
        tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    due = RocksDueIndex(store)
    assert due.pop_before(date(2024, 3, 20)) == []
    due.add(date(2024, 3, 1), "unlinked_zorg|late")
    store.commit()  # filed under the floor, where the next pop looks
    assert due.pop_before(date(2024, 3, 21)) == [(date(2024, 3, 1), "unlinked_zorg|late")]
    store.close()


def test_commit_is_atomic_and_survives_a_reopen(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db")
    store.put("c/a", Value(1))
    store.commit({"meta/position": 7})
    store.put("c/a", Value(2))
    store.put("c/b", Value(3))  # never committed: lost as in a SIGKILL
    store.close()
    again = RocksStore(tmp_path / "db")
    assert again.get("c/a") == Value(1)
    assert again.get("c/b") is None
    assert again.get("meta/position") == 7
    again.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_reopened_database_keeps_its_cache_and_bloom_filters(tmp_path: Path,
                                                                read_only: bool) -> None:
    """A resumed replay and the output pass reopen the state: with the options it was made
    with, not those rocksdict reads back from its OPTIONS file (an 8 MiB cache, no filter,
    every absent key read from its data block)."""
    RocksStore(tmp_path / "db", block_cache_mib=96).close()
    again = RocksStore(tmp_path / "db", block_cache_mib=96, read_only=read_only)
    assert again.db.property_int_value("rocksdb.block-cache-capacity") == 96 << 20
    again.close()
    if not read_only:  # the options it wrote on opening: what it runs with
        written = max((tmp_path / "db").glob("OPTIONS-*"),
                      key=lambda p: int(p.name.partition("-")[2])).read_text()
        assert "filter_policy=bloomfilter" in written


def test_a_commit_that_fails_leaves_its_changes_pending(tmp_path: Path) -> None:
    """A value that cannot be encoded stops the commit: nothing is written, and every
    change waits for the next commit, as before it."""
    store = RocksStore(tmp_path / "db")
    store.put("c/a", Value(1))
    store.put("x/bad", lambda: None)  # pickle refuses a lambda
    store.put("h/b", Value(2))
    with pytest.raises(Exception):  # noqa: B017 - whichever error pickle raises
        store.commit()
    store.delete("x/bad")
    store.commit()
    store.close()
    again = RocksStore(tmp_path / "db")
    assert (again.get("c/a"), again.get("h/b"), again.get("x/bad")) == (Value(1), Value(2), None)
    again.close()


def test_a_deletion_reaches_the_database_on_commit(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db", cache_entries=1)
    store.put("h/x", Value(1))
    store.commit()
    store.delete("h/x")
    assert list(store.scan("h/")) == []
    store.commit()
    store.close()
    assert RocksStore(tmp_path / "db").get("h/x") is None


class _CountingReads:
    """The database under a RocksStore, noting every key read from it."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.read: list[str] = []

    def get(self, key: bytes) -> Any:
        self.read.append(key.decode())
        return self.db.get(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def test_the_cache_keeps_hot_values_not_absent_keys_least_recently_used_out(
        tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "db", cache_entries=2)
    store.put("c/a", Value(1))
    store.put("c/b", Value(2))
    store.commit()  # chains stay decoded after a commit
    db = store.db = _CountingReads(store.db)  # type: ignore[assignment]
    for n in range(10):  # alerts never raised, steps not measured: read once
        assert store.get(f"a/{n}") is None
    assert (store.get("c/b"), store.get("c/a")) == (Value(2), Value(1))
    assert db.read == [f"a/{n}" for n in range(10)]  # the chains came from the cache
    db.read.clear()
    assert store.get("c/new") is None  # a chain not there yet: not kept, evicts nothing
    assert (store.get("c/a"), store.get("c/b")) == (Value(1), Value(2))
    assert store.get("c/new") is None
    assert db.read == ["c/new", "c/new"]
    store.put("c/new", Value(3))
    store.commit()  # kept from its commit on, evicting the least recently used: c/a
    db.read.clear()
    assert (store.get("c/new"), store.get("c/b"), store.get("c/a")) == (
        Value(3), Value(2), Value(1))
    assert db.read == ["c/a"]
    store.db = db.db
    store.close()


def test_forgetting_the_decoded_values_leaves_what_was_put(tmp_path: Path) -> None:
    """After an engine_error: a value changed in place but never put back is not kept."""
    store = RocksStore(tmp_path / "db")
    store.put("c/a", Chained([1]))
    store.commit()
    store.get("c/a").items.append(2)  # changed in place, as the engine does, then no put
    assert store.get("c/a") == Chained([1, 2])  # the cache hands out the same object
    store.forget_decoded()
    assert store.get("c/a") == Chained([1])
    store.close()


def test_the_cache_holds_no_more_encoded_bytes_than_its_bound(tmp_path: Path) -> None:
    """A chain that grows (a client with a long history) takes the room of several."""
    small = [Value(n) for n in range(5)]
    long = Value(9, tuple("x" * 40 for _ in range(20)))
    sizes = [len(codec.dumps(v)) for v in [*small, long]]
    store = RocksStore(tmp_path / "db", cache_entries=100, cache_bytes=sum(sizes) - 1)
    for n, value in enumerate(small):
        store.put(f"c/{n}", value)
    store.put("c/long", long)
    store.commit()  # six would stay decoded, were it not for their size: c/0 makes room
    db = store.db = _CountingReads(store.db)  # type: ignore[assignment]
    assert store.get("c/long") == long
    assert [store.get(f"c/{n}") for n in range(1, 5)] == small[1:]
    assert db.read == []
    assert store.get("c/0") == small[0]
    assert db.read == ["c/0"]
    store.db = db.db
    store.close()


def test_the_engine_gives_the_same_events_on_both_stores(tmp_path: Path) -> None:
    """The engine's own use of the ports, with commits between messages."""
    rocks = RocksStore(tmp_path / "db", cache_entries=50)
    engines = [Engine(MemoryStore(), MemoryDueIndex()), Engine(rocks, RocksDueIndex(rocks))]
    runs: list[list[object]] = [[], []]
    for i, m in enumerate(messages(SAMPLE)):
        if i == 600:
            break
        for engine, events in zip(engines, runs, strict=True):
            events.extend(engine.apply(m))
            events.extend(engine.tick(engine.watermark() or m.received))
        if i % 7 == 0:
            rocks.commit()
    assert runs[0] == runs[1]
    assert len(runs[0]) > 600
    rocks.close()
