"""The `ketenlink` command. Every flag can also be set as a KETENLINK_* variable."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
import orjson

from streams.archive import iter_items
from streams.core.decode import Envelope, failure
from streams.core.model import Failure, Message, Parsed
from streams.settings import Settings, SettingsError, resolve_key
from streams.xmlio import XmlDecoder

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "sample.zip"

_common = [
    click.option("--hmac-key-file", type=click.Path(dir_okay=False, path_type=Path),
                 envvar="KETENLINK_HMAC_KEY_FILE", show_envvar=True,
                 help="File holding the BSN pseudonym key (or set KETENLINK_HMAC_KEY)."),
    click.option("--dev", is_flag=True, envvar="KETENLINK_DEV", show_envvar=True,
                 help="Development mode: allows the built-in, non-secret key."),
    click.option("--zone", default="Europe/Amsterdam", show_default=True,
                 envvar="KETENLINK_ZONE", show_envvar=True,
                 help="Time zone of the received date of a receipt timestamp."),
]


def common(f: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_common):
        f = option(f)
    return f


def settings(hmac_key_file: Path | None, dev: bool, zone: str) -> Settings:
    try:
        return Settings(hmac_key=resolve_key(hmac_key_file, dev), zone=zone, dev=dev)
    except SettingsError as err:
        raise click.UsageError(str(err)) from None


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
def demo(archive: Path | None) -> None:
    """Parse the bundled sample archive and print what it holds, per message type."""
    s = Settings(hmac_key=resolve_key(None, dev=True), dev=True)
    counts: Counter[tuple[str, str]] = Counter()
    failures: Counter[str] = Counter()
    for parsed in parse_paths((archive or SAMPLE,), s):
        if isinstance(parsed, Failure):
            failures[parsed.reason] += 1
            continue
        for m in parsed:
            counts[(f"{m.domain} {m.msg}", m.release)] += 1
    click.echo(_table(counts))
    click.echo(f"messages: {sum(counts.values())}; rejected: {sum(failures.values())}"
               + "".join(f"\n  {reason}: {n}" for reason, n in sorted(failures.items())))


def _table(counts: Counter[tuple[str, str]]) -> str:
    """Rows: domain and message type; columns: release."""
    releases = sorted({r for _, r in counts})
    rows = sorted({t for t, _ in counts})
    lines = [f"{'':<9}" + "".join(f"{r:>7}" for r in releases) + f"{'total':>8}"]
    for row in rows:
        cells = [counts.get((row, r), 0) for r in releases]
        lines.append(f"{row:<9}" + "".join(f"{c or '-':>7}" for c in cells) + f"{sum(cells):>8}")
    return "\n".join(lines)

@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--messages", default=3000, show_default=True, help="About this many messages.")
@click.option("--seed", default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["zip", "tar.gz", "dir"]), default="zip",
              show_default=True)
@click.option("--bad", default=0, show_default=True, help="Also write this many broken files.")
def generate(out: Path, messages: int, seed: int, fmt: str, bad: int) -> None:
    """Write a realistic archive, with its known answers in OUT.expected/."""
    from streams.testing.generator import generate as write  # noqa: PLC0415 - test tooling

    summary = write(out, messages=messages, seed=seed, fmt=fmt, bad=bad)  # type: ignore[arg-type]
    click.echo(f"{summary.messages} messages ({summary.duplicates} duplicates, {summary.bad} "
               f"broken) in {summary.seconds:.1f} s → {summary.archive}; known answers in "
               f"{summary.expected}")
