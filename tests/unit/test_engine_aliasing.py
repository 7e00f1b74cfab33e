"""The engine's outcome does not hang on object identity (tests/unit/scenario.py runs every
scenario on a store of copies too); here on the whole sample archive."""

from __future__ import annotations

from streams.core.config import Terms
from streams.core.store import MemoryStore
from tests.unit.scenario import CopyingStore, run_on
from tests.unit.test_engine_known_answers import SAMPLE, messages


def test_a_store_of_copies_gives_the_same_events_on_the_sample() -> None:
    inputs = list(messages(SAMPLE))
    shared = run_on(inputs, Terms(), MemoryStore())
    assert len(shared) > 5_000
    assert run_on(inputs, Terms(), CopyingStore()) == shared
