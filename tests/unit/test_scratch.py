"""The scratch table's name set: a Bloom filter in memory in front of a table on disk."""

from __future__ import annotations

import random

import pytest

from streams.state.scratch import NameSet, Scratch


@pytest.mark.parametrize("bits", [8, 64, 1 << 20])
def test_a_name_set_answers_exactly_whatever_the_size_of_its_filter(bits: int) -> None:
    """A filter of 8 bits holds nothing apart (every lookup goes to the table), one of
    2^20 nearly everything: the answers are the same, for names added before or after the
    last flush, with their values."""
    rng = random.Random(bits)
    added = {f"m/{rng.randrange(10**6):06d}.xml": str(n).encode() for n in range(3000)}
    with Scratch() as scratch:
        names = NameSet(scratch, "n/", bits=bits)
        others = NameSet(scratch, "l/", bits=bits)  # another prefix in the same table
        for i, (name, value) in enumerate(added.items()):
            names.add(name, value)
            if i % 100 == 0:  # asked while puts are still batched
                assert name in names and names.get(name) == value
                assert name not in others
        for n in range(10**4):
            name = f"m/{n:06d}.xml"
            assert names.get(name) == added.get(name)
            assert (name in names) == (name in added)
        others.add("m/000001.xml")
        assert "m/000001.xml" in others
        assert [k for k, _ in scratch.items("l/")] == ["m/000001.xml"]
