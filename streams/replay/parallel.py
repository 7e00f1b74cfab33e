"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order. Each worker process plans the archive itself (names and offsets, in
arrival order) and reads and parses every `workers`-th batch of it; this process takes
the batches round-robin, so they come back in arrival order. The process that runs the
engine then does no planning, sends nothing, and receives in its own thread: every CPU
cycle it has goes to the engine. Each worker has a short queue, so memory stays bounded
however long the archive is.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from collections.abc import Iterator
from itertools import islice
from multiprocessing.process import BaseProcess
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


def _in_workers(job: _Job) -> Iterator[Result]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding RocksDB
    queues: list[Any] = [ctx.Queue(_AHEAD) for _ in range(job.workers)]
    procs = [ctx.Process(target=_work, args=(job, k, q), daemon=True,
                         name=f"ketenlink-parser-{k}")
             for k, q in enumerate(queues)]
    for p in procs:
        p.start()
    try:
        k = 0
        while (batch := _next(queues[k], procs[k])) is not None:
            yield from batch
            k = (k + 1) % job.workers
    finally:
        for p in procs:
            p.kill()
            p.join()
        for q in queues:
            q.close()
            q.cancel_join_thread()


def _next(q: Any, proc: BaseProcess) -> list[Result] | None:
    """The worker's next batch; None when its share (and so the input) has ended."""
    while True:
        try:
            kind, value = q.get(timeout=_WAIT)
        except queue.Empty:
            if not proc.is_alive():
                raise ParserFailed(f"{proc.name} died (exit code {proc.exitcode})") from None
            continue
        if kind == _ERROR:
            raise ParserFailed(f"{proc.name} failed:\n{value}")
        return None if kind == _END else value


def _work(job: _Job, k: int, q: Any) -> None:
    """Worker process k: plan everything, parse batches k, k + workers, …"""
    heap.relax()
    codec.register()  # records travel pickled, the fast way
    parent = os.getppid()
    try:
        parse = Parser(job.settings)
        todo = islice(units(job.paths, job.manifest, job.settings.max_bytes), job.skip, None)
        b = 0
        while batch := list(islice(todo, _BATCH)):
            if b % job.workers == k:
                _put(q, ("batch", list(map(parse, batch))), parent)
            b += 1
        _put(q, (_END, None), parent)
    except _Orphaned:
        q.cancel_join_thread()  # nobody reads: exit without flushing the queue
    except Exception:  # reported to the engine's process, which stops
        try:
            _put(q, (_ERROR, traceback.format_exc()), parent)
        except _Orphaned:
            q.cancel_join_thread()


class _Orphaned(Exception):
    """The engine's process is gone (killed: a replay resumes later from its checkpoint),
    so nobody will read what this worker parses."""


def _put(q: Any, item: tuple[str, object], parent: int) -> None:
    while True:
        if os.getppid() != parent:
            raise _Orphaned
        try:
            q.put(item, timeout=_WAIT)
            return
        except queue.Full:
            continue
