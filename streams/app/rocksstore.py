"""Faust's RocksDB table store, with its partition databases reopened with their options.

Faust (faust-streaming 0.15.3) opens a partition database with `Rdict(path, options)`
only. Reopening an existing one, rocksdict then takes the default column family's options
from the database's OPTIONS file, where the Bloom filter and the block cache do not
survive: after every restart the worker read with an 8 MiB block cache and no filters
(streams/state/rocks.py `open_db`, the same fix for the replay's store).

The app selects it with `store=STORE_URL` (the store of its tables): Faust resolves a
store URL's scheme as the dotted path of its class (faust.stores.by_url). Not per table:
`Table(store=...)` ignores a URL without a path (yarl's URL is false then)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rocksdict
from faust.stores import rocksdb

# yarl lowercases a URL's scheme, and allows no "_" in it: hence this module's name and
# the lowercase `store` below
STORE_URL = "streams.app.rocksstore.store://"


class RocksDBOptions(rocksdb.RocksDBOptions):
    def open(self, path: Path, *, read_only: bool = False) -> Any:
        """Faust's `open`, with the options given for the default column family too."""
        if not self.use_rocksdict:
            return super().open(path, read_only=read_only)
        options = self.as_options()
        access = (rocksdict.AccessType.read_write() if self.ttl is None
                  else rocksdict.AccessType.with_ttl(self.ttl))
        db = rocksdict.Rdict(str(path), options=options,
                             column_families={"default": options}, access_type=access)
        db.set_read_options(rocksdict.ReadOptions())
        return db


class Store(rocksdb.Store):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # as Faust builds its own (`driver` and `read_only` are out of `options` by now)
        self.rocksdb_options = RocksDBOptions(**(self.options or {}),
                                              use_rocksdict=self.use_rocksdict)


store = Store  # the name STORE_URL resolves to
