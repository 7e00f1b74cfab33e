"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order. Each worker process plans the archive itself (names and offsets, in
arrival order) and reads and parses every n-th batch of it; this process takes the
batches round-robin, so they come back in arrival order. The process that runs the
engine, the busiest one, then does no planning and sends nothing: it only receives. Each
worker has a short queue, so memory stays bounded however long the archive is.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from streams.replay import heap
from streams.replay.source import Parser, Result, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_AHEAD = 16  # batches a worker may have parsed ahead of the engine
_WAIT = 1.0  # seconds between checks that the other side is still alive
_END = "end"
_ERROR = "error"


class ParserFailed(RuntimeError):
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


class _Job:
    """What a worker needs to find its share of the input (picklable)."""

    def __init__(self, paths: tuple[Path, ...], manifest: Path | None, settings: Settings,
                 skip: int, workers: int) -> None:
        self.paths = paths
        self.manifest = manifest
        self.settings = settings
        self.skip = skip
        self.workers = workers


class _Worker:
    """One parser process and the queue it fills."""

    def __init__(self, ctx: Any, job: _Job, k: int) -> None:
        self.outbox = ctx.Queue(_AHEAD)
        self.proc = ctx.Process(target=_work, args=(job, k, self.outbox), daemon=True,
                                name=f"ketenlink-parser-{k}")
        self.proc.start()

    def receive(self) -> list[Result] | None:
        """The next parsed batch; None when this worker's share (so the input) has ended."""
        while True:
            try:
                kind, value = self.outbox.get(timeout=_WAIT)
            except queue.Empty:
                if not self.proc.is_alive():
                    raise ParserFailed(
                        f"{self.proc.name} died (exit code {self.proc.exitcode})") from None
                continue
            if kind == _ERROR:
                raise ParserFailed(f"{self.proc.name} failed:\n{value}")
            return None if kind == _END else value

    def stop(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.outbox.close()
        self.outbox.cancel_join_thread()


def _in_workers(job: _Job) -> Iterator[Result]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding RocksDB
    workers = [_Worker(ctx, job, k) for k in range(job.workers)]
    try:
        k = 0
        while (batch := workers[k].receive()) is not None:
            yield from batch
            k = (k + 1) % job.workers
    finally:
        for w in workers:
            w.stop()


def _work(job: _Job, k: int, outbox: Any) -> None:
    """Worker process k: plan everything, parse batches k, k + workers, …"""
    heap.exit_with_parent(_WAIT)
    heap.relax()
    codec.register()  # records travel pickled, the fast way
    try:
        parse = Parser(job.settings)
        todo = islice(units(job.paths, job.manifest, job.settings.max_bytes), job.skip, None)
        b = 0
        while batch := list(islice(todo, _BATCH)):
            if b % job.workers == k:
                outbox.put(("batch", list(map(parse, batch))))
            b += 1
        outbox.put((_END, None))
    except Exception:  # reported to the engine's process, which stops
        outbox.put((_ERROR, traceback.format_exc()))
