"""The end of a replay: the final state becomes the output files (product.md §6).

links.jsonl, trajectories.jsonl and process_times.jsonl are final state, one record per
unit/trajectory/step, sorted by key; alerts.jsonl is the stream of alert events in order.
`trajectory_id` everywhere is the id after merges, looked up in the final state. Sorting
goes through a scratch RocksDB, so memory stays bounded however large the archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from streams.core.chain import Chain
from streams.core.outputs import link_record, step_record, trajectory_for, trajectory_record
from streams.core.retours import retour_link
from streams.replay.figures import Figures
from streams.replay.report import write_report
from streams.state.rocks import RocksStore
from streams.state.scratch import Scratch

if TYPE_CHECKING:
    from streams.replay.run import RunMeta

FILES = ("links.jsonl", "trajectories.jsonl", "alerts.jsonl", "process_times.jsonl",
         "rejects.jsonl", "summary.json", "report.html")


def write_outputs(store: RocksStore, state: Path, out: Path, meta: RunMeta) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    with Scratch(state / "finish") as scratch:
        final = _Final(store, scratch, Figures(meta))
        final.index_chains()
        scratch.flush()  # the 319 → trajectory lookups of the next steps read it
        final.index_retours()
        _write(out / "links.jsonl", final.sorted("L/"))
        _write(out / "trajectories.jsonl", final.sorted("T/"))
        _write(out / "process_times.jsonl", final.steps())
        _write(out / "alerts.jsonl", final.alerts(state / "alerts.part"))
    _write(out / "rejects.jsonl", _lines(state / "rejects.part"))
    clock = store.get("clock")
    summary = final.figures.summary(clock.today if clock else None)
    _write(out / "summary.json", iter([orjson.dumps(
        summary, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)]))
    write_report(out / "report.html", final.figures)
    return summary


class _Final:
    def __init__(self, store: RocksStore, scratch: Scratch, figures: Figures) -> None:
        self.store = store
        self.scratch = scratch
        self.figures = figures

    def index_chains(self) -> None:
        """Links and trajectories of every chain; merged ids; 319 → trajectory."""
        for _, chain in self.store.scan("c/"):
            for unit, link in chain.links.items():
                tid = trajectory_for(chain, unit)
                self._put(f"L/{unit}", link_record(link, tid))
                self.figures.link(link)
                if link.kind == "message" and tid is not None:
                    self.scratch.put(f"X/{unit}", tid.encode())
            for t in chain.trajectories:
                record = trajectory_record(chain, t)
                self._put(f"T/{t.id}", record)
                self.figures.trajectory(record)
                for old in t.merged:
                    self.scratch.put(f"M/{old}", t.id.encode())

    def index_retours(self) -> None:
        """Retour links (kept in their heen record): the trajectory of their heenbericht."""
        for _, heen in self.store.scan("h/"):
            if heen.retour is None:
                continue
            link = retour_link(heen.key, heen.retour.key)
            p = heen.party
            tid = self.trajectory(p.domain, p.gemeente, p.aanbieder, p.client, heen.key)
            self._put(f"L/{link.unit}", link_record(link, tid))
            self.figures.link(link)

    def trajectory(self, domain: str, gemeente: str, aanbieder: str, client: str | None,
                   subject: str) -> str | None:
        if client is None:  # a 319 (or its retour): the trajectory of what it answers
            tid = self.scratch.get(f"X/{subject}")
            return tid.decode() if tid is not None else None
        chain: Chain | None = self.store.get(f"c/{domain}:{gemeente}:{aanbieder}:{client}")
        return trajectory_for(chain, subject) if chain is not None else None

    def _merged(self, tid: str | None) -> str | None:
        while tid is not None:
            survivor = self.scratch.get(f"M/{tid}")
            if survivor is None:
                return tid
            tid = survivor.decode()
        return None

    def alerts(self, part: Path) -> Iterator[bytes]:
        for line in _lines(part):
            a = orjson.loads(line)
            tid = self.trajectory(a["domain"], a["gemeente"], a["aanbieder"], a["client"],
                                  a["subject"])
            if tid is None:
                tid = self._merged(a["trajectory_id"])
            a["trajectory_id"] = tid
            self.figures.alert(a)
            yield orjson.dumps(a) + b"\n"

    def steps(self) -> Iterator[bytes]:
        for _, step in self.store.scan("t/"):
            record = step_record(step)
            self.figures.step(record)
            yield orjson.dumps(record) + b"\n"

    def sorted(self, prefix: str) -> Iterator[bytes]:
        for _, value in self.scratch.items(prefix):
            yield value + b"\n"

    def _put(self, key: str, record: dict[str, Any]) -> None:
        self.scratch.put(key, orjson.dumps(record))


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
