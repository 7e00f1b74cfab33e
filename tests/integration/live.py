"""Helpers for the live tests: a worker as a user runs it (a subprocess), the topics read
back, and the outputs in the shape of replay's files, for comparing the two."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from streams.app.watchdog import EXIT_STALLED
from tests.conftest import ROOT

Records = list[tuple[bytes | None, bytes | None]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ketenlink(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "streams", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "KETENLINK_DEV": "1", **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Worker:
    """`ketenlink worker` in a subprocess, with its own data directory and web port, started
    again when it ends itself stalled (what a container's restart policy does)."""

    def __init__(self, bootstrap: str, prefix: str, data_dir: Path, partitions: int,
                 **flags: str) -> None:
        self.port = free_port()
        self.log = data_dir.with_suffix(".log")
        self.args = [sys.executable, "-m", "streams", "worker", "--bootstrap", bootstrap,
                     "--topic-prefix", prefix, "--app-id", f"{prefix}-app",
                     "--partitions", str(partitions), "--data-dir", str(data_dir),
                     "--web-host", "127.0.0.1", "--web-port", str(self.port),
                     "--tick-seconds", "0", "--log-level", "info", "--stall-seconds", "60"]
        for name, value in flags.items():
            self.args += [f"--{name.replace('_', '-')}", value]
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            proc = self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=log, stderr=log,
                                                env={**os.environ, "KETENLINK_DEV": "1"})
        threading.Thread(target=self._supervise, args=(proc,), daemon=True).start()
        return self

    def _supervise(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.wait() == EXIT_STALLED and self.proc is proc:
            self.restarts += 1
            self.start()

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return int(r.status), bytes(r.read())
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()
        except OSError:
            return 0, b""

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-12000:] if self.log.exists() else ""


def wait_until(check: Callable[[], bool], timeout: float, what: str,
               tell: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{tell()}")
        time.sleep(0.25)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    metadata = await consumer._client.fetch_all_metadata()
    return [TopicPartition(topic, p) for p in sorted(metadata.partitions_for_topic(topic) or [])]


async def _read(bootstrap: str, topic: str) -> Records:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic)
        if not parts:
            return []
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        out: Records = []
        while [tp for tp in parts if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                out += [(r.key, r.value) for r in records]
        return out
    finally:
        with contextlib.suppress(asyncio.CancelledError):  # aiokafka, stopped at once
            await consumer.stop()


def read_topic(bootstrap: str, topic: str) -> Records:
    return asyncio.run(_read(bootstrap, topic))


async def _lag(bootstrap: str, group: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic)
        end = await consumer.end_offsets(parts)
        committed = await admin.list_consumer_group_offsets(group)
        return sum(end[tp] - (committed[tp].offset if tp in committed else 0) for tp in parts)
    finally:
        await consumer.stop()
        await admin.close()


async def _topic_config(bootstrap: str, topic: str, name: str) -> str | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {name: None})])
        for resource in response.resources:
            for entry in resource[4]:
                if entry[0] == name:
                    return str(entry[1])
        return None
    finally:
        await admin.close()


def topic_config(bootstrap: str, topic: str, name: str) -> str | None:
    """One setting of a topic, as the broker has it."""
    return asyncio.run(_topic_config(bootstrap, topic, name))


def lag(bootstrap: str, group: str, topic: str) -> int:
    """Input records the group has not committed yet (-1 while the broker cannot tell)."""
    try:
        return asyncio.run(_lag(bootstrap, group, topic))
    except KafkaError:
        return -1


def last_values(records: Records) -> dict[bytes, Any]:
    """What a compacted topic keeps: the newest value per key, without tombstones."""
    last: dict[bytes, Any] = {}
    for key, value in records:
        assert key is not None
        if value is None:
            last.pop(key, None)
        else:
            last[key] = orjson.loads(value)
    return last


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def link_view(records: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {r["unit"]: (r["kind"], r["target"], r["rule"], r.get("start")) for r in records}


def alert_view(record: dict[str, Any]) -> tuple[Any, ...]:
    """An alert event without its trajectory id (replay names the id after all merges; the
    live event the id it had when it was made)."""
    return tuple(sorted((k, str(v)) for k, v in record.items() if k != "trajectory_id"))


def trajectory_view(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The whole record, dates and status too: the topic carries what the file holds."""
    return {r["trajectory_id"]: r for r in records}


def step_view(records: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {f"{r['metric']}|{r['subject']}": (r["value"], r["unit"], r["msg"]) for r in records}


async def _move_committed(bootstrap: str, group: str, topic: str, ahead: int) -> dict[int, int]:
    """Commit the group's offsets `ahead` records further (short of each partition's last
    record): what a consumer that skips records leaves. The group must have no members."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic)
        consumer.assign(parts)
        end = await consumer.end_offsets(parts)
        moved = {}
        for tp in parts:
            committed = await consumer.committed(tp) or 0
            moved[tp] = max(committed, min(committed + ahead, end[tp] - 1))
        await consumer.commit(moved)
        return {tp.partition: offset for tp, offset in moved.items()}
    finally:
        await consumer.stop()


def move_committed(bootstrap: str, group: str, topic: str, ahead: int) -> dict[int, int]:
    """Retries until the group's members have timed out and it takes a plain commit."""
    deadline = time.monotonic() + 90
    while True:
        try:
            return asyncio.run(_move_committed(bootstrap, group, topic, ahead))
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
