"""`ketenlink replay`: the core over archives, with RocksDB state (product.md §7).

Each input is applied, then the clock advances to the event-time watermark (product.md §4).
Every `checkpoint_every` inputs the engine state, the position in the input and the sizes of
the streamed files are committed in one RocksDB batch; a run killed at any moment resumes
from its last checkpoint, truncating what was written after it, and so writes exactly what
an uninterrupted run writes. At the end the final state becomes the output files.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from streams.archive import directory_identity, is_message_name
from streams.core.config import Terms
from streams.core.engine import Engine
from streams.core.events import (
    Alert,
    Event,
    StepMeasured,
    StepWithdrawn,
    TrajectoryUpdated,
    UnitLinked,
    UnitUnlinked,
)
from streams.core.frozen import record
from streams.core.model import Failure, Message, Parsed
from streams.core.outputs import alert_record, engine_failure, failure_record
from streams.replay import heap
from streams.replay.finish import FILES, write_outputs
from streams.replay.parallel import parsed_inputs
from streams.replay.progress import Progress
from streams.settings import Settings
from streams.state import codec
from streams.state.rocks import RocksDueIndex, RocksStore

META = "meta/run"
# What the state's keys mean beyond the codec's layout: a state written under another
# meaning is refused (StateMismatch) rather than resumed. 2: retour_time is no longer
# kept under t/ (the heenberichten's records hold it).
STATE_VERSION = 2
REPLAY_BLOCK_CACHE_MIB = 256


class StateMismatch(RuntimeError):
    """The state directory belongs to a run over other inputs or settings."""


class StateInUse(StateMismatch):
    """Another replay holds the state directory."""


def hold_state(state: Path) -> int:
    """One replay per state directory: an exclusive lock on `{state}.lock`, beside it so
    that --fresh can remove the directory, held while this process lives."""
    state.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(state.with_name(f"{state.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StateInUse(f"{state} is in use by another replay; wait for it to finish, or "
                         "choose another --state directory") from None
    return fd


@record
class ReplayOptions:
    paths: tuple[Path, ...]
    out: Path
    state: Path
    manifest: Path | None = None
    terms: Terms = field(default_factory=Terms)
    checkpoint_every: int = 100_000
    workers: int = 1  # parser processes besides this one (0: parse here)
    progress: bool = False
    fresh: bool = False
    kill_after: int | None = None  # tests: SIGKILL itself after this many inputs


@dataclass(slots=True)
class RunMeta:
    """What a checkpoint records besides the engine state."""

    fingerprint: str
    position: int = 0  # inputs fully applied
    alerts_bytes: int = 0
    rejects_bytes: int = 0
    messages: Counter[str] = field(default_factory=Counter)  # "jw 301 3.0" → n
    rejects: Counter[str] = field(default_factory=Counter)
    links_made: int = 0
    first_received: date | None = None
    last_received: date | None = None
    done: bool = False


def fingerprint(opts: ReplayOptions, settings: Settings) -> str:
    """Inputs (path, size, mtime), terms and key: a state directory serves one run."""
    parts: list[object] = [opts.terms, settings.zone,
                           hashlib.sha256(settings.hmac_key).hexdigest(), codec.layout(),
                           STATE_VERSION]
    ours = {opts.out.resolve(), opts.state.resolve()}  # may lie inside an archive
    for p in (*opts.paths, *([opts.manifest] if opts.manifest else [])):
        if p.is_dir():  # by what it holds: its mtime changes when --out is made inside
            parts += [p.resolve().as_posix(), *_tree(p, ours)]
        else:
            parts.append(_stamp(p))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _stamp(p: Path) -> tuple[str, int, int]:
    stat = p.stat()
    return p.resolve().as_posix(), stat.st_size, stat.st_mtime_ns


def _tree(root: Path, skip: set[Path]) -> Iterator[object]:
    """What a directory archive holds below its root: the names of its messages (a message
    added or removed anywhere), and its manifest's size and mtime (an edit in place). Names
    only, no stat per file. (A file rewritten in place under its name does not show: after
    that, use --fresh.) `skip`: this run's own output and state directories."""
    manifest = root / "manifest.jsonl"
    if manifest.is_file():
        yield _stamp(manifest)
    names = hashlib.sha256()
    # as the archive is read: links followed, never into a directory the path passed
    above = {root.as_posix(): frozenset({directory_identity(root)})}
    for parent, dirs, files in os.walk(root, followlinks=True):
        path = Path(parent)
        passed = above.pop(path.as_posix())
        keep = []
        for d in sorted(dirs):
            child = path / d
            if child.resolve() in skip or (found := directory_identity(child)) in passed:
                continue
            keep.append(d)
            above[child.as_posix()] = passed | {found}
        dirs[:] = keep
        names.update(os.fsencode(os.path.relpath(parent, root)) + b"/\0")
        for name in sorted(f for f in files if is_message_name(f)):
            names.update(os.fsencode(name) + b"\0")
    yield names.hexdigest()


class Replay:
    def __init__(self, settings: Settings, opts: ReplayOptions) -> None:
        self.settings = settings
        self.opts = opts
        self._lock = hold_state(opts.state)  # before --fresh removes anything
        if opts.fresh and opts.state.exists():
            shutil.rmtree(opts.state)
        # The engine's reads miss its own cache more and more as the state grows (1M
        # inputs: ~230 MB of tables): with a 64 MiB block cache a chain read took 120 µs
        # by 400k inputs, with 256 MiB 20 µs (and a read of an absent key 11 → 6 µs).
        self.store = RocksStore(opts.state / "db", block_cache_mib=REPLAY_BLOCK_CACHE_MIB)
        self.engine = Engine(self.store, RocksDueIndex(self.store), terms=opts.terms)
        self.meta = self._resume(fingerprint(opts, settings))
        for name in FILES:  # an earlier run's files must not pass for this run's
            (opts.out / name).unlink(missing_ok=True)
        self.alerts = _reopen(opts.state / "alerts.part", self.meta.alerts_bytes)
        self.rejects = _reopen(opts.state / "rejects.part", self.meta.rejects_bytes)
        self._routes: dict[type, Callable[[Any], None]] = {
            Alert: self._alert, UnitLinked: self._linked, UnitUnlinked: _ignore,
            # final state at the end:
            StepMeasured: _ignore, StepWithdrawn: _ignore, TrajectoryUpdated: _ignore,
        }

    def _resume(self, fp: str) -> RunMeta:
        meta: RunMeta | None = self.store.get(META)
        if meta is None:
            return RunMeta(fp)
        if meta.fingerprint != fp:
            raise StateMismatch(
                f"{self.opts.state} holds the state of a run over other inputs or settings; "
                "pass --fresh to start over, or choose another --state directory")
        return meta

    def run(self) -> dict[str, Any]:
        heap.relax()
        started = time.monotonic()
        resumed_at = self.meta.position
        with Progress(self.opts.progress, resumed_at) as progress:
            if not self.meta.done:
                self._consume(progress)
        seconds = time.monotonic() - started
        self._close()  # the output pass reads the final state in two processes
        summary = write_outputs(self.opts.state / "db", self.opts.state, self.opts.out,
                                self.meta, self.engine.calendar)
        run = {"inputs": self.meta.position, "resumed_at": resumed_at,
               "seconds": round(seconds, 3),
               "inputs_per_second": round((self.meta.position - resumed_at) / seconds, 1)
               if seconds > 0 else None}
        (self.opts.state / "run.json").write_bytes(orjson.dumps(run, option=orjson.OPT_INDENT_2))
        return {**summary, "run": run}

    def _consume(self, progress: Progress) -> None:
        meta, opts = self.meta, self.opts
        inputs = parsed_inputs(opts.paths, opts.manifest, self.settings, meta.position,
                               opts.workers)
        for parsed, raw in inputs:
            self._apply(parsed, raw)
            meta.position += 1
            progress.advance(self.engine.clock)
            if meta.position % opts.checkpoint_every == 0:
                self._checkpoint()
            if opts.kill_after is not None and meta.position >= opts.kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
        self._route(self.engine.finish())
        meta.done = True
        self._checkpoint()

    def _apply(self, parsed: Parsed, raw: bytes | None) -> None:
        if isinstance(parsed, Failure):
            self._reject(parsed, raw)
            return
        meta = self.meta
        for m in parsed:
            if m.client_index == 0:  # a 2.x message gives a record per client: one message
                meta.messages[_type_of(m)] += 1
            meta.first_received = min(meta.first_received or m.received, m.received)
            meta.last_received = max(meta.last_received or m.received, m.received)
            try:
                events = self.engine.apply(m)
            except Exception as err:  # a bug must not stop the replay (product.md §8)
                self.store.forget_decoded()  # what it changed without a put: not kept
                self._reject(engine_failure(m.source, m.digest, m.received_at, err), raw)
                continue
            self._route(events)
        watermark = self.engine.watermark()
        if watermark is not None:
            self._route(self.engine.tick(watermark))

    def _route(self, events: list[Event]) -> None:
        for event in events:
            self._routes[type(event)](event)

    def _alert(self, alert: Alert) -> None:
        self.alerts.write(orjson.dumps(alert_record(alert, alert.trajectory_id)) + b"\n")

    def _linked(self, _: UnitLinked) -> None:
        self.meta.links_made += 1

    def _reject(self, f: Failure, raw: bytes | None) -> None:
        """rejects.jsonl: the failure record and the input as received, base64."""
        self.meta.rejects[f.reason] += 1
        record = {**failure_record(f),
                  "raw": base64.b64encode(raw).decode() if raw is not None else None}
        self.rejects.write(orjson.dumps(record) + b"\n")

    def _checkpoint(self) -> None:
        for f in (self.alerts, self.rejects):
            f.flush()
        self.meta.alerts_bytes = self.alerts.tell()
        self.meta.rejects_bytes = self.rejects.tell()
        self.store.commit({META: self.meta})

    def _close(self) -> None:
        self.alerts.close()
        self.rejects.close()
        self.store.close()


def _ignore(_: object) -> None:
    return None


def _type_of(m: Message) -> str:
    return f"{m.domain} {m.msg} {m.release}"


def _reopen(path: Path, size: int) -> BinaryIO:
    """Open a streamed file for appending at its last checkpointed size."""
    f = path.open("ab")
    f.truncate(size)
    f.seek(size)
    return f

