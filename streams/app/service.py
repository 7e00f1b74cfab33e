"""The composition root of the live service: `create_app(settings)` builds the Faust app
with its topics, the state table, the agent, the clock timer and the web pages. Nothing
runs at import time."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.types import TP
from prometheus_client import CollectorRegistry

from streams.app.config import MAX_RECORD, LiveSettings
from streams.app.kafka import broker_url
from streams.app.linker import InputRecord, Linker
from streams.app.metrics import Metrics
from streams.app.producing import track_topics
from streams.app.records import tick_value
from streams.app.rocksstore import STORE_URL
from streams.app.watchdog import (
    READ_SECONDS,
    GroupOffsets,
    LoopGuard,
    Stall,
    Watchdog,
    guarded,
)

_MiB = 1 << 20


def create_app(s: LiveSettings, registry: CollectorRegistry | None = None) -> faust.App:
    registry = registry or CollectorRegistry()
    app = faust.App(
        s.app_id, broker=broker_url(s.bootstrap), store=STORE_URL,
        datadir=str(s.data_dir), topic_partitions=s.partitions,
        topic_replication_factor=s.replication, table_standby_replicas=0,
        key_serializer="raw", value_serializer="raw", consumer_auto_offset_reset="earliest",
        producer_max_request_size=MAX_RECORD, producer_acks=-1,
        broker_commit_every=1000, broker_commit_interval=1.0,
        # a worker that died is noticed in 15 s (Faust's default: 60 s), and its
        # partitions go to the others
        broker_session_timeout=15.0, broker_heartbeat_interval=3.0,
        web_host=s.web_host, web_port=s.web_port, web_tables_enabled=False,
        web_router_enabled=False, web_graph_enabled=False, web_stats_enabled=False,
    )
    topics = s.topics
    big = {"max.message.bytes": str(MAX_RECORD)}  # a broker's default is 1 MB
    source = app.topic(topics.input, partitions=s.partitions, key_type=bytes,
                       value_type=bytes, config=big)
    outputs = [app.topic(name, partitions=s.partitions, key_type=bytes, value_type=bytes,
                         config=big)
               for name in (topics.links, topics.alerts, topics.process_times,
                            topics.dead_letter)]
    outputs.append(app.topic(topics.trajectories, partitions=s.partitions, compacting=True,
                             key_type=bytes, value_type=bytes, config=big))
    table = app.Table(
        "state", partitions=s.partitions, key_type=bytes, value_type=bytes,  # raw bytes
        # Faust's default is a 2 GiB block cache per partition database.
        options={"driver": "rocksdict", "block_cache_size": 64 * _MiB,
                 "write_buffer_size": 16 * _MiB, "max_write_buffer_number": 2,
                 "max_open_files": 256},
        extra_topic_configs={"max.message.bytes": str(MAX_RECORD)},
    )
    metrics = Metrics(registry, gemeente=s.metrics_gemeente)
    changelog, output = TableChangelog(table), Output(app)
    linker = Linker(s, changelog, output, metrics, TopicInputs(app, s))
    _wire(app, s, source, linker, metrics)
    setup_prometheus_sensors(app, "/metrics", registry, name_prefix="faust")

    declared = linker.declared = asyncio.Event()  # the agent waits: a send first would let
    # the broker make the topic with its defaults (records of 1 MB, no compaction)

    async def declare() -> None:
        try:
            for topic in outputs:
                await topic.maybe_declare()
            output.track([topics.input, *(t.get_topic_name() for t in outputs),
                          changelog.topic])
        finally:  # never hold the agent for good: a failure here is Faust's to report
            declared.set()

    app.task(declare)
    if s.stall_seconds > 0:
        _watch(app, s, linker)
    return app


def _watch(app: faust.App, s: LiveSettings, linker: Linker) -> None:
    """The stall watchdog (streams/app/watchdog.py), looking a few times per limit, and a
    thread that ends the worker when its looks stop."""
    dog = Watchdog(Stall(s.stall_seconds), GroupOffsets(s.bootstrap, s.app_id, s.topics.input),
                   _exit, time.monotonic)
    every = max(1.0, min(30.0, s.stall_seconds / 4))
    # a look takes at most READ_SECONDS; a limit below that would end a worker whose
    # broker is slow to answer
    guard = LoopGuard(s.stall_seconds + every + READ_SECONDS, _exit, time.monotonic)

    async def look() -> None:
        held = None
        if is_ready(app, s):
            held = sorted(tp.partition for tp in app.consumer.assignment()
                          if tp.topic == s.topics.input)
        def state() -> str:
            declared = linker.declared is None or linker.declared.is_set()
            return (f"output topics declared: {declared}; the consumer's acks: "
                    f"{ack_view(app.consumer, s.topics.input)}")

        await dog.look(held, {p: part.offset for p, part in linker.parts.items()}, state)

    async def timed() -> None:
        await guarded(look, guard)

    app.timer(every)(timed)


def ack_view(consumer: Any, topic: str) -> str:
    """Faust's bookkeeping of what it may commit, per input partition: its committed and
    read offsets, the acknowledged offsets it holds back, the gaps it counts as acknowledged
    (faust-streaming 0.15.3 internals; for a stall's log only)."""
    try:
        parts = []
        for tp in sorted(consumer.assignment()):
            if tp.topic != topic:
                continue
            acked = sorted(consumer._acked.get(tp, ()))
            gaps = sorted((i.begin, i.end) for i in consumer._gap.get(tp, ()))
            unacked = sum(1 for m in list(consumer._unacked_messages) if m.tp == tp)
            parts.append(f"partition {tp.partition}: committed "
                         f"{consumer._committed_offset.get(tp)}, read "
                         f"{consumer._read_offset.get(tp)}, acked {len(acked)}"
                         f"{f' ({acked[0]}..{acked[-1]})' if acked else ''}, gaps "
                         f"{gaps[:4]}{'...' if len(gaps) > 4 else ''}, unacked {unacked}")
        return "; ".join(parts) or "none held"
    except Exception as error:  # a view for a log line, never a failure
        return f"unknown ({error!r})"


def _exit(code: int) -> None:
    """At once: a hung worker may not get through a clean stop, and its state is safe."""
    logging.shutdown()
    os._exit(code)


def _wire(app: faust.App, s: LiveSettings, source: Any, linker: Linker,
          metrics: Metrics) -> None:
    async def link(stream: Any) -> None:
        highwater = app.consumer.highwater
        async for events in stream.take_events(s.batch_max, s.batch_seconds):
            batch = []
            for event in events:
                m = event.message
                lag = highwater(TP(m.topic, m.partition)) - m.offset - 1
                batch.append((m.partition, m.offset, m.key, m.value, lag <= s.caught_up_lag))
            await linker.handle(batch)

    app.agent(source, name=f"{s.app_id}.link")(link)

    async def forget(*_: Any, **__: Any) -> None:
        linker.forget()

    app.on_partitions_revoked.connect(forget)
    app.on_partitions_assigned.connect(forget)

    async def gauges() -> None:
        _gauges(app, s, linker, metrics)

    app.timer(5.0)(gauges)

    async def ticks() -> None:
        """Wall-clock ticks into the partitions held (a timer cannot write a table)."""
        if linker.declared is not None and not linker.declared.is_set():
            return  # no send before the producer tracks its topics (Output.track)
        value = tick_value(linker.wall_tick())
        for tp in sorted(app.consumer.assignment()):
            if tp.topic == s.topics.input:
                await app.producer.send(tp.topic, b"~tick", value, tp.partition, None, None)

    if s.tick_seconds > 0:
        app.timer(s.tick_seconds)(ticks)

    async def ready(web: Any, request: Any) -> Any:
        ok = is_ready(app, s)
        return web.json({"ready": ok}, status=200 if ok else 503)

    app.page("/ready")(ready)


class Output:
    """The app's Kafka producer, used directly (aiokafka): Faust's wrapper adds a sensor
    call and a transaction check to every record, and has no batch API. Faust flushes the
    same producer before it commits input offsets."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def _producer(self) -> Any:
        return self.app.producer._ensure_producer()

    def track(self, topics: list[str]) -> None:
        """Before the first send (streams/app/producing.py)."""
        track_topics(self._producer(), topics)

    async def send(self, topic: str, key: bytes, value: bytes | None) -> Any:
        return await self._producer().send(topic, value, key=key)

    async def send_all(self, topic: str, partition: int,
                       records: list[tuple[bytes, bytes | None]]) -> Any:
        producer = self._producer()
        batch, sent = producer.create_batch(), None
        for key, value in records:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full
                sent = await producer.send_batch(batch, topic, partition=partition)
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        if batch.record_count():
            sent = await producer.send_batch(batch, topic, partition=partition)
        return sent

    async def flush(self) -> None:
        await self.app.producer.flush()


class TopicInputs:
    """Input records read beside the Faust consumer, for offsets it skipped
    (streams/app/linker.py): a consumer of its own, outside the group."""

    def __init__(self, app: Any, s: LiveSettings) -> None:
        self.app = app
        self.bootstrap = s.bootstrap
        self.topic = s.topics.input

    async def read(self, partition: int, start: int, end: int) -> list[InputRecord]:
        tp = TopicPartition(self.topic, partition)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            consumer.assign([tp])
            consumer.seek(tp, start)
            records: list[InputRecord] = []
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1000)
                records += [(r.offset, r.key, r.value) for r in batch.get(tp, [])
                            if r.offset < end]
            return records
        finally:
            await consumer.stop()

    async def skipped(self, partition: int, start: int, end: int) -> None:
        """Faust commits a partition only up to its first offset not acknowledged; offsets
        it never delivered are added as a "gap", which it counts as acknowledged (its own
        remedy for offsets missing from a topic; faust-streaming 0.15.3 internals). It
        clips the gap to the offsets after its committed one."""
        await self.app.consumer._add_gap(TP(self.topic, partition), start, end - 1)


class TableChangelog:
    """The Faust table's databases and changelog, for streams/app/partition.py. Reaches into
    the rocksdb store (pinned faust-streaming 0.15.3): the partition's database handle, and
    the persisted changelog offset that Faust's own writes record."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.topic: str = table.changelog_topic.get_topic_name()

    def database(self, partition: int) -> Any:
        return self.table.data._db_for_partition(partition)

    def persisted(self, partition: int, offset: int) -> None:
        self.table.data.set_persisted_offset(TP(self.topic, partition), offset)


def is_ready(app: faust.App, s: LiveSettings) -> bool:
    """Assigned input partitions, and no rebalance or table recovery under way."""
    try:
        held = [tp for tp in app.consumer.assignment() if tp.topic == s.topics.input]
    except (AttributeError, RuntimeError):
        return False
    return bool(held) and not app.rebalancing and not app.in_recovery


def _gauges(app: faust.App, s: LiveSettings, linker: Linker, metrics: Metrics) -> None:
    metrics.ready.set(1 if is_ready(app, s) else 0)
    metrics.lag.clear()
    for partition, part in list(linker.parts.items()):
        hw = app.consumer.highwater(TP(s.topics.input, partition))
        metrics.lag.labels(str(partition)).set(max(0, hw - part.offset - 1))
    clocks = [(p.engine.clock.today, wm) for p in linker.parts.values()
              if p.engine.clock and (wm := p.engine.watermark()) is not None]
    if clocks:
        metrics.clock(max(c for c, _ in clocks), max(w for _, w in clocks))
    metrics.tallies({p: t for p, t in linker.tallies.items() if p in linker.parts})


def run_worker(s: LiveSettings) -> None:
    """Run the worker until it is stopped (SIGTERM / Ctrl-C)."""
    from faust.worker import Worker  # noqa: PLC0415 - only the worker command needs it

    asyncio.set_event_loop(asyncio.new_event_loop())
    app = create_app(s)
    Worker(app, loglevel=s.log_level, logging_config=logging_config(s.log_level)
           ).execute_from_commandline()


def logging_config(level: str) -> dict[str, Any]:
    """Structured JSON log lines (streams/app/logs.py); no message content is ever logged."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": "streams.app.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
    }
