"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order. Each worker process plans the archive itself (names and offsets, in
arrival order) and reads and parses every n-th batch of it; this process takes the
batches round-robin, so they come back in arrival order. The process that runs the
engine, the busiest one, then does no planning and sends nothing: it only receives. Each
worker has a short queue, so memory stays bounded however long the archive is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from streams.replay.heap import Helper, HelperFailed
from streams.replay.source import Parser, Result, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_AHEAD = 16  # batches a worker may have parsed ahead of the engine


class ParserFailed(HelperFailed):
    """A parser process died or raised: a bug or a crash, never bad input (input errors
    are failure records)."""


def parsed_inputs(paths: tuple[Path, ...], manifest: Path | None, settings: Settings,
                  skip: int = 0, workers: int = 0) -> Iterator[Result]:
    """Every input after the first `skip`, parsed, in arrival order."""
    if workers <= 0:
        todo = islice(units(paths, manifest, settings.max_bytes), skip, None)
        yield from map(Parser(settings), todo)
    else:
        yield from _in_workers(_Job(paths, manifest, settings, skip, workers))


@dataclass(frozen=True, slots=True)
class _Job:
    """What a worker needs to find its share of the input."""

    paths: tuple[Path, ...]
    manifest: Path | None
    settings: Settings
    skip: int
    workers: int


def _in_workers(job: _Job) -> Iterator[Result]:
    workers = [Helper(_work, (job, k), f"ketenlink-parser-{k}", ParserFailed, _AHEAD)
               for k in range(job.workers)]
    try:
        k = 0
        while (message := workers[k].receive())[0] == "batch":
            yield from message[1]
            k = (k + 1) % job.workers
    finally:
        for w in workers:
            w.stop()


def _work(job: _Job, k: int, outbox: Any) -> None:
    """Worker process k: plan everything, parse batches k, k + workers, …, then "end"."""
    codec.register()  # records travel pickled, the fast way
    parse = Parser(job.settings)
    todo = islice(units(job.paths, job.manifest, job.settings.max_bytes), job.skip, None)
    b = 0
    while batch := list(islice(todo, _BATCH)):
        if b % job.workers == k:
            outbox.put(("batch", list(map(parse, batch))))
        b += 1
    outbox.put(("end", None))
