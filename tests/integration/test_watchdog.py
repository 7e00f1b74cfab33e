"""The watchdog reads what the broker says of the group: committed offsets where there are
any, the log start where there are none, and the ends."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete

from streams.app.watchdog import GroupOffsets

pytestmark = pytest.mark.integration
TOPIC, GROUP = "watchdog.input", "watchdog-app"


async def _prepare(bootstrap: str, topic: str = TOPIC, group: str = GROUP) -> None:
    """Partition 0: 5 records, 3 committed; 1: 4 records, the first 2 deleted, none
    committed; 2: empty."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for partition, count in ((0, 5), (1, 4)):
                for n in range(count):
                    await producer.send_and_wait(topic, b"x%d" % n, partition=partition)
        finally:
            await producer.stop()
        await admin.delete_records({TopicPartition(topic, 1): RecordsToDelete(2)})
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.commit({tp: 3})
    finally:
        await consumer.stop()


def test_the_group_offsets_as_the_broker_has_them(kafka_bootstrap: str) -> None:
    asyncio.run(_prepare(kafka_bootstrap))
    offsets = asyncio.run(GroupOffsets(kafka_bootstrap, GROUP, TOPIC).read([0, 1, 2]))
    assert offsets == {0: (3, 5), 1: (2, 4), 2: (0, 0)}


def test_a_broker_that_does_not_answer_gives_no_offsets() -> None:
    reader = GroupOffsets("127.0.0.1:1", GROUP, TOPIC)
    assert asyncio.run(reader.read([0])) is None


def test_a_consumer_that_ends_its_stop_cancelled_still_gives_the_offsets(
        kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """aiokafka's consumer can end its stop with CancelledError; out of the timer, that
    ended the watchdog for good."""
    asyncio.run(_prepare(kafka_bootstrap, "watchdog.cancelled", "watchdog-cancelled"))
    stop = AIOKafkaConsumer.stop

    async def stop_cancelled(self: AIOKafkaConsumer) -> None:
        await stop(self)
        raise asyncio.CancelledError

    monkeypatch.setattr(AIOKafkaConsumer, "stop", stop_cancelled)
    reader = GroupOffsets(kafka_bootstrap, "watchdog-cancelled", "watchdog.cancelled")
    assert asyncio.run(reader.read([0, 1, 2])) == {0: (3, 5), 1: (2, 4), 2: (0, 0)}
