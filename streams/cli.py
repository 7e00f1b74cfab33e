"""The `ketenlink` command. Every flag can also be set as a KETENLINK_* variable."""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import orjson

from streams.app.commands import (
    live,
    run_ingest,
    run_worker,
    term_options,
    terms_from,
    with_kafka,
    worker_options,
)
from streams.archive import iter_items
from streams.core.decode import Envelope, failure
from streams.core.model import Failure, Message, Parsed
from streams.replay.run import Replay, ReplayOptions, StateMismatch
from streams.settings import Settings, SettingsError, resolve_key
from streams.xmlio import XmlDecoder

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "sample.zip"

_common = [
    click.option("--hmac-key-file", type=click.Path(dir_okay=False, path_type=Path),
                 envvar="KETENLINK_HMAC_KEY_FILE", show_envvar=True,
                 help="File holding the BSN pseudonym key (or set KETENLINK_HMAC_KEY)."),
    click.option("--dev", is_flag=True, envvar="KETENLINK_DEV", show_envvar=True,
                 help="Development mode: allows the built-in, non-secret key."),
    click.option("--zone", default="", envvar="KETENLINK_ZONE", show_envvar=True,
                 help="Take the received date of a receipt timestamp in this IANA time zone "
                      "(e.g. Europe/Amsterdam); default: the date as the timestamp writes it."),
]


def common(f: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_common):
        f = option(f)
    return f


def settings(hmac_key_file: Path | None, dev: bool, zone: str) -> Settings:
    try:
        if zone:
            ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{zone!r} is no IANA time zone (e.g. Europe/Amsterdam)",
                                 param_hint="--zone") from None
    try:
        return Settings(hmac_key=resolve_key(hmac_key_file, dev), zone=zone, dev=dev)
    except SettingsError as err:
        raise click.UsageError(str(err)) from None


def one_archive(paths: tuple[Path, ...], manifest: Path | None) -> None:
    """`--manifest` names the paths of one archive (relative to its root, product.md §1);
    with several archives it would stand in for all their own manifests."""
    if manifest is not None and len(paths) > 1:
        raise click.UsageError("--manifest belongs to one archive; with several, give each "
                               "its own manifest.jsonl at its root")


def parse_paths(paths: tuple[Path, ...], s: Settings, manifest: Path | None = None
                ) -> Iterator[Parsed]:
    """Every message below `paths`, parsed, in arrival order."""
    decoder = XmlDecoder(s.parse_context(), s.max_bytes)
    for path in paths:
        for item in iter_items(path, manifest, s.max_bytes):
            if item.data is None:
                env = Envelope(item.source, "", item.size, item.received_at)
                too_large = item.error == "too_large"
                detail = f"{item.size} bytes, over the limit" if too_large else item.error or ""
                yield failure("too_large" if too_large else "unreadable", detail, env)
            else:
                yield decoder.parse(item.data, item.source, item.received_at)


@click.group()
def main() -> None:
    """ketenlink: iJw/iWmo message traffic linked into care trajectories."""


@main.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A manifest.jsonl giving arrival order and receipt timestamps.")
@common
def parse(paths: tuple[Path, ...], manifest: Path | None, hmac_key_file: Path | None,
          dev: bool, zone: str) -> None:
    """Parse XML messages (files, directories, .zip, .tar.gz); one JSON record per line."""
    one_archive(paths, manifest)
    out = sys.stdout.buffer
    for parsed in parse_paths(paths, settings(hmac_key_file, dev, zone), manifest):
        for record in _records(parsed):
            out.write(orjson.dumps(record))
            out.write(b"\n")
    out.flush()


def _records(parsed: Parsed) -> list[Message] | list[Failure]:
    return [parsed] if isinstance(parsed, Failure) else parsed


@main.command()
@click.argument("archive", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/sample"), show_default=True)
def demo(archive: Path | None, out: Path) -> None:
    """Replay the bundled sample archive (development key) and say where the results are."""
    s = Settings(hmac_key=resolve_key(None, dev=True), dev=True)
    sample = Path(os.path.relpath(SAMPLE))  # as a user would type it: outputs name it
    opts = ReplayOptions((archive or sample,), out, _state_dir(out, None), fresh=True,
                         workers=0, progress=sys.stderr.isatty())
    summary = Replay(s, opts).run()
    by_type = summary["messages"]["by_type"].items()
    click.echo(_table(Counter({(k[:-4], k[-3:]): n for k, n in by_type})))
    _tell(summary, out)


def _tell(summary: dict[str, Any], out: Path) -> None:
    rejects = summary["rejects"]
    run = summary["run"]
    click.echo(
        f"messages: {summary['messages']['total']:,}; rejected inputs: {rejects['total']:,}; "
        f"links: {summary['links']['total']:,}; trajectories: "
        f"{summary['trajectories']['total']:,}; alerts raised: "
        f"{sum(a['raised'] for a in summary['alerts'].values()):,}\n"
        f"{run['inputs']:,} inputs in {run['seconds']:.1f} s; watermark "
        f"{summary['watermark']}\n"
        f"results in {out}/: report.html (open it in a browser), links.jsonl, "
        f"trajectories.jsonl, alerts.jsonl, process_times.jsonl, rejects.jsonl, summary.json")


def _table(counts: Counter[tuple[str, str]]) -> str:
    """Rows: domain and message type; columns: release."""
    releases = sorted({r for _, r in counts})
    rows = sorted({t for t, _ in counts})
    lines = [f"{'':<9}" + "".join(f"{r:>7}" for r in releases) + f"{'total':>8}"]
    for row in rows:
        cells = [counts.get((row, r), 0) for r in releases]
        lines.append(f"{row:<9}" + "".join(f"{c or '-':>7}" for c in cells) + f"{sum(cells):>8}")
    return "\n".join(lines)


def _state_dir(out: Path, state: Path | None) -> Path:
    return state or out.with_name(f"{out.name}.state")


@main.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              envvar="KETENLINK_OUT", show_envvar=True, help="Directory for the output files.")
@click.option("--state", type=click.Path(file_okay=False, path_type=Path),
              envvar="KETENLINK_STATE", show_envvar=True,
              help="RocksDB state directory (default: OUT.state beside OUT); a killed run "
                   "resumes from it.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A manifest.jsonl giving arrival order and receipt timestamps.")
@click.option("--fresh", is_flag=True, help="Discard the state directory and start over.")
@click.option("--workers", type=int, default=min(2, os.cpu_count() or 1) - 1,
              show_default="cores - 1, at most 1", envvar="KETENLINK_WORKERS",
              show_envvar=True, help="Parser processes beside the engine (0: parse inline).")
@click.option("--checkpoint-every", default=100_000, show_default=True,
              envvar="KETENLINK_CHECKPOINT_EVERY", show_envvar=True,
              help="Commit state and position every this many inputs.")
@term_options
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when stderr is a terminal).")
@click.option("--kill-after", type=int, hidden=True)  # tests: SIGKILL at this input
@click.option("--to-kafka", is_flag=True,
              help="Publish the archive to the input topic instead (for a live worker); "
                   "--out is then not needed.")
@with_kafka
@common
def replay(paths: tuple[Path, ...], out: Path | None, state: Path | None,
           manifest: Path | None, fresh: bool, workers: int, checkpoint_every: int,
           progress: bool | None, kill_after: int | None, to_kafka: bool,
           hmac_key_file: Path | None, dev: bool, zone: str, **flags: Any) -> None:
    """Replay archives (directories, .zip, .tar.gz of XML; JSON Lines of parsed records)
    through the engine and write the output files to OUT."""
    one_archive(paths, manifest)
    terms = terms_from(flags)
    if to_kafka:
        s = live(settings(hmac_key_file, dev, zone), **flags)
        run_ingest(s, paths, manifest, finish=True, workers=max(0, workers))
        return
    if out is None:
        raise click.UsageError("--out is required (unless --to-kafka)")
    opts = ReplayOptions(paths, out, _state_dir(out, state), manifest, terms,
                         max(1, checkpoint_every), max(0, workers),
                         sys.stderr.isatty() if progress is None else progress, fresh,
                         kill_after)
    try:
        summary = Replay(settings(hmac_key_file, dev, zone), opts).run()
    except StateMismatch as err:
        raise click.UsageError(str(err)) from None
    _tell(summary, out)
    _leave()


def _leave() -> None:
    """Exit at once: every file is written and closed, and tearing down the replay's heap
    (the decoded chains the collector froze) took the interpreter 2.5 s after a
    200k-message replay, for nothing."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--messages", default=3000, show_default=True, help="About this many messages.")
@click.option("--seed", default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["zip", "tar.gz", "dir"]), default="zip",
              show_default=True)
@click.option("--bad", default=0, show_default=True, help="Also write this many broken files.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The last day of traffic (from 2020-01-01); default: mid-2024, later for "
                   "more than about 2.5M messages.")
def generate(out: Path, messages: int, seed: int, fmt: str, bad: int,
             end: datetime | None) -> None:
    """Write a realistic archive, with its known answers in OUT.expected/."""
    from streams.testing.generator import generate as write  # noqa: PLC0415 - test tooling

    if end is not None and end.date() < date(2020, 7, 1):
        raise click.BadParameter("give a day from 2020-07-01 on: traffic starts 2020-01-01",
                                 param_hint="--end")
    summary = write(out, messages=messages, seed=seed, fmt=fmt, bad=bad,  # type: ignore[arg-type]
                    end=end.date() if end else None)
    click.echo(f"{summary.messages} messages ({summary.duplicates} duplicates, {summary.bad} "
               f"broken) in {summary.seconds:.1f} s → {summary.archive}; known answers in "
               f"{summary.expected}")


@main.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A manifest.jsonl giving arrival order and receipt timestamps.")
@click.option("--finish/--no-finish", default=False, show_default=True,
              help="End with a clock record that advances every partition to the newest "
                   "received date (as the end of a replay does).")
@with_kafka
@common
def ingest(paths: tuple[Path, ...], manifest: Path | None, finish: bool,
           hmac_key_file: Path | None, dev: bool, zone: str, **kafka: Any) -> None:
    """Parse XML (files, directories, .zip, .tar.gz) or JSON Lines of parsed records and
    publish them to the input topic; what does not parse goes to the dead-letter topic."""
    one_archive(paths, manifest)
    run_ingest(live(settings(hmac_key_file, dev, zone), **kafka), paths, manifest, finish, 0)


@main.command()
@worker_options
@common
def worker(hmac_key_file: Path | None, dev: bool, zone: str, **flags: Any) -> None:
    """The live service: the engine on Kafka (Faust), with /metrics and /ready."""
    run_worker(settings(hmac_key_file, dev, zone), **flags)
