"""A bare Faust pass-through agent: every input record to an output topic, nothing else —
the framework's ceiling on this machine, for bench/live.py to set the worker beside.

    BENCH_BOOTSTRAP=... BENCH_TOPIC=... BENCH_COUNT=N python bench/passthrough.py worker -l warn

Prints one JSON line when it has passed N records: their count and the seconds from the
first record to the last.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any

import faust
import orjson

bootstrap, topic = os.environ["BENCH_BOOTSTRAP"], os.environ["BENCH_TOPIC"]
count = int(os.environ["BENCH_COUNT"])
app = faust.App(f"passthrough-{topic}", broker=f"kafka://{bootstrap}", store="memory://",
                datadir=tempfile.mkdtemp(prefix="passthrough-"), web_enabled=False,
                key_serializer="raw", value_serializer="raw",
                consumer_auto_offset_reset="earliest",
                topic_partitions=int(os.environ.get("BENCH_PARTITIONS", "4")))
source = app.topic(topic, key_type=bytes, value_type=bytes)
seen = {"n": 0, "first": 0.0}


async def passthrough(stream: Any) -> None:
    async for event in stream.events():
        if not seen["n"]:
            seen["first"] = time.perf_counter()
        m = event.message
        await app.producer.send(f"{topic}.passthrough", m.key, m.value, None, None, None)
        seen["n"] += 1
        if seen["n"] == count:
            seconds = time.perf_counter() - seen["first"]
            sys.stdout.buffer.write(orjson.dumps({"records": count, "seconds": seconds}) + b"\n")
            sys.stdout.flush()


app.agent(source, name="passthrough")(passthrough)

if __name__ == "__main__":
    app.main()
