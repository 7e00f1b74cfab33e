"""The replay collects garbage rarely (streams/replay/heap.py): that is only safe while
its work makes no reference cycles, which would otherwise pile up between collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from streams.core.engine import Engine
from streams.replay.source import Parser, units
from streams.settings import Settings
from streams.state.rocks import RocksDueIndex, RocksStore
from tests.conftest import ROOT, TEST_KEY

SAMPLE = ROOT / "samples" / "sample.zip"


def _garbage_cycles_left_by(work: Iterator[object]) -> int:
    gc.collect()
    gc.disable()
    try:
        for _ in work:
            pass
        return gc.collect()
    finally:
        gc.enable()


def test_parsing_and_linking_make_no_reference_cycles(tmp_path: Path) -> None:
    settings = Settings(TEST_KEY)
    parse = Parser(settings)
    todo = list(islice(units((SAMPLE,), None, settings.max_bytes), 3000))
    for unit in todo[:100]:  # warm up: what is cached on first use is no garbage
        parse(unit)
    assert _garbage_cycles_left_by(parse(u) for u in todo) == 0

    store = RocksStore(tmp_path / "db")
    engine = Engine(store, RocksDueIndex(store))

    def link_all() -> Iterator[object]:
        for i, unit in enumerate(todo):
            parsed = parse(unit)[0]
            for m in parsed if isinstance(parsed, list) else []:
                yield engine.apply(m)
            watermark = engine.watermark()
            if watermark is not None:
                yield engine.tick(watermark)
            if i % 500 == 0:
                store.commit()

    assert _garbage_cycles_left_by(link_all()) == 0
    assert store.get("clock") is not None  # the engine did run
    store.close()
