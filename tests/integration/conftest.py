"""A real Kafka broker for integration tests: one per pytest(-xdist) worker, per session.

The broker is tools/broker.py's single-node KRaft broker on a free loopback port, in a
temporary directory. Its jars are fetched with Maven on first use (into .cache/kafka, or
$KETENLINK_KAFKA_CACHE). A broker that cannot start fails the tests that use it, with the
tail of its log; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.broker import BrokerError, start


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address ("127.0.0.1:PORT") of a broker that runs for the whole session.

    Topics are created on first use (auto.create.topics.enable) with one partition; tests that
    share the session should use topic names of their own.
    """
    try:
        # Not detached: a kill of pytest's process group (Ctrl-C, a CI timeout) ends it too.
        broker = start(tmp_path_factory.mktemp("kafka"), detach=False)
    except BrokerError as error:
        pytest.fail(f"the Kafka test broker did not start: {error}", pytrace=False)
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
