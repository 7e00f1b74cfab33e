"""The state port: a key-value store and a due-index, and their in-memory implementation.

The engine keeps all its state here, so a RocksDB store (streams/state/) makes a replay
resumable and its memory bounded, and Faust tables can back the same protocol. Keys are
strings with a short prefix per kind of record; values are core dataclasses.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import date
from typing import Any, Protocol


class Store(Protocol):
    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...

    def delete(self, key: str) -> None: ...

    def scan(self, prefix: str, start: str = "") -> Iterator[tuple[str, Any]]:
        """Every (key, value) whose key starts with `prefix` (and is ≥ `start`), in key
        order."""
        ...


class DueIndex(Protocol):
    def add(self, due: date, token: str) -> None: ...

    def pop_before(self, day: date) -> list[tuple[date, str]]:
        """Remove and return every (due, token) with due < day, sorted."""
        ...


class MemoryStore:
    """A dict with sorted prefix scans (tests, and small replays)."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def put(self, key: str, value: Any) -> None:
        self._data[key] = value

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def scan(self, prefix: str, start: str = "") -> Iterator[tuple[str, Any]]:
        for key in sorted(k for k in self._data if k.startswith(prefix) and k >= start):
            yield key, self._data[key]


class MemoryDueIndex:
    """Sorted (due, token) pairs; a set keeps adds idempotent."""

    def __init__(self) -> None:
        self._items: list[tuple[date, str]] = []
        self._present: set[tuple[date, str]] = set()

    def add(self, due: date, token: str) -> None:
        item = (due, token)
        if item not in self._present:
            self._present.add(item)
            bisect.insort(self._items, item)

    def pop_before(self, day: date) -> list[tuple[date, str]]:
        cut = bisect.bisect_left(self._items, (day, ""))
        popped, self._items = self._items[:cut], self._items[cut:]
        self._present.difference_update(popped)
        return popped
