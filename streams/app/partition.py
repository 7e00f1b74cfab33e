"""One input partition's state, beside a Faust table: the core's Store and DueIndex, made
crash-safe with an outbox.

Faust owns the table's partition databases (opening, closing, recovery from the changelog
on assignment); this module writes them. The work of a batch of inputs is one outbox entry:
all their state changes and all their output records. The entry and the changes go to the
local RocksDB in one atomic batch, and to the changelog — the entry first. The changelog is
one ordered log per partition, so whatever prefix of it survives a crash, the last entry in
it holds the whole of any batch whose keys were cut off; and a local database is always at a
batch's end. On the first input after an assignment, the entries not yet confirmed are
written again (changes to the changelog, records to their topics): at-least-once, where a
record sent twice is the same record under the same key. Entries are dropped once the
producer has been flushed behind them, and the changelog offset reached is then recorded as
Faust does, so a restart reads only what came after it.

Each opening of a partition is an epoch: its first entry records the epoch in the state
(`~epoch`), and every entry carries it. An entry of another epoch than the state's was left
behind by a worker that lost the partition before its entry reached the changelog; another
worker has done that work since (its epoch came back with the changelog), so the entry is
dropped, not written again over newer state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Protocol

from streams.app.records import Output
from streams.state import codec
from streams.state.rocks import StagedStore, write_changes

_OUTBOX = "~o/"
_EPOCH = "~epoch"


class Producer(Protocol):
    async def send(self, topic: str, key: bytes, value: bytes | None) -> Any:
        """One record, partitioned by its key; returns its delivery future."""
        ...

    async def send_all(self, topic: str, partition: int,
                       records: list[tuple[bytes, bytes | None]]) -> Any:
        """Records to one partition in as few batches as fit; returns the last batch's
        delivery future."""
        ...

    async def flush(self) -> None: ...


class Changelog(Protocol):
    """Faust's side of the table: its changelog topic and its partition databases."""

    topic: str

    def database(self, partition: int) -> Any: ...

    def persisted(self, partition: int, offset: int) -> None: ...


def _entry_key(partition: int, offset: int) -> str:
    # The partition is in the key: offsets repeat across partitions, and Faust looks up a
    # key it cannot place in every partition's database.
    return f"{_OUTBOX}{partition:05d}/{offset:015d}"


class PartitionStore(StagedStore):
    def __init__(self, changelog: Changelog, producer: Producer, partition: int) -> None:
        super().__init__(changelog.database(partition))
        self.changelog = changelog
        self.producer = producer
        self.partition = partition
        self.unconfirmed = 0
        self._last_sent: Any = None  # the future of the newest changelog record
        self.epoch = os.urandom(8).hex()
        self._announced = False

    async def commit(self, offset: int, outputs: list[Output], inputs: int = 1) -> None:
        """The inputs up to `offset` are done: one entry with their state changes and
        output records."""
        if not self._announced:
            self.put(_EPOCH, self.epoch)
            self._announced = True
        changes = self.take_changes()
        entry = codec.dumps((changes, outputs, self.epoch))
        await self._write({_entry_key(self.partition, offset): entry, **changes})
        self.unconfirmed += inputs

    async def _write(self, changes: dict[str, bytes | None]) -> None:
        write_changes(self.db, changes.items())
        self._last_sent = await self.producer.send_all(
            self.changelog.topic, self.partition,
            [(key.encode(), raw) for key, raw in changes.items()])

    def entries(self) -> Iterator[tuple[str, bytes]]:
        """(key, entry) of every outbox entry not yet confirmed, in offset order."""
        yield from self.scan_committed(_entry_key(self.partition, 0)[:-15])

    async def redo(self) -> list[Output]:
        """After an assignment: every entry not yet confirmed is written again, in order;
        returns their output records, to be sent again (the same records: harmless if
        they were delivered before) and then confirmed, before this epoch writes anything
        of its own. An entry of another epoch than the state's is dropped (module doc).
        The state keeps its epoch until then, so a crash in between finds the same
        entries again."""
        outputs: list[Output] = []
        current = self.get(_EPOCH)
        writes: dict[str, bytes | None] = {}
        for key, entry in list(self.entries()):
            changes, sent, *epoch = codec.loads(entry)  # an entry of before epochs: 2 parts
            if current is not None and epoch and epoch[0] != current:  # done again since
                writes[key] = None
                continue
            writes[key] = entry
            writes.update(changes)
            outputs += sent
        if writes:
            await self._write(writes)
        return outputs

    async def confirm(self) -> None:
        """Flush the producer; then every entry is delivered, with its records: drop them."""
        await self.producer.flush()
        if self._last_sent is not None and self._last_sent.done():
            self.changelog.persisted(self.partition, self._last_sent.result().offset)
        dropped: dict[str, bytes | None] = {key: None for key, _ in self.entries()}
        if dropped:
            await self._write(dropped)
        self.unconfirmed = 0
