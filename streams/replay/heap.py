"""Housekeeping for the processes of a long batch run.

Garbage collection: the engine and the parsers allocate many short-lived container
objects (records, events, decoded chains), while the process holds a large, bounded cache
of decoded chains. With CPython's default gen-0 threshold (700 allocations) a young
collection runs every message or two, and every older collection walks the whole cache:
measured, a fifth of a replay's time. The work makes no reference cycles
(tests/unit/test_heap.py), so collections are made rare, not switched off: a cycle that
does form is still collected.

Helper processes (parsers, the output pass's second half) are spawned, report on their
own queue, hand a failure back as its traceback, and end with the process that started
them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

YOUNG = 1_000_000  # container allocations between young collections (CPython: 700)
WAIT = 1.0  # seconds between checks that the other process is still alive


def relax() -> None:
    """Freeze what is alive now (modules, settings, calendars: never garbage) out of the
    collector's sight, and collect rarely."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 50, 100)


def exit_with_parent(every: float = WAIT) -> None:
    """In a helper process: exit as soon as the process that started it is gone (a replay
    killed with SIGKILL resumes later from its checkpoint). Whatever the helper waits for
    then never comes (a batch half written into its queue, say), so it leaves at once,
    flushing nothing."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


class HelperFailed(RuntimeError):
    """A helper process died or raised: a bug or a crash, never bad input (input errors
    are failure records)."""


class Helper:
    """A helper process running `target(*args, outbox)`, which sends (kind, value)
    messages on its own queue. Spawned, not forked: this process holds RocksDB."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], name: str,
                 failed: type[HelperFailed] = HelperFailed, queue_size: int = 0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.failed = failed
        self.outbox: Any = ctx.Queue(queue_size)
        self.proc = ctx.Process(target=_run, args=(target, args, self.outbox), daemon=True,
                                name=name)
        self.proc.start()

    def receive(self) -> tuple[str, Any]:
        """The next message; a failure of the helper raises `failed` with its reason."""
        while True:
            try:
                kind, value = self.outbox.get(timeout=WAIT)
            except queue.Empty:
                if not self.proc.is_alive():
                    raise self.failed(
                        f"{self.proc.name} died (exit code {self.proc.exitcode})") from None
                continue
            if kind == "error":
                raise self.failed(f"{self.proc.name} failed:\n{value}")
            return kind, value

    def stop(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.outbox.close()
        self.outbox.cancel_join_thread()


def _run(target: Callable[..., None], args: tuple[Any, ...], outbox: Any) -> None:
    exit_with_parent()
    relax()
    try:
        target(*args, outbox)
    except Exception:  # reported to the process that started this one, which stops
        outbox.put(("error", traceback.format_exc()))
