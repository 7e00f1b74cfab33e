"""The known answers: an alert tracker that follows the archive as the engine will read it,
and sorted JSON Lines files written with bounded memory.

The tracker applies product.md §4 "Precise semantics": for each message in arrival order
its effects are applied first, then the clock advances to max(received) − allowed lateness;
a missing alert is raised once the clock date passes its due date (clock > due), and
resolved when its partner arrives later; at the end the clock advances to the last received
date. Alerts whose due date lies before alerts_from (first received + 30 days) are never
raised. The outcome is certain because every effect was planned with the message.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from streams.testing import werkdagen as wd
from streams.testing.plan import Await, Effect, Late, Rejected, Settle, Withdrawn

ALLOWED_LATENESS = timedelta(days=2)  # product.md §4 default for replay
ALERTS_FROM = timedelta(days=30)
COVERED_RULES = ("retour_missing", "retour_late", "retour_rejected", "request_unanswered",
                 "request_answered_late", "request_undecided", "start_missing", "start_late",
                 "stop_late", "unlinked")


class SortedJsonl:
    """Lines sorted bytewise (records start with their sort field, whose values use no
    character below '#', so bytewise order is field order); spills sorted runs to
    temporary files and merges them at the end."""

    def __init__(self, path: Path, run: int = 200_000) -> None:
        self.path = path
        self.run = run
        self._lines: list[bytes] = []
        self._runs: list[Path] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="ketenlink-gen-")
        self.count = 0

    def add(self, record: dict[str, Any]) -> None:
        self._lines.append(orjson.dumps(record) + b"\n")
        self.count += 1
        if len(self._lines) >= self.run:
            self._spill()

    def _spill(self) -> None:
        run = Path(self._tmp.name) / f"run{len(self._runs)}"
        run.write_bytes(b"".join(sorted(self._lines)))
        self._runs.append(run)
        self._lines = []

    def close(self) -> None:
        self._lines.sort()
        with ExitStack() as stack, self.path.open("wb") as out:
            files: list[IO[bytes]] = [stack.enter_context(r.open("rb")) for r in self._runs]
            out.writelines(heapq.merge(iter(self._lines), *files))
        self._tmp.cleanup()


class AlertTracker:
    """Follows the archive in arrival order and writes the alerts the engine must hold."""

    def __init__(self, out: SortedJsonl) -> None:
        self.out = out
        self.alerts_from: date | None = None
        self.max_received: date | None = None
        self._awaited: dict[tuple[str, str], date] = {}
        self._settled_early: set[tuple[str, str]] = set()
        self._late: dict[tuple[str, str], date] = {}  # raised *_late alerts → due
        self.counts: dict[str, int] = {}

    @property
    def clock(self) -> date:
        assert self.max_received is not None
        return self.max_received - ALLOWED_LATENESS

    def message(self, received: date, effects: list[Effect]) -> None:
        """One good file: apply its effects, then advance the clock."""
        if self.alerts_from is None:
            self.alerts_from = received + ALERTS_FROM
            self.max_received = received
        for effect in effects:
            self._apply(effect)
        self.max_received = max(self.max_received or received, received)

    def _apply(self, e: Effect) -> None:
        if isinstance(e, Await):
            if (e.rule, e.subject) in self._settled_early:
                self._settled_early.discard((e.rule, e.subject))  # partner came first
            else:
                self._awaited.setdefault((e.rule, e.subject), e.due)
        elif isinstance(e, Settle):
            due = self._awaited.pop((e.rule, e.subject), None)
            if due is None:
                self._settled_early.add((e.rule, e.subject))
            elif self._raises(due, self.clock):
                self._write(e.rule, e.subject, due, "resolved")
        elif isinstance(e, Late):
            if self._counts(e.due) and e.received > e.due:
                self._write(e.rule, e.subject, e.due, "raised",
                            late_werkdagen=wd.werkdagen_between(e.due, e.received))
                self._late[(e.rule, e.subject)] = e.due
        elif isinstance(e, Withdrawn):
            due = self._late.pop((e.rule, e.subject), None)
            if due is not None:  # written after "raised": the same due, so it sorts after
                self._write(e.rule, e.subject, due, "resolved")
        elif isinstance(e, Rejected) and self._counts(e.received):
            self._write("retour_rejected", e.subject, e.received, "raised", codes=list(e.codes))

    def _counts(self, due: date) -> bool:
        assert self.alerts_from is not None
        return due >= self.alerts_from

    def _raises(self, due: date, clock: date) -> bool:
        return self._counts(due) and clock > due

    def _write(self, rule: str, subject: str, due: date, status: str, **extra: Any) -> None:
        self.out.add({"rule": rule, "subject": subject, "due": due.isoformat(),
                      "status": status, **extra})
        self.counts[f"{rule}:{status}"] = self.counts.get(f"{rule}:{status}", 0) + 1

    def finish(self) -> None:
        """End of replay: the clock advances to the last received date."""
        if self.max_received is None:
            return
        for (rule, subject), due in sorted(self._awaited.items()):
            if self._raises(due, self.max_received):
                self._write(rule, subject, due, "raised")
        self._awaited.clear()


def lines_of(path: Path) -> Iterator[dict[str, Any]]:
    """Reads a JSON Lines file (tests and tools)."""
    with path.open("rb") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)
