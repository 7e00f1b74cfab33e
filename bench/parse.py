"""Parse throughput per release and peak memory on a generated archive.

    .venv/bin/python bench/parse.py [--messages 200000] [--archive PATH]

Generates (once, cached under .cache/bench/) a zip archive of the given size, then streams
it on one core: every parse is timed and attributed to its release (the parser's figure),
and the whole pass is timed too (archive member → records). Prints messages/s per
release and family, overall, and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

from streams.archive import iter_items
from streams.core.model import Failure
from streams.settings import Settings
from streams.testing.generator import generate
from streams.xmlio import XmlDecoder

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"


def archive_of(messages: int) -> Path:
    path = CACHE / f"parse-{messages}.zip"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(path, messages=messages, seed=7, fmt="zip")
        print(f"generated {path.name} in {time.perf_counter() - t:.0f} s")
    return path


def measure(path: Path, decoder: XmlDecoder) -> None:
    """One streaming pass: each parse is timed and attributed to its release; the wall
    time of the whole pass (archive member → records) is measured too."""
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    failures = 0
    clock = time.perf_counter
    start = clock()
    for item in iter_items(path):
        if item.data is None:
            continue
        t = clock()
        parsed = decoder.parse(item.data, item.source, item.received_at)
        dt = clock() - t
        if isinstance(parsed, Failure):
            failures += 1
            continue
        family = "3.x" if parsed[0].release.startswith("3.") else "2.x"
        for key in (parsed[0].release, family, "all"):
            seconds[key] += dt
            counts[key] += 1
    wall = clock() - start
    print(f"{'release':<9}{'messages':>10}{'parse msg/s':>13}")
    for key in sorted(counts, key=lambda k: (k in ("2.x", "3.x", "all"), k)):
        print(f"{key:<9}{counts[key]:>10}{counts[key] / seconds[key]:>13,.0f}")
    total = counts["all"] + failures
    print(f"failures: {failures}")
    print(f"archive → records, one stream: {total} messages in {wall:.1f} s "
          f"= {total / wall:,.0f} msg/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--archive", type=Path)
    args = ap.parse_args()
    path = args.archive or archive_of(args.messages)
    decoder = XmlDecoder(Settings(hmac_key=b"bench-key-0123456789").parse_context())
    measure(path, decoder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
