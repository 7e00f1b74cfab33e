"""Housekeeping for the processes of a long batch run.

Garbage collection: the engine and the parsers allocate many short-lived container
objects (records, events, decoded chains), while the process holds a large, bounded cache
of decoded chains. With CPython's default gen-0 threshold (700 allocations) a young
collection runs every message or two, and every older collection walks the whole cache:
measured, a fifth of a replay's time. The work makes few reference cycles, so collections
are made rare, not switched off: a cycle that does form is still collected.

Helper processes (parsers, the output pass's second half) end with the process that
started them.
"""

from __future__ import annotations

import gc
import os
import threading
import time

YOUNG = 100_000  # container allocations between young collections (CPython: 700)


def relax() -> None:
    """Freeze what is alive now (modules, settings, calendars: never garbage) out of the
    collector's sight, and collect rarely."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 50, 100)


def exit_with_parent(every: float = 1.0) -> None:
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
