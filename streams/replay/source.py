"""Replay input: XML archives and JSON Lines of parsed records, as units of work in
arrival order, and the parser that turns one unit into records.

Planning is cheap (names and offsets) and runs in order in this process; reading and
parsing a unit is pure and runs wherever the parser is, in worker processes too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from streams.archive import Item, Ref, load, plan
from streams.core.decode import Envelope, failure
from streams.core.frozen import record
from streams.core.model import Failure, Parsed
from streams.core.records import from_json, invalid
from streams.settings import Settings
from streams.xmlio import XmlDecoder, shown

Result = tuple[Parsed, bytes | None]  # the raw bytes come along only with a failure


@record
class JsonLine:
    """One line of a JSON Lines file of parsed records."""

    source: str
    data: bytes


Unit = Ref | JsonLine


def is_jsonl(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith((".jsonl", ".ndjson"))


def units(paths: tuple[Path, ...], manifest: Path | None, max_bytes: int) -> Iterator[Unit]:
    """Every input below `paths`, in arrival order (product.md §1)."""
    for path in paths:
        if is_jsonl(path):
            yield from _jsonl(path)
        else:
            yield from plan(path, manifest, max_bytes)


def _jsonl(path: Path) -> Iterator[JsonLine]:
    with path.open("rb") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield JsonLine(f"{path.as_posix()}:{n}", line)


class Parser:
    """Unit → records. Built from settings, so a worker process can build its own."""

    def __init__(self, settings: Settings) -> None:
        self.decoder = XmlDecoder(settings.parse_context(), settings.max_bytes)
        self.max_bytes = settings.max_bytes

    def __call__(self, unit: Unit) -> Result:
        if isinstance(unit, JsonLine):
            parsed = self._json(unit)
            return parsed, unit.data if isinstance(parsed, Failure) else None
        item = load(unit, self.max_bytes)
        parsed = self._xml(item)
        return parsed, item.data if isinstance(parsed, Failure) else None

    def _json(self, line: JsonLine) -> Parsed:
        try:
            value = orjson.loads(line.data)
        except orjson.JSONDecodeError as err:
            return invalid(f"not JSON: {err}", shown(line.source), line.data)
        return from_json(value, shown(line.source), line.data)

    def _xml(self, item: Item) -> Parsed:
        if item.data is None:
            env = Envelope(shown(item.source), "", item.size, item.received_at)
            if item.error == "too_large":
                return failure("too_large", f"{item.size} bytes, over the limit", env)
            return failure("unreadable", item.error or "", env)
        return self.decoder.parse(item.data, item.source, item.received_at)
