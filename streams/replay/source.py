"""Replay input: XML archives and JSON Lines of parsed records, as raw inputs in arrival
order, and the parser that turns one raw input into records.

Reading and parsing are separate steps so that parsing (pure, per message) can run in
other processes while the engine runs in order in this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from streams.archive import iter_items
from streams.core.decode import Envelope, failure
from streams.core.model import Parsed
from streams.core.records import from_json, invalid
from streams.settings import Settings
from streams.xmlio import XmlDecoder


@dataclass(frozen=True, slots=True)
class Raw:
    """One input as delivered: an XML file, or one line of a JSON Lines file."""

    source: str
    data: bytes | None
    size: int
    received_at: datetime | None
    error: str | None = None  # why data is None
    json: bool = False


def is_jsonl(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith((".jsonl", ".ndjson"))


def raw_inputs(paths: tuple[Path, ...], manifest: Path | None, max_bytes: int
               ) -> Iterator[Raw]:
    """Every input below `paths`, in arrival order (product.md §1)."""
    for path in paths:
        if is_jsonl(path):
            yield from _jsonl(path)
            continue
        for item in iter_items(path, manifest, max_bytes):
            yield Raw(item.source, item.data, item.size, item.received_at, item.error)


def _jsonl(path: Path) -> Iterator[Raw]:
    with path.open("rb") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield Raw(f"{path.as_posix()}:{n}", line, len(line), None, json=True)


class Parser:
    """Raw input → records. Built from settings, so a worker process can build its own."""

    def __init__(self, settings: Settings) -> None:
        self.decoder = XmlDecoder(settings.parse_context(), settings.max_bytes)

    def __call__(self, raw: Raw) -> Parsed:
        if raw.data is None:
            env = Envelope(raw.source, "", raw.size, raw.received_at)
            if raw.error == "too_large":
                return failure("too_large", f"{raw.size} bytes, over the limit", env)
            return failure("unreadable", raw.error or "", env)
        if raw.json:
            try:
                value = orjson.loads(raw.data)
            except orjson.JSONDecodeError as err:
                return invalid(f"not JSON: {err}", raw.source, raw.data)
            return from_json(value, raw.source, raw.data)
        return self.decoder.parse(raw.data, raw.source, raw.received_at)
