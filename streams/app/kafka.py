"""Faust's Kafka transport (aiokafka), with a consumer whose commits do not crawl.

Faust (faust-streaming 0.15.3) commits a partition up to the end of the first run of
consecutive offsets in its list of acknowledged ones (`Consumer._new_offset`). It extends
that list with the "gaps" it counts as acknowledged, and a gap can hold offsets that were
delivered and acknowledged too: its own gap after a jump includes the record that jumped,
and a worker restarted mid-partition both gets records again and adds gaps for the ones
it skipped. An offset in the list twice ends the run, so from there on every commit moved
the offset by one: the crash test saw a restarted worker apply all 3,600 inputs of a
partition and then commit one offset a second (robinhood/faust#625 is the same bug).

Here the list drops an offset it holds twice whenever Faust sorts it, which it does once
per commit, after adding the gaps and before looking for the run.

The app selects the transport with its broker URL (`broker_url`): Faust resolves a URL's
scheme as the dotted path of the class (faust.transport.by_url), as for the store."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from faust.transport.drivers import aiokafka

# yarl lowercases a URL's scheme: hence the lowercase `transport` below
SCHEME = "streams.app.kafka.transport"


def broker_url(bootstrap: str) -> str:
    """The app's broker URL for a bootstrap list ("host:port,host:port")."""
    return f"{SCHEME}://{bootstrap}"


class AckedOffsets(list[int]):
    """A partition's acknowledged offsets, each once after a sort."""

    def sort(self, *, key: Any = None, reverse: bool = False) -> None:
        self[:] = sorted(set(self), key=key, reverse=reverse)


class Consumer(aiokafka.Consumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._acked = defaultdict(AckedOffsets)


class Transport(aiokafka.Transport):
    Consumer: ClassVar[Any] = Consumer


transport = Transport  # the name SCHEME resolves to
