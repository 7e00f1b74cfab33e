"""The end of a replay: the final state becomes the output files (product.md §6).

links.jsonl, trajectories.jsonl and process_times.jsonl are final state, one record per
unit/trajectory/step, sorted by key; alerts.jsonl is the stream of alert events in order.
`trajectory_id` everywhere is the id after merges, looked up in the final state. Sorting
and joining go through a scratch RocksDB, by merges over sorted key ranges rather than
random lookups, so the pass stays fast and its memory bounded however large the archive.

The pass runs in two processes, both reading the final state: this one indexes the chains
(links, merges) and writes everything that needs them; a second one, at the same time,
writes process_times.jsonl, lists every heenbericht's retour (which this one then joins to
its trajectory), and writes trajectories.jsonl, which needs the chains only. The retour
times come from the heenberichten's records in the same pass as the list (the engine
keeps them there, not under `t/`), merged in key order with the other steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from streams.core.alerts import REFRESHED
from streams.core.events import Alert, StepMeasured
from streams.core.outputs import link_record, step_record, trajectory_record
from streams.core.retours import Heen, retour_link, retour_step
from streams.core.trajectories import trajectory_for
from streams.core.werkdagen import Calendar
from streams.replay.figures import Figures
from streams.replay.heap import Helper, HelperFailed
from streams.replay.report import write_report
from streams.state.rocks import RocksStore
from streams.state.scratch import Scratch

if TYPE_CHECKING:
    from streams.replay.run import RunMeta

_RETOUR_TIMES = "t/retour_time|"  # where the retour times sort among the steps
_AFTER_RETOUR_TIMES = "t/retour_time}"  # "}" follows "|": the first key after them
FILES = ("links.jsonl", "trajectories.jsonl", "alerts.jsonl", "process_times.jsonl",
         "rejects.jsonl", "summary.json", "report.html")


class OutputPassFailed(HelperFailed):
    """The second process of the output pass died or raised (a bug, never input)."""


def write_outputs(db: Path, state: Path, out: Path, meta: RunMeta, calendar: Calendar
                  ) -> dict[str, Any]:
    """The output files from the final state in `db` (closed for writing: read here and in
    the second process at once). `calendar`: the run's, for the retour times."""
    out.mkdir(parents=True, exist_ok=True)
    side = Helper(_side_pass, (db, state, out, meta, calendar), "ketenlink-output-pass",
                  OutputPassFailed)
    store = RocksStore(db, read_only=True)
    try:
        with Scratch(state / "finish") as scratch:
            final = _Final(store, scratch, Figures(meta))
            final.index_chains()
            _write(out / "alerts.jsonl", final.alerts(state / "alerts.part"))
            final.figures.take_steps(side.receive()[1])  # with its retours written
            final.index_retours(_lines(state / "retours.part"))
            _write(out / "links.jsonl", _sorted_lines(scratch, "L/"))
        (state / "retours.part").unlink(missing_ok=True)
        final.figures.trajectories = side.receive()[1]
        _write(out / "rejects.jsonl", _lines(state / "rejects.part"))
        clock = store.get("clock")
    finally:
        side.stop()
        store.close()
    summary = final.figures.summary(clock.today if clock else None)
    _write(out / "summary.json", iter([orjson.dumps(
        summary, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)]))
    write_report(out / "report.html", final.figures)
    return summary


def _side_pass(db: Path, state: Path, out: Path, meta: RunMeta, calendar: Calendar,
               outbox: Any) -> None:
    """The second process: process_times.jsonl and the retours of every heenbericht, then
    trajectories.jsonl."""
    store = RocksStore(db, read_only=True)
    figures = Figures(meta)
    with (state / "retours.part").open("wb") as retours:
        _write(out / "process_times.jsonl", _steps(store, figures, calendar, retours))
    outbox.put(("figures", figures))
    with Scratch(state / "finish-trajectories") as scratch:
        for _, chain in store.scan("c/"):
            for t in chain.trajectories:
                record = trajectory_record(chain, t)
                figures.trajectory(record)
                scratch.put(t.id, orjson.dumps(record))
        _write(out / "trajectories.jsonl", _sorted_lines(scratch, ""))
    store.close()
    outbox.put(("trajectories", figures.trajectories))


def _steps(store: RocksStore, figures: Figures, calendar: Calendar, retours: BinaryIO
           ) -> Iterator[bytes]:
    """Every step in key order: those kept under `t/`, and the retour times in their
    place (`t/retour_time|…`, none of which is kept), which come from the heenberichten
    (listed in `retours` on the way)."""
    before = itertools.takewhile(lambda entry: entry[0] < _RETOUR_TIMES, store.scan("t/"))
    after = store.scan("t/", _AFTER_RETOUR_TIMES)
    for _, step in itertools.chain(before, _retour_steps(store, calendar, retours), after):
        record = step_record(step)
        figures.step(record)
        yield orjson.dumps(record) + b"\n"


def _retour_steps(store: RocksStore, calendar: Calendar, retours: BinaryIO
                  ) -> Iterator[tuple[str, StepMeasured]]:
    """(its key, had it been kept) → retour_time, for every heenbericht with a retour, in
    heen key order (str order is the stored keys' byte order); and `heen key TAB retour
    key` of each written to `retours`."""
    heen: Heen
    for _, heen in store.scan("h/"):
        if heen.retour is not None:
            retours.write(f"{heen.key}\t{heen.retour.key}\n".encode())
            yield f"{_RETOUR_TIMES}{heen.key}", retour_step(calendar, heen, heen.retour)


class _Final:
    def __init__(self, store: RocksStore, scratch: Scratch, figures: Figures) -> None:
        self.store = store
        self.scratch = scratch
        self.figures = figures

    def index_chains(self) -> None:
        """Links of every chain, merged ids, and X/: subject → trajectory for every unit,
        toewijzing and message (a message: its first line's, §3)."""
        for _, chain in self.store.scan("c/"):
            for unit, link in chain.links.items():
                tid = trajectory_for(chain, unit)
                self._put(f"L/{unit}", link_record(link, tid))
                self.figures.link(link)
                if link.kind == "message" and tid is not None:
                    self.scratch.put(f"X/{unit}\x00", tid.encode())
            for key, tid in chain.trajectory_of.items():
                self.scratch.put(f"X/{key}\x00", tid.encode())
                message_key, hash_, n = key.rpartition("#")
                if hash_ and n.isdigit():
                    self.scratch.put(f"X/{message_key}\x00{int(n):06d}", tid.encode())
            for t in chain.trajectories:
                for old in t.merged:
                    self.scratch.put(f"M/{old}", t.id.encode())

    def subjects(self) -> Iterator[tuple[str, str]]:
        """(subject, trajectory id) in subject order: the first entry of each subject
        (\x00 sorts before every other byte, so key order is subject order)."""
        last = None
        for key, tid in self.scratch.items("X/"):
            subject = key.partition("\x00")[0]
            if subject != last:
                last = subject
                yield subject, tid.decode()

    def index_retours(self, pairs: Iterator[bytes]) -> None:
        """Retour links (`heen key TAB retour key`, in heen key order), joined to their
        heenbericht's trajectory by a merge over both sorted key ranges."""
        join = _Join(self.subjects())
        for line in pairs:
            heen_key, _, retour_key = line.decode().rstrip("\n").partition("\t")
            link = retour_link(heen_key, retour_key)
            self._put(f"L/{link.unit}", link_record(link, join.find(heen_key)))
            self.figures.link(link)

    def alerts(self, part: Path) -> Iterator[bytes]:
        """alerts.jsonl in event order, each with the trajectory of its subject in the final
        state (else its own id, mapped through the merges). Alerts are few (one per ~15
        inputs), so each subject is looked up in the index rather than merged with it."""
        refreshed = {key[len(REFRESHED):] for key, _ in self.store.scan(REFRESHED)}
        for line in _lines(part):
            a = orjson.loads(line)
            a["trajectory_id"] = self._subject(a["subject"]) or self._merged(a["trajectory_id"])
            if a["alert_id"] in refreshed:
                self._refreshed(a)
            self.figures.alert(a)
            yield orjson.dumps(a) + b"\n"

    def _refreshed(self, a: dict[str, Any]) -> None:
        """An alert brought up to date while open (Alerts._refresh): its last raised record
        gets the due date, lateness and codes it ended with."""
        final: Alert | None = self.store.get(f"a/{a['alert_id']}")
        last_raise = final is not None and a["raised"] == final.raised.isoformat()
        if final is not None and last_raise and a["status"] == "raised":
            a.update(due=final.due.isoformat() if final.due else None,
                     late_werkdagen=final.late_werkdagen, codes=list(final.codes))

    def _subject(self, subject: str) -> str | None:
        """The trajectory of `subject`: its first entry in the index, as `subjects` gives."""
        tid = self.scratch.get(f"X/{subject}\x00")  # a unit's own entry sorts first
        if tid is None:  # else a message's first line
            tid = next((t for _, t in self.scratch.items(f"X/{subject}\x00")), None)
        return None if tid is None else tid.decode()

    def _merged(self, tid: str | None) -> str | None:
        while tid is not None:
            survivor = self.scratch.get(f"M/{tid}")
            if survivor is None:
                return tid
            tid = survivor.decode()
        return None

    def _put(self, key: str, record: dict[str, Any]) -> None:
        self.scratch.put(key, orjson.dumps(record))


def _sorted_lines(scratch: Scratch, prefix: str) -> Iterator[bytes]:
    """The values under `prefix`, one line each, in key order."""
    for _, value in scratch.items(prefix):
        yield value + b"\n"


def _lines(path: Path) -> Iterator[bytes]:
    if not path.exists():
        return
    with path.open("rb") as f:
        yield from f


def _write(path: Path, chunks: Iterator[bytes]) -> None:
    """Write beside the target, then rename: a file is either whole or absent."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        for chunk in chunks:
            f.write(chunk)
    tmp.replace(path)


class _Join:
    """Looks keys up in a sorted (key, value) stream, for keys asked in ascending order."""

    def __init__(self, items: Iterator[tuple[str, str]]) -> None:
        self.items = items
        self.head = next(items, None)

    def find(self, key: str) -> str | None:
        while self.head is not None and self.head[0] < key:
            self.head = next(self.items, None)
        return self.head[1] if self.head is not None and self.head[0] == key else None
