"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order. This process plans the archive (names and offsets, in arrival order)
and hands batches of it round-robin to the workers, each through its own queue; the
parsed batches come back through one queue per worker and are taken in the same
round-robin, so they arrive in order. A bounded number of batches is in flight, so
memory stays bounded however long the archive is.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections import deque
from collections.abc import Iterator
from itertools import islice
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from streams.archive import Item, Ref
from streams.replay import heap
from streams.replay.source import JsonLine, Parser, Result, Unit, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_AHEAD = 16  # batches in flight per worker
_WAIT = 1.0  # seconds between checks that the other side is still alive
_ERROR = "error"

codec.fast_pickling(Ref, Item, JsonLine)  # units travel to the workers


class ParserFailed(RuntimeError):
    """A parser process died or raised: a bug or a crash, never bad input (input errors
    are failure records)."""


def parsed_inputs(paths: tuple[Path, ...], manifest: Path | None, settings: Settings,
                  skip: int = 0, workers: int = 0) -> Iterator[Result]:
    """Every input after the first `skip`, parsed, in arrival order."""
    todo = islice(units(paths, manifest, settings.max_bytes), skip, None)
    if workers <= 0:
        yield from map(Parser(settings), todo)
    else:
        yield from _in_workers(todo, settings, workers)


class _Worker:
    """One parser process, with its queue in and its queue out."""

    def __init__(self, ctx: Any, settings: Settings, k: int) -> None:
        self.inbox = ctx.Queue()  # never holds more than _AHEAD: see _in_workers
        self.outbox = ctx.Queue(_AHEAD)
        self.proc: BaseProcess = ctx.Process(
            target=_work, args=(settings, self.inbox, self.outbox), daemon=True,
            name=f"ketenlink-parser-{k}")
        self.proc.start()

    def receive(self) -> list[Result]:
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
            return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.join()
        for q in (self.inbox, self.outbox):
            q.close()
            q.cancel_join_thread()


def _in_workers(todo: Iterator[Unit], settings: Settings, n: int) -> Iterator[Result]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding RocksDB
    workers = [_Worker(ctx, settings, k) for k in range(n)]
    in_flight: deque[_Worker] = deque()  # who parses each batch sent, in order
    try:
        k, more = 0, True
        while True:
            while more and len(in_flight) < _AHEAD * n:
                batch = list(islice(todo, _BATCH))
                more = bool(batch)
                if more:
                    workers[k].inbox.put(batch)
                    in_flight.append(workers[k])
                    k = (k + 1) % n
            if not in_flight:
                return
            yield from in_flight.popleft().receive()
    finally:
        for w in workers:
            w.stop()


def _work(settings: Settings, inbox: Any, outbox: Any) -> None:
    """A worker process: batches of units in, parsed batches out, until it is stopped."""
    heap.exit_with_parent(_WAIT)
    heap.relax()
    codec.register()  # records travel back pickled, the fast way
    try:
        parse = Parser(settings)
        while True:
            outbox.put(("batch", list(map(parse, inbox.get()))))
    except Exception:  # reported to the engine's process, which stops
        outbox.put((_ERROR, traceback.format_exc()))

