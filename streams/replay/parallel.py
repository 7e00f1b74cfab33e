"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order. Each worker process plans the archive itself (names and offsets, in
arrival order) and reads and parses every n-th batch of it; this process takes the
batches round-robin, so they come back in arrival order. The process that runs the
engine does no planning and sends nothing: it only receives. Each worker has a short
queue, so memory stays bounded however long the archive is.

A worker sends a share of its batches unparsed, and the engine's process parses those
itself, so that neither waits for the other (streams/replay/balance.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from streams.archive import Item, Ref
from streams.core.frozen import record
from streams.replay.balance import Balance
from streams.replay.heap import Helper, HelperFailed
from streams.replay.source import JsonLine, Parser, Result, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_AHEAD = 64  # batches a worker may have parsed ahead of the engine (~120 KB each, encoded)


class ParserFailed(HelperFailed):
    """A parser process died or raised: a bug or a crash, never bad input (input errors
    are failure records)."""


def parsed_inputs(paths: tuple[Path, ...], manifest: Path | None, settings: Settings,
                  skip: int = 0, workers: int = 0,
                  hand_off: float | None = None) -> Iterator[Result]:
    """Every input after the first `skip`, parsed, in arrival order. `hand_off` fixes the
    share of batches the workers leave to this process (tests); None steers it."""
    if workers <= 0:
        todo = islice(units(paths, manifest, settings.max_bytes), skip, None)
        yield from map(Parser(settings), todo)
    else:
        yield from _in_workers(_Job(paths, manifest, settings, skip, workers), hand_off)


@record
class _Job:
    """What a worker needs to find its share of the input."""

    paths: tuple[Path, ...]
    manifest: Path | None
    settings: Settings
    skip: int
    workers: int


def _in_workers(job: _Job, hand_off: float | None) -> Iterator[Result]:
    balance = Balance(job.workers, hand_off)
    workers = [Helper(_work, (job, k, balance.share), f"ketenlink-parser-{k}",
                      ParserFailed, _AHEAD) for k in range(job.workers)]
    parse: Parser | None = None
    try:
        k, mark = 0, time.process_time()
        while (message := workers[k].receive())[0] != "end":
            kind, (batch, worker_cpu) = message
            parse_here = 0.0
            if kind == "batch":
                batch = codec.load_results(batch)
            else:  # the worker's share for this process: parse it here
                parse = parse or Parser(job.settings)
                started = time.process_time()
                batch = list(map(parse, batch))
                parse_here = time.process_time() - started
            yield from batch  # the engine applies them meanwhile
            now = time.process_time()
            balance.observe(kind == "batch", worker_cpu, now - mark - parse_here, parse_here)
            k, mark = (k + 1) % job.workers, now
    finally:
        for w in workers:
            w.stop()


def _work(job: _Job, k: int, share: Any, outbox: Any) -> None:
    """Worker process k: plan everything, send batches k, k + workers, …, then "end".
    A batch goes parsed ("batch"), or, for the share the engine's process takes over, as
    it is ("units"); each with the CPU seconds the worker spent on it."""
    codec.fast_pickling(Ref, Item, JsonLine)  # the units of a handed-off batch
    parse = Parser(job.settings)
    todo = islice(units(job.paths, job.manifest, job.settings.max_bytes), job.skip, None)
    owed, mark = 0.0, 0.0
    for b, batch in enumerate(iter(lambda: list(islice(todo, _BATCH)), [])):
        if b == 0:
            mark = time.process_time()  # the plan, made before the first batch, is apart
        if b % job.workers == k:
            owed += share.value  # that share of its batches, evenly spread
            message: tuple[str, Any]
            if owed >= 1.0:
                owed -= 1.0
                message = ("units", batch)
            else:
                message = ("batch", codec.dump_results(list(map(parse, batch))))
            now = time.process_time()  # includes sending the last one (queue thread)
            outbox.put((message[0], (message[1], now - mark)))
            mark = now
    outbox.put(("end", None))
