"""The live service on a real broker: sustained throughput of one worker, and end-to-end
latency at a steady rate, each beside a bare Faust pass-through agent on the same broker
(the framework's ceiling) in the same run.

    .venv/bin/python bench/live.py [--messages 100000] [--partitions 4] [--rate 1000]
                                   [--seconds 30] [--bootstrap HOST:PORT]

Without --bootstrap it starts a broker of its own (tools/broker.py). Throughput: the archive
(generated once, cached under .cache/bench/) is ingested first, then each consumer drains
the input topic from the start; the rate is input records over the time from its first
committed progress to no lag. Latency: records are produced at --rate for --seconds into a
fresh topic while the consumer runs caught up; a record's latency is the timestamp of its
first output record minus the timestamp of the input record (both stamped by their producers
on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.integration.live import Worker, lag, wait_until  # noqa: E402
from tools.broker import start  # noqa: E402

CACHE = ROOT / ".cache" / "bench"
ENV = {**os.environ, "KETENLINK_DEV": "1"}


def archive_of(messages: int) -> Path:
    path = CACHE / f"live-{messages}.zip"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "streams", "generate", str(path), "--messages",
                        str(messages), "--seed", "21"], cwd=ROOT, check=True, env=ENV)
    return path


def ingest(bootstrap: str, prefix: str, archive: Path, partitions: int) -> int:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "streams", "ingest", str(archive), "--finish",
                    "--bootstrap", bootstrap, "--partitions", str(partitions),
                    "--topic-prefix", prefix], cwd=ROOT, check=True, env=ENV,
                   stdout=subprocess.DEVNULL)
    total = sum(asyncio.run(end_offsets(bootstrap, f"{prefix}.input")).values())
    print(f"ingest: {total:,} input records in {time.perf_counter() - t:.1f} s")
    return total


def drain(bootstrap: str, group: str, topic: str, total: int) -> float:
    """Records per second from the first committed progress to no lag."""
    wait_until(lambda: 0 <= lag(bootstrap, group, topic) < total, 300, f"{group} to start")
    t = time.perf_counter()
    left = lag(bootstrap, group, topic)
    wait_until(lambda: lag(bootstrap, group, topic) == 0, 1800, f"{group} to drain")
    return left / (time.perf_counter() - t)


def passthrough(bootstrap: str, topic: str, partitions: int, count: int) -> subprocess.Popen[
        bytes]:
    env = {**ENV, "BENCH_BOOTSTRAP": bootstrap, "BENCH_TOPIC": topic,
           "BENCH_COUNT": str(count), "BENCH_PARTITIONS": str(partitions)}
    return subprocess.Popen([sys.executable, str(ROOT / "bench" / "passthrough.py"), "worker",
                             "-l", "warn", "--without-web"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def steady(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]], rate: int,
                 seconds: float) -> dict[bytes, float]:
    """Produce at `rate` records/s; returns each record's value → its timestamp (ms)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
    await producer.start()
    sent: dict[bytes, float] = {}
    try:
        begin = time.perf_counter()
        for n, (key, value) in enumerate(records[: int(rate * seconds)]):
            due = begin + n / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            stamp = time.time() * 1000
            await producer.send(topic, value, key=key, timestamp_ms=int(stamp))
            sent[value] = stamp
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        metadata = await consumer._client.fetch_all_metadata()
        parts = [TopicPartition(topic, p) for p in metadata.partitions_for_topic(topic) or []]
        return dict(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()


async def stamps(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None, int]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        metadata = await consumer._client.fetch_all_metadata()
        parts = [TopicPartition(topic, p) for p in metadata.partitions_for_topic(topic) or []]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        out = []
        while [tp for tp in parts if await consumer.position(tp) < end[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                out += [(r.key, r.value, r.timestamp) for r in batch]
        return out
    finally:
        await consumer.stop()


def percentiles(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms over {len(latencies):,} records"


def latency(bootstrap: str, prefix: str, archive_topic: str, partitions: int, rate: int,
            seconds: float, consumer: Callable[[str], Any], outputs: str,
            key_of: Callable[[bytes], bytes]) -> str:
    """Start the consumer on a fresh topic, feed it at a steady rate, match outputs."""
    records = [(k, v) for k, v, _ in asyncio.run(stamps(bootstrap, archive_topic))
               if k != b"~tick" and k is not None and v is not None]
    topic = f"{prefix}.input"
    subprocess.run([sys.executable, "-c", "import asyncio,sys;"
                    "from streams.app.config import LiveSettings,Topics;"
                    "from streams.settings import Settings;"
                    "from streams.app.ingest import ensure_topics;"
                    f"asyncio.run(ensure_topics(LiveSettings(Settings(b''),bootstrap='{bootstrap}',"
                    f"topics=Topics('{prefix}'),partitions={partitions})))"],
                   cwd=ROOT, check=True, env=ENV)
    proc = consumer(topic)
    time.sleep(15)  # joined, assigned, caught up on an empty topic
    sent = asyncio.run(steady(bootstrap, topic, records, rate, seconds))
    time.sleep(5)
    first: dict[bytes, float] = {}
    for _, value, ts in asyncio.run(stamps(bootstrap, outputs.format(prefix=prefix))):
        if value is not None:
            first.setdefault(key_of(value), ts)
    stop(proc)
    by_key = {key_of(v): t for v, t in sent.items()}
    found = [first[k] - t for k, t in by_key.items() if k in first]
    return percentiles(found) if found else "no outputs matched"


def stop(proc: Any) -> None:
    proc.terminate() if hasattr(proc, "terminate") else proc.stop()
    if hasattr(proc, "wait"):
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--bootstrap")
    ns = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ketenlink-bench-"))
    broker = None if ns.bootstrap else start(work / "broker")
    bootstrap = ns.bootstrap or broker.bootstrap  # type: ignore[union-attr]
    try:
        run(ns, bootstrap, work)
    finally:
        if broker:
            broker.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(ns: argparse.Namespace, bootstrap: str, work: Path) -> None:
    prefix = f"bench{int(time.time())}"
    total = ingest(bootstrap, prefix, archive_of(ns.messages), ns.partitions)
    topic = f"{prefix}.input"
    pt = passthrough(bootstrap, topic, ns.partitions, total)
    ceiling = drain(bootstrap, f"passthrough-{topic}", topic, total)
    stop(pt)
    print(f"pass-through: {ceiling:,.0f} records/s")
    worker = Worker(bootstrap, prefix, work / "data", ns.partitions).start()
    rate = drain(bootstrap, f"{prefix}-app", topic, total)
    worker.stop()
    print(f"worker: {rate:,.0f} records/s = {rate / ceiling:.0%} of the pass-through")

    def message_key(value: bytes) -> bytes:
        record = orjson.loads(value)
        return str(record.get("message_key") or record.get("unit", "")).split("#")[0].encode()

    def start_worker(t: str) -> Worker:
        p = t.removesuffix(".input")
        return Worker(bootstrap, p, work / f"data-{p}", ns.partitions).start()

    print(f"latency at {ns.rate:,}/s, pass-through: " + latency(
        bootstrap, f"{prefix}pt", topic, ns.partitions, ns.rate, ns.seconds,
        lambda t: passthrough(bootstrap, t, ns.partitions, 10**9), "{prefix}.input.passthrough",
        message_key))
    print(f"latency at {ns.rate:,}/s, worker: " + latency(
        bootstrap, f"{prefix}w", topic, ns.partitions, ns.rate, ns.seconds, start_worker,
        "{prefix}.links", message_key))


if __name__ == "__main__":
    main()
