"""A producer whose topics are tracked before its first send delivers a batch that waits
while another topic is first sent to (aiokafka 0.14 would forget the first topic's
metadata and hold the batch until its request timed out: streams/app/producing.py)."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.app.producing import track_topics

pytestmark = pytest.mark.integration


async def _a_batch_waits_while_a_new_topic_is_first_sent_to(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1000)
    try:
        await admin.create_topics([NewTopic("producing.a", 1, 1)])
        await producer.start()
        # A metadata update while no topic is tracked asks for every topic: so Faust's
        # producer knew the changelog it had just made, without tracking it.
        await producer.client.force_metadata_update()
        await admin.create_topics([NewTopic("producing.b", 1, 1)])  # not known yet
        track_topics(producer, ["producing.a", "producing.b"])
        waiting = await producer.send("producing.a", b"1")  # lingers for a second
        await producer.send_and_wait("producing.b", b"1")
        await producer.client.force_metadata_update()
        async with asyncio.timeout(30):
            assert (await waiting).offset == 0
    finally:
        await producer.stop()
        await admin.close()


def test_a_waiting_batch_is_delivered_when_another_topic_is_first_sent_to(
        kafka_bootstrap: str) -> None:
    asyncio.run(_a_batch_waits_while_a_new_topic_is_first_sent_to(kafka_bootstrap))
