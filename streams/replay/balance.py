"""How much of the parsing the engine's process takes over from its parser workers.

The replay runs on as many cores as it has processes, so it goes as fast as its busiest
process. Which one that is changes during a run: with little state the engine outruns
its parser; later the engine, with more state to read and write, is the slower one. A
worker therefore sends a share of its batches unparsed, and the engine's process parses
those itself. The share is set so that both spend the same CPU time per batch, from what
each measures of itself (CPU time, so that waiting for the other does not count):

    worker:  (1 - x) * parse_w + x * plan_w     per batch of its own
    engine:  n * (work + x * parse_e)           per n batches, one from each of n workers

x = (parse_w - n * work) / (parse_w - plan_w + n * parse_e), kept within [0, 1].
"""

from __future__ import annotations

import multiprocessing
from typing import Any

ALPHA = 0.05  # weight of the newest batch in the running means (about the last 20)
# The engine's work per batch over about the last 400 batches (~100,000 inputs, the
# replay's checkpoint interval): a checkpoint is ~2 s of that process's time once per
# ~400 batches, and a shorter mean forgets it between checkpoints, so the engine's
# process looked idler than it was and took over parsing it had no time for.
WORK_ALPHA = 0.0025


class Balance:
    """The share `x` of its batches a worker sends unparsed, in shared memory (`share`,
    read by the workers before each batch), kept by the engine's process."""

    def __init__(self, workers: int, fixed: float | None = None) -> None:
        self.share: Any = multiprocessing.get_context("spawn").RawValue("d", fixed or 0.0)
        self.workers = workers
        self.fixed = fixed  # tests: a share that does not move
        self.parse_w: float | None = None  # a worker's CPU seconds per batch it parses
        self.plan_w: float | None = None  # … per batch it sends unparsed (planning only)
        self.work: float | None = None  # the engine's CPU seconds per batch applied
        self.parse_e: float | None = None  # … per batch it parses itself

    def observe(self, parsed_by_worker: bool, worker: float, work: float,
                parse_here: float) -> None:
        """One batch done: the worker's CPU seconds on it, and the engine's (its work on
        the batch, and its parsing of it if the worker sent it unparsed)."""
        if parsed_by_worker:
            self.parse_w = _mean(self.parse_w, worker)
        else:
            self.plan_w = _mean(self.plan_w, worker)
            self.parse_e = _mean(self.parse_e, parse_here)
        self.work = _mean(self.work, work, WORK_ALPHA)
        if self.fixed is None and self.parse_w is not None:
            self.share.value = self._balanced(self.parse_w, self.work)

    def _balanced(self, parse_w: float, work: float) -> float:
        n = self.workers
        parse_e = parse_w if self.parse_e is None else self.parse_e  # not measured yet
        plan_w = self.plan_w or 0.0
        span = parse_w - plan_w + n * parse_e
        if span <= 0:
            return 0.0
        return min(1.0, max(0.0, (parse_w - n * work) / span))


def _mean(old: float | None, new: float, alpha: float = ALPHA) -> float:
    return new if old is None else old + alpha * (new - old)
