"""The test broker works end to end with aiokafka: admin, producer and consumer."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

PARTITIONS = 3
MESSAGES = {b"k1": b"een", b"k2": b"twee", b"k3": b"drie"}


async def _create_topic(bootstrap: str, topic: str) -> None:
    """Creates `topic` with PARTITIONS partitions; fails on any per-topic error code."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)]
        )
    finally:
        await admin.close()
    errors = {name: code for name, code, *_ in response.topic_errors}
    assert errors == {topic: 0}


async def _produce(bootstrap: str, topic: str) -> None:
    """Sends MESSAGES, keyed, and waits for each acknowledgement."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in MESSAGES.items():
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, count: int) -> tuple[set[int], dict[bytes, bytes]]:
    """The topic's partition ids and the first `count` records read from the beginning."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    received: dict[bytes, bytes] = {}
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        async with asyncio.timeout(30):
            async for record in consumer:
                assert record.key is not None
                assert record.value is not None
                received[record.key] = record.value
                if len(received) == count:
                    break
    finally:
        await consumer.stop()
    return partitions, received


async def _round_trip(bootstrap: str) -> tuple[set[int], dict[bytes, bytes]]:
    """Creates a fresh topic, produces MESSAGES to it and reads them back."""
    topic = f"broker-test-{uuid.uuid4().hex}"
    await _create_topic(bootstrap, topic)
    await _produce(bootstrap, topic)
    return await _consume(bootstrap, topic, len(MESSAGES))


@pytest.mark.integration
def test_topic_produce_consume_round_trip(kafka_bootstrap: str) -> None:
    partitions, received = asyncio.run(_round_trip(kafka_bootstrap))
    assert partitions == set(range(PARTITIONS))
    assert received == MESSAGES
