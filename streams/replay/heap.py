"""Garbage collection tuned for a long batch run.

The engine and the parsers allocate many short-lived container objects (records, events,
decoded chains), while the process holds a large, bounded cache of decoded chains. With
CPython's default gen-0 threshold (700 allocations) a young collection runs every message
or two, and every older collection walks the whole cache: measured, a fifth of a replay's
time. The work makes few reference cycles, so collections are made rare, not switched
off: a cycle that does form is still collected.
"""

from __future__ import annotations

import gc

YOUNG = 100_000  # container allocations between young collections (CPython: 700)


def relax() -> None:
    """Freeze what is alive now (modules, settings, calendars: never garbage) out of the
    collector's sight, and collect rarely."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 50, 100)
