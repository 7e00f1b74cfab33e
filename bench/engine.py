"""The engine's process alone: the replay over inputs parsed beforehand, without parser
processes or the output pass. For changes to the engine, its store and its checkpoints,
whose effect the end-to-end benchmark's two processes blur.

    .venv/bin/python bench/engine.py [--messages 1000000] [--inputs 500000]
                                     [--checkpoint-every N] [--repeat 1]

Parses the first `--inputs` inputs of the benchmark archive once (cached under
.cache/bench/ as the batches a parser process sends), then replays them from the cache:
each batch is decoded as the engine's process decodes a received one, applied, and
checkpointed as `ketenlink replay` does. Prints inputs/s and where the time went.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.replay import CACHE, archive_of

from streams.replay import run as replay_run
from streams.replay.source import Parser, Result, units
from streams.settings import Settings
from streams.state import codec

_BATCH = 256
_SETTINGS = Settings(hmac_key=b"ketenlink-bench-engine-key")


def parsed_cache(messages: int, inputs: int) -> Path:
    path = CACHE / f"parsed-{messages}-{inputs}.bin"
    if path.exists():
        return path
    archive = archive_of(messages)
    parse = Parser(_SETTINGS)
    todo = islice(units((archive,), None, _SETTINGS.max_bytes), inputs)
    tmp = path.with_suffix(".tmp")
    t = time.perf_counter()
    with tmp.open("wb") as f:
        for batch in iter(lambda: list(islice(todo, _BATCH)), []):
            blob = codec.dump_results(list(map(parse, batch)))
            f.write(struct.pack("<I", len(blob)) + blob)
    tmp.replace(path)
    print(f"parsed {inputs:,} inputs into {path.name} in {time.perf_counter() - t:.0f} s")
    return path


class Timed:
    """Seconds spent decoding the cached batches, as the engine's process receives them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.decoding = 0.0

    def inputs(self, *_: Any, **__: Any) -> Iterator[Result]:
        with self.path.open("rb") as f:
            while head := f.read(4):
                blob = f.read(struct.unpack("<I", head)[0])
                t = time.perf_counter()
                batch = codec.load_results(blob)
                self.decoding += time.perf_counter() - t
                yield from batch


def run_once(cache: Path, checkpoint_every: int | None) -> None:
    timed = Timed(cache)
    replay_run.parsed_inputs = timed.inputs  # type: ignore[assignment]
    replay_run.write_outputs = lambda *_, **__: {}  # type: ignore[assignment]
    work = Path(tempfile.mkdtemp(prefix="ketenlink-bench-engine-"))
    opts = {"checkpoint_every": checkpoint_every} if checkpoint_every else {}
    replay = replay_run.Replay(_SETTINGS, replay_run.ReplayOptions(
        paths=(cache,), out=work / "out", state=work / "state", workers=0, **opts))
    checkpoint, spent = replay._checkpoint, [0.0]

    def timed_checkpoint() -> None:
        t = time.perf_counter()
        checkpoint()
        spent[0] += time.perf_counter() - t

    replay._checkpoint = timed_checkpoint  # type: ignore[method-assign]
    cpu, t = time.process_time(), time.perf_counter()
    result = replay.run()
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    n = result["run"]["inputs"]
    apply = seconds - spent[0] - timed.decoding
    print(f"{n:,} inputs in {seconds:.1f} s = {n / seconds:,.0f} inputs/s (CPU {cpu:.1f} s): "
          f"applying {apply:.1f} s ({apply / n * 1e6:.1f} µs/input), checkpoints "
          f"{spent[0]:.1f} s, decoding the batches {timed.decoding:.1f} s")
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--inputs", type=int, default=500_000)
    ap.add_argument("--checkpoint-every", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    cache = parsed_cache(args.messages, args.inputs)
    for _ in range(args.repeat):
        run_once(cache, args.checkpoint_every)


if __name__ == "__main__":
    main()
