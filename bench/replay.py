"""End-to-end replay: throughput, memory over time, and accuracy against the known answers.

    .venv/bin/python bench/replay.py [--messages 1000000] [--workers 1] [--checkpoint-every N]
                                     [--kill-after SECONDS]

Generates (once, cached under .cache/bench/) a zip archive with its known answers, runs
`ketenlink replay` on it as a user would (a fresh state directory), samples the resident
memory of the replay's processes twice a second, counts the CPU time they used (cores busy:
how much of the machine the run kept working), and then compares the output files with
the known answers: link accuracy, and alert precision/recall per rule.

`--kill-after S` kills a first run with SIGKILL after S seconds and measures the run that
resumes from its state directory: its speed over the rest of the archive, and the same
accuracy check (a resumed run must give what an uninterrupted one gives).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson

from streams.testing.expect import COVERED_RULES, lines_of
from streams.testing.generator import generate

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
_PAGE_KIB = 4


def archive_of(messages: int) -> Path:
    path = CACHE / f"replay-{messages}.zip"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(path, messages=messages, seed=11, fmt="zip")
        print(f"generated {path.name} in {time.perf_counter() - t:.0f} s")
    return path


def tree_rss_mib(pid: int) -> tuple[float, float]:
    """(resident MiB of pid, of pid and all its descendants)."""
    def rss(p: int) -> float:
        try:
            return int(Path(f"/proc/{p}/statm").read_text().split()[1]) * _PAGE_KIB / 1024
        except (OSError, IndexError):
            return 0.0

    def children(p: int) -> list[int]:
        found: list[int] = []
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += rss(p)
        todo += children(p)
    return rss(pid), total


def replay_args(archive: Path, out: Path, workers: int, checkpoint_every: int | None,
                fresh: bool) -> list[str]:
    args = [sys.executable, "-m", "streams", "replay", "--dev", "--no-progress",
            "--workers", str(workers), str(archive), "--out", str(out)]
    if fresh:
        args.append("--fresh")
    if checkpoint_every is not None:  # else the replay's default
        args += ["--checkpoint-every", str(checkpoint_every)]
    return args


def killed(args: list[str], seconds: float) -> None:
    """Start a replay and SIGKILL it after `seconds` (its parser processes end with it)."""
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        print(f"killed the first run after {seconds:g} s")
        return
    raise SystemExit("the first run finished before it was to be killed")


def cpu_seconds() -> float:
    """User and system CPU of this process's finished children and their waited-for
    descendants (the replay, its parser processes and its output pass)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(args: list[str]) -> tuple[float, float, list[tuple[float, float, float]]]:
    """(wall seconds, CPU seconds of the replay's processes, RSS samples)."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    samples = []
    while proc.poll() is None:
        samples.append((time.perf_counter() - start, *tree_rss_mib(proc.pid)))
        time.sleep(0.5)
    wall = time.perf_counter() - start
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"replay failed ({proc.returncode}):\n{stdout}")
    print(stdout.strip())
    return wall, cpu_seconds() - cpu, samples


def accuracy(out: Path, expected: Path) -> None:
    links = {x["unit"]: (x["target"], x.get("start")) for x in lines_of(out / "links.jsonl")}
    want = {x["unit"]: (x["target"], x.get("start")) for x in lines_of(expected / "links.jsonl")}
    right = sum(1 for u, t in want.items() if links.get(u) == t)
    print(f"links: {right:,} of {len(want):,} expected made with the right target/start "
          f"({right / len(want):.4%}); {len(links):,} links written")
    got = {(a["rule"], a["subject"]): a["status"] for a in lines_of(out / "alerts.jsonl")}
    exp = {(a["rule"], a["subject"]): a["status"] for a in lines_of(expected / "alerts.jsonl")}
    print(f"{'rule':<24}{'expected':>9}{'raised':>9}{'recall':>9}{'precision':>10}"
          f"{'final status':>14}")
    for rule in COVERED_RULES:
        e = {k: v for k, v in exp.items() if k[0] == rule}
        g = {k: v for k, v in got.items() if k[0] == rule}
        hit = len(e.keys() & g.keys())
        same = sum(1 for k in e.keys() & g.keys() if e[k] == g[k])
        print(f"{rule:<24}{len(e):>9,}{len(g):>9,}{_share(hit, len(e)):>9}"
              f"{_share(hit, len(g)):>10}{_share(same, hit):>14}")


def memory_profile(samples: list[tuple[float, float, float]], engine_seconds: float) -> str:
    """Peak RSS of all processes by tenth of the engine pass, then in the output pass: memory
    that does not grow with the archive's length levels off in the later tenths."""
    tenths: dict[int, float] = defaultdict(float)
    output_pass = 0.0
    for t, _, tree in samples:
        if t > engine_seconds:
            output_pass = max(output_pass, tree)
        else:
            tenth = min(9, int(10 * t / engine_seconds))
            tenths[tenth] = max(tenths[tenth], tree)
    return ("RSS (all processes) by tenth of the engine pass: "
            + ", ".join(f"{tenths[d]:,.0f}" for d in sorted(tenths))
            + f" MiB; output pass {output_pass:,.0f} MiB")


def _share(n: int, of: int) -> str:
    return f"{n / of:.2%}" if of else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--checkpoint-every", type=int, default=None)
    parser.add_argument("--archive", type=Path)
    parser.add_argument("--kill-after", type=float, default=None, metavar="SECONDS")
    ns = parser.parse_args()
    archive = ns.archive or archive_of(ns.messages)
    out = CACHE / f"out-{archive.stem}"
    fresh = ns.kill_after is None
    if not fresh:
        killed(replay_args(archive, out, ns.workers, ns.checkpoint_every, True), ns.kill_after)
    wall, cpu, samples = run(replay_args(archive, out, ns.workers, ns.checkpoint_every, fresh))
    state = orjson.loads((out.with_name(f"{out.name}.state") / "run.json").read_bytes())
    summary = orjson.loads((out / "summary.json").read_bytes())
    n = state["inputs"] - state["resumed_at"]
    resumed = f", resumed after input {state['resumed_at']:,}" if state["resumed_at"] else ""
    print(f"\n{n:,} inputs ({summary['messages']['total']:,} messages in all{resumed}): "
          f"engine pass {state['seconds']:.1f} s = {n / state['seconds']:,.0f} msg/s; with "
          f"writing the outputs {wall:.1f} s = {n / wall:,.0f} msg/s end to end")
    # how much of the machine the run used: near the core count, only less work is faster
    print(f"CPU: {cpu:.1f} s user and system over {wall:.1f} s = {cpu / wall:.2f} cores busy "
          f"of {os.cpu_count()}")
    peak_main = max(s[1] for s in samples)
    peak_tree = max(s[2] for s in samples)
    print(f"peak RSS: replay process {peak_main:,.0f} MiB, with its parser processes "
          f"{peak_tree:,.0f} MiB")
    print(memory_profile(samples, state["seconds"]))
    expected = archive.with_name(archive.name + ".expected")
    if expected.is_dir():
        accuracy(out, expected)


if __name__ == "__main__":
    main()
