"""One input partition's state on a Faust table: the core's Store and DueIndex, made
crash-safe with an outbox.

Faust writes a table key to the local RocksDB at once and to the changelog when the
producer gets to it; a worker killed in between leaves the changelog — and, on another
machine, the state rebuilt from it — with part of an input's writes. So every input's work
is one outbox entry, written before its keys: all the state changes and all the output
records of that input. The changelog is one ordered log per partition, so whatever prefix of
it survives a crash, the last entry in it holds the whole of any input whose keys were cut
off. On the first input after an assignment, the entries from the consumer's position on are
written again (state to the changelog, records to their topics): at-least-once, and a record
sent twice is the same record with the same key. Entries are dropped once the producer has
been flushed behind them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from streams.app.records import Output
from streams.state import codec
from streams.state.rocks import StagedStore

_OUTBOX = "~o/"


class Table(Protocol):
    """What is used of a Faust table (raw keys and values)."""

    data: Any

    def __setitem__(self, key: bytes, value: bytes) -> None: ...

    def __delitem__(self, key: bytes) -> None: ...


def _entry_key(partition: int, offset: int) -> str:
    # The partition is in the key: Faust deletes a key it cannot place from every
    # partition's database, and offsets repeat across partitions.
    return f"{_OUTBOX}{partition:05d}/{offset:015d}"


class PartitionStore(StagedStore):
    def __init__(self, table: Table, partition: int) -> None:
        # The partition's own RocksDB, read directly: within an event Faust reads the same
        # database, and prefix scans (the due-index, the outbox) need its iterator.
        super().__init__(table.data._db_for_partition(partition))
        self.table = table
        self.partition = partition
        self.unconfirmed = 0

    def commit(self, offset: int, outputs: list[Output]) -> None:
        """The input at `offset` is done: its entry, then its state changes."""
        changes = self.take_changes()
        self.table[_entry_key(self.partition, offset).encode()] = codec.dumps(
            (changes, outputs))
        self._write(changes)
        self.unconfirmed += 1

    def _write(self, changes: dict[str, bytes | None]) -> None:
        for key, raw in changes.items():
            if raw is None:
                del self.table[key.encode()]
            else:
                self.table[key.encode()] = raw

    def entries(self, since: int = 0) -> Iterator[tuple[int, dict[str, bytes | None],
                                                         list[Output]]]:
        prefix = _entry_key(self.partition, 0)[:-15]
        for key, raw in self.scan_committed(prefix, _entry_key(self.partition, since)):
            changes, outputs = codec.loads(raw)
            yield int(key[len(prefix):]), changes, outputs

    def redo(self, position: int) -> list[Output]:
        """After an assignment: every entry from `position` (the first offset to be
        consumed) is written again; returns their output records, to be sent again."""
        outputs: list[Output] = []
        for _, changes, sent in self.entries(position):
            self._write(changes)
            outputs += sent
        return outputs

    def confirm(self, upto: int) -> None:
        """The producer was flushed after the entry at `upto`: drop the entries up to it."""
        for offset, _, _ in list(self.entries()):
            if offset > upto:
                break
            del self.table[_entry_key(self.partition, offset).encode()]
        self.unconfirmed = 0
