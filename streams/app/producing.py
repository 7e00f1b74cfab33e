"""What every producer of the service does before its first send."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def track_topics(producer: Any, topics: Iterable[str]) -> None:
    """Make the producer's client keep the metadata of `topics` from now on.

    aiokafka (0.14) asks for the metadata of every topic while it tracks none, and a send
    to a topic it knows that way does not track it. The first send to a topic it does not
    know yet then makes that one the only topic tracked; the next metadata update forgets
    the others, and a batch still waiting for one of them waits for a leader that never
    comes, asking for metadata in a tight loop, until its request times out (Faust's: 20
    minutes), without a log line. Seen on CI: a worker that never committed, its changelog
    batch stuck behind the first send to a topic it had just created
    (tests/integration/test_producing.py). Tracking every topic the process sends to before
    its first send keeps them all in the metadata. Each topic must exist: the metadata
    request of a broker that creates topics on demand would make it with its defaults.
    """
    for topic in topics:
        producer.client.add_topic(topic)
