"""Realistic iJw/iWmo archives with known answers, for tests, benchmarks and the demo.

    generate(Path("out/sample.zip"), messages=3000, seed=1)

writes the archive (one XML file per message, `manifest.jsonl` at its root, in arrival
order) and beside it `out/sample.zip.expected/` with `links.jsonl`, `alerts.jsonl`,
`rejects.jsonl` and `summary.json`.

Streaming: stories (one care trajectory each) are planned one at a time in order of their
first day; their messages wait in a heap ordered by arrival, and everything arriving
before the next story's first day is written out. Memory is bounded by the stories still
running, not by the archive size. Deterministic: one random stream, counters for every
identifier, fixed archive metadata.
"""

from __future__ import annotations

import heapq
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

from streams.testing import werkdagen as wd
from streams.testing.archive_out import Format, Sink, open_sink
from streams.testing.badfiles import BadFiles
from streams.testing.expect import (
    ALERTS_FROM,
    ALLOWED_LATENESS,
    COVERED_RULES,
    AlertTracker,
    SortedJsonl,
)
from streams.testing.plan import Sent
from streams.testing.story import Story, World
from streams.testing.tales import Options, draw, openers, tell
from streams.testing.world import PRODUCTS, Bsns, Numbers, parties

MIN_SPAN_DAYS = 1640  # from 2020-01-01 into mid-2024: every release in the archive
MAX_PER_DAY = 1500  # beyond this the span grows, keeping the running stories bounded
_MSGS_PER_STORY = 10.0  # first guess; corrected as stories are planned
RATES = {"retour_missing": 0.012, "retour_late": 0.025, "retour_first": 0.01,
         "out_of_order": 0.01, "duplicate": 0.012}

NOT_COVERED = {
    "stop_missing": "depends on the toewijzing's current Einddatum, temporary stops and "
                    "extensions in ways product.md leaves open; no expectation written",
    "retour_rejected.due": "the due of a retour_rejected alert is taken as the retour's "
                           "received date; such retours are only planned 45+ days after "
                           "the archive start, so alerts_from cannot filter them either way",
    "late_alert_status": "*_late alerts are listed as 'raised' (a late partner has already "
                         "arrived; nothing can resolve them)",
    "unlinked": "covered by absence: every unit links by construction, so no unlinked alert "
                "is expected",
    "trajectories": "trajectory ids are not predicted; summary counts one per story",
    "2.x multi-client": "2.x messages carry one client each (the parser's multi-client "
                        "numbering is tested elsewhere)",
}


@dataclass(slots=True)
class GenerationSummary:
    archive: Path
    expected: Path
    fmt: str
    messages: int  # good files written, duplicates included
    duplicates: int
    bad: int
    trajectories: int
    links: int
    alerts: int
    first_received: date | None
    last_received: date | None
    seconds: float
    by_msg: dict[str, int] = field(default_factory=dict)
    by_release: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def generate(out: Path, *, messages: int, seed: int = 1, start: date = date(2020, 1, 1),
             end: date | None = None, fmt: Format = "zip", gemeenten: int = 40,
             aanbieders: int = 120, bad: int = 0) -> GenerationSummary:
    """Writes an archive of about `messages` good files (plus `bad` broken ones) and its
    known answers in `<out>.expected/`. See the module docstring."""
    began = time.perf_counter()
    if end is None:
        end = start + timedelta(days=max(MIN_SPAN_DAYS, messages // MAX_PER_DAY))
    expected = out.with_name(out.name + ".expected")
    _prepare(out, expected)
    params = {"messages": messages, "seed": seed, "start": start.isoformat(),
              "end": end.isoformat(), "fmt": fmt, "gemeenten": gemeenten,
              "aanbieders": aanbieders, "bad": bad}
    run = _Run(out, expected, fmt, messages, bad, seed, _world(seed, start, end, gemeenten,
                                                                 aanbieders))
    run.plan_all()
    return run.close(params, time.perf_counter() - began)


def _prepare(out: Path, expected: Path) -> None:
    """Replaces an earlier output of ours; refuses to wipe a directory that is not one."""
    if out.is_dir():
        if any(out.iterdir()) and not (out / "manifest.jsonl").exists():
            raise FileExistsError(f"{out} exists and is not a generated archive")
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    if expected.exists():
        shutil.rmtree(expected)
    expected.mkdir(parents=True)


def _world(seed: int, start: date, end: date, gemeenten: int, aanbieders: int) -> World:
    rng = random.Random(seed)
    gem, agb = parties(rng, gemeenten, aanbieders)
    return World(rng, Numbers(), Bsns(seed), gem, agb, start, end, dict(RATES))


class _Run:
    """One generation: plans stories, keeps the arrival heap, writes files and answers."""

    def __init__(self, out: Path, expected: Path, fmt: Format, messages: int, bad: int,
                 seed: int, world: World) -> None:
        self.out, self.expected, self.fmt = out, expected, fmt
        self.target, self.world = messages, world
        self.sink: Sink = open_sink(out, fmt)
        self.links = SortedJsonl(expected / "links.jsonl")
        self.alerts = SortedJsonl(expected / "alerts.jsonl")
        self.tracker = AlertTracker(self.alerts)
        self.rejects = (expected / "rejects.jsonl").open("wb")
        self.bad_files = BadFiles(seed)
        self.bad_left = bad
        self.bad_every = max(1, messages // (bad + 1)) if bad else 0
        self.heap: list[tuple[datetime, int, Sent]] = []
        self.seq = 0
        self.planned = 0
        self.stories = 0
        self.written = 0
        self.duplicates = 0
        self.last_at: datetime | None = None
        self.first_received: date | None = None
        self.counts: dict[str, dict[str, int]] = {"msg": {}, "release": {}, "domain": {}}

    def plan_all(self) -> None:
        w = self.world
        forced = openers(w.start, w.end)
        cursor = 0.0
        while self.planned < self.target:
            day = wd.on_or_after(w.start + timedelta(days=int(cursor)))
            if forced and forced[0][0] <= day:
                fday, domain, opts = forced.pop(0)
                self._story(fday, domain, opts)
                continue
            if day > w.end:
                break
            self._story(day, "jw" if self.stories % 2 == 0 else "wmo", draw(w, day))
            cursor += self._gap(day)
        for fday, domain, opts in forced:  # openers not reached by the count
            if fday <= w.end:
                self._story(fday, domain, opts)
        self._flush(None)

    def _gap(self, day: date) -> float:
        """Days between story starts so that the rest of the count fills the rest of the span."""
        per_story = self.planned / self.stories if self.stories > 20 else _MSGS_PER_STORY
        remaining = max(1.0, (self.target - self.planned) / max(per_story, 1.0))
        return max(0.0, (self.world.end - day).days) / remaining

    def _story(self, day: date, domain: str, opts: Options) -> None:
        w = self.world
        categorie, codes = w.rng.choice(PRODUCTS[domain])
        story = Story(w, "jw" if domain == "jw" else "wmo", w.rng.choice(w.gemeenten),
                      w.rng.choice(w.aanbieders), w.bsns.next(), categorie,
                      w.rng.choice(codes), day, w.numbers.beschikking_nummer())
        tell(story, opts)
        kept = story.finish()
        self.stories += 1 if kept else 0
        self.planned += len(kept)
        self._flush(datetime.combine(day, datetime.min.time(), tzinfo=UTC))
        for sent in kept:
            self.seq += 1
            heapq.heappush(self.heap, (sent.arrival, self.seq, sent))

    def _flush(self, before: datetime | None) -> None:
        while self.heap and (before is None or self.heap[0][0] < before):
            self._write(heapq.heappop(self.heap)[2])

    def _write(self, sent: Sent) -> None:
        head = sent.heen.head
        at = sent.received_at
        self.written += 1
        path = (f"msgs/{at:%Y/%m/%d}/{at:%H%M}_{head.domain}{sent.msg}_"
                f"{self.written:08d}.xml")
        self.sink.write(path, sent.render(), at)
        self.tracker.message(sent.received, [] if sent.duplicate else sent.effects)
        if sent.duplicate:
            self.duplicates += 1
        else:
            for link in sent.links:
                record = link.record()
                if record is not None:
                    self.links.add(record)
        self._count(sent)
        self.last_at = max(self.last_at or at, at)
        self.first_received = self.first_received or sent.received
        if self.bad_left and self.written % self.bad_every == 0:
            self._write_bad()

    def _count(self, sent: Sent) -> None:
        head = sent.heen.head
        for name, value in (("msg", sent.msg), ("release", head.release),
                            ("domain", head.domain)):
            self.counts[name][value] = self.counts[name].get(value, 0) + 1

    def _write_bad(self) -> None:
        """A broken file, received at the latest receipt so far: it cannot move the clock."""
        assert self.last_at is not None
        at = self.last_at
        reason, raw = self.bad_files.make(at.date())
        self.bad_left -= 1
        path = f"msgs/{at:%Y/%m/%d}/{at:%H%M}_bad_{self.bad_left:06d}.xml"
        self.sink.write(path, raw, at)
        self.rejects.write(orjson.dumps({"path": path, "reason": reason}) + b"\n")

    def close(self, params: dict[str, object], seconds: float) -> GenerationSummary:
        while self.bad_left and self.last_at is not None:
            self._write_bad()
        bad = int(str(params["bad"])) - self.bad_left
        self.sink.close()
        self.rejects.close()
        self.tracker.finish()
        self.links.close()
        self.alerts.close()
        summary = GenerationSummary(
            self.out, self.expected, self.fmt, self.written, self.duplicates, bad,
            self.stories, self.links.count, self.alerts.count, self.first_received,
            self.tracker.max_received, seconds, self.counts["msg"], self.counts["release"],
            self.counts["domain"])
        self._summary_json(summary, params)
        return summary

    def _summary_json(self, s: GenerationSummary, params: dict[str, object]) -> None:
        doc = {
            "parameters": params,
            "messages": s.messages, "duplicates": s.duplicates, "bad": s.bad,
            "trajectories": s.trajectories, "links": s.links, "alerts": s.alerts,
            "by_msg": dict(sorted(s.by_msg.items())),
            "by_release": dict(sorted(s.by_release.items())),
            "by_domain": dict(sorted(s.by_domain.items())),
            "first_received": s.first_received, "last_received": s.last_received,
            "alerts_from": self.tracker.alerts_from,
            "assumptions": {"allowed_lateness_days": ALLOWED_LATENESS.days,
                            "alerts_from_days": ALERTS_FROM.days,
                            "end_clock": "last received date",
                            "terms_werkdagen": {"retour": 3, "request": 5, "start": 5,
                                                "start_missing": 20, "stop": 5},
                            "request_undecided_days": 56},
            "covered_rules": list(COVERED_RULES),
            "alert_counts": dict(sorted(self.tracker.counts.items())),
            "not_covered": NOT_COVERED,
        }
        (self.expected / "summary.json").write_bytes(
            orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
