"""The live worker's partition databases, reopened after a restart, keep the table's
options: Faust's own `open` let rocksdict take them from the OPTIONS file, where the
block cache (then 8 MiB) and the Bloom filter do not survive (streams/app/rocksstore.py).
No Kafka: the store opens its databases itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.app.config import LiveSettings
from streams.app.service import create_app
from streams.settings import Settings

_MiB = 1 << 20


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def _store(data_dir: Path) -> Any:
    """The state table's store, as a (re)started worker builds it."""
    app = create_app(LiveSettings(Settings(hmac_key=b"live-store-key-01"), data_dir=data_dir))
    return app.tables["state"].data


@pytest.mark.usefixtures("loop")
def test_a_reopened_partition_database_keeps_the_table_options(tmp_path: Path) -> None:
    first = _store(tmp_path)
    db = first._db_for_partition(0)
    db.put(b"k", b"v")
    db.flush()
    db.close()
    first._dbs.clear()

    again = _store(tmp_path)  # a restart
    db = again._db_for_partition(0)
    try:
        assert db.get(b"k") == b"v"
        assert db.property_int_value("rocksdb.block-cache-capacity") == 64 * _MiB
    finally:
        db.close()
    path = again.partition_path(0)
    newest = max(path.glob("OPTIONS-*"), key=lambda p: int(p.name.partition("-")[2]))
    assert "filter_policy=bloomfilter" in newest.read_text()
