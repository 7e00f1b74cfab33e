"""`ketenlink ingest` and `ketenlink replay --to-kafka`: XML (files, directories, archives)
or JSON Lines of parsed records → the input topic, keyed by (domain, gemeente, aanbieder),
in arrival order. Inputs that do not parse go to the dead-letter topic with their reason
and raw bytes. Clock records follow the stream's event time (streams/core/ticks.py), so a
worker gives what `ketenlink replay` of the same archive gives.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.app.config import MAX_RECORD, LiveSettings
from streams.app.producing import track_topics
from streams.app.records import (
    FAILURE_KEY,
    Router,
    failure_value,
    message_key,
    message_value,
    tick_value,
)
from streams.core.model import Failure
from streams.core.ticks import Tick, Timeline
from streams.replay.parallel import parsed_inputs


@dataclass(slots=True)
class IngestReport:
    records: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    ticks: int = 0


async def ensure_topics(s: LiveSettings) -> None:
    """The input and dead-letter topics, with the partition count the worker expects."""
    admin = AIOKafkaAdminClient(bootstrap_servers=s.bootstrap)
    await admin.start()
    try:
        have = set(await admin.list_topics())
        for name in (s.topics.input, s.topics.dead_letter):
            if name not in have:
                with contextlib.suppress(TopicAlreadyExistsError):  # another one was faster
                    await admin.create_topics([NewTopic(  # a broker's default is 1 MB
                        name, s.partitions, s.replication,
                        topic_configs={"max.message.bytes": str(MAX_RECORD)})])
    finally:
        await admin.close()


async def ingest(s: LiveSettings, paths: tuple[Path, ...], manifest: Path | None = None,
                 *, finish: bool = False, workers: int = 0) -> IngestReport:
    await ensure_topics(s)
    producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap, acks="all",
                                enable_idempotence=True, linger_ms=5,
                                max_request_size=MAX_RECORD, compression_type=None)
    await producer.start()
    track_topics(producer, (s.topics.input, s.topics.dead_letter))
    try:
        return await _send_all(s, producer, paths, manifest, finish, workers)
    finally:
        await producer.stop()


async def _send_all(s: LiveSettings, producer: Any, paths: tuple[Path, ...],
                    manifest: Path | None, finish: bool, workers: int) -> IngestReport:
    report = IngestReport()
    router = Router(s.topics)
    timeline = Timeline()
    partitions = sorted(await producer.partitions_for(s.topics.input))
    sent = _Deliveries()

    async def broadcast(tick: Tick | None) -> None:
        if tick is not None:
            report.ticks += 1
            for p in partitions:
                sent.add(await producer.send(s.topics.input, tick_value(tick), key=b"~tick",
                                             partition=p))

    for parsed, raw in parsed_inputs(paths, manifest, s.base, 0, workers):
        if isinstance(parsed, Failure):
            topic, key, value = router.dead_letter(parsed, raw)
            sent.add(await producer.send(topic, value, key=key))
            # and a notice without the input to the workers, which count parse failures
            sent.add(await producer.send(s.topics.input, failure_value(parsed),
                                         key=FAILURE_KEY))
            report.dead_letters[parsed.reason] += 1
            continue
        await broadcast(timeline.start(parsed[0].received))
        for m in parsed:
            sent.add(await producer.send(s.topics.input, message_value(m), key=message_key(m)))
            report.records += 1
        await broadcast(timeline.after(max(m.received for m in parsed)))
        if len(sent.pending) >= 5000:
            await sent.confirmed()
    if finish:
        await broadcast(timeline.end())
    await producer.flush()
    await sent.confirmed()
    return report


class _Deliveries:
    """The delivery futures of the records sent: awaited now and then, so that a record
    the broker refuses stops the ingest with its error rather than vanishing (a flush does
    not raise)."""

    def __init__(self) -> None:
        self.pending: list[asyncio.Future[Any]] = []

    def add(self, delivery: asyncio.Future[Any]) -> None:
        self.pending.append(delivery)

    async def confirmed(self) -> None:
        pending, self.pending = self.pending, []
        await asyncio.gather(*pending)
