"""Parsed inputs in arrival order, parsed here or in worker processes.

Parsing is pure and per message, so it spreads over processes; the engine needs the
records in order, so results come back in submission order, with a bounded number of
batches in flight (memory stays bounded however long the archive is).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult
from pathlib import Path

from streams.replay.source import Parser, Result, Unit, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_parser: Parser | None = None  # one per worker process, built by _start


def parsed_inputs(paths: tuple[Path, ...], manifest: Path | None, settings: Settings,
                  skip: int = 0, workers: int = 0) -> Iterator[Result]:
    """Every input after the first `skip`, parsed, in arrival order."""
    todo = islice(units(paths, manifest, settings.max_bytes), skip, None)
    if workers <= 0:
        yield from map(Parser(settings), todo)
    else:
        yield from _in_workers(todo, settings, workers)


def _in_workers(todo: Iterator[Unit], settings: Settings, workers: int) -> Iterator[Result]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding RocksDB
    with ctx.Pool(workers, initializer=_start, initargs=(settings,)) as pool:
        pending: deque[AsyncResult[list[Result]]] = deque()
        while batch := list(islice(todo, _BATCH)):
            pending.append(pool.apply_async(_parse_batch, (batch,)))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def _start(settings: Settings) -> None:
    codec.register()  # records travel back pickled, the fast way
    global _parser  # noqa: PLW0603 - the worker process's own parser
    _parser = Parser(settings)


def _parse_batch(batch: list[Unit]) -> list[Result]:
    assert _parser is not None
    return list(map(_parser, batch))
