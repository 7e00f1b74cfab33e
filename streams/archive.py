"""Reads message files from directories, .zip and .tar.gz archives, in arrival order.

With a manifest (product.md §1) messages come in manifest order with its receipt
timestamps; files the manifest does not list follow in path order. Without one, sorted
path order. Memory stays bounded: one message's bytes at a time (a .tar.gz whose members
are not in manifest order spills the early ones to a temporary directory on disk).
"""

from __future__ import annotations

import tarfile
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True, slots=True)
class Item:
    """One message file as the transport delivers it; `data` is None when unreadable."""

    source: str  # archive path + member, e.g. "sample.zip!msgs/2024/03/01/x.xml"
    data: bytes | None
    size: int
    received_at: datetime | None
    error: str | None = None  # why data is None: "too_large" or "unreadable: …"


def parse_timestamp(raw: object) -> datetime | None:
    """ISO 8601 receipt time; a naive time is taken as UTC (documented in docs/decisions.md)."""
    if not isinstance(raw, str):
        return None
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def read_manifest(lines: Iterable[bytes]) -> dict[str, datetime | None]:
    """path → received_at, in manifest order (dicts keep insertion order). Bad lines are
    skipped: a manifest only orders and timestamps, the files themselves are still read."""
    order: dict[str, datetime | None] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            order.setdefault(entry["path"].lstrip("./"), parse_timestamp(entry.get("received_at")))
    return order


def is_message_name(name: str) -> bool:
    return name.lower().endswith(".xml")


def arrival_order(names: Iterable[str], manifest: dict[str, datetime | None]
                  ) -> list[tuple[str, datetime | None, bool]]:
    """(name, received_at, present) in manifest order, then unlisted names in path order."""
    present = set(names)
    listed = [(n, ts, n in present) for n, ts in manifest.items()]
    rest = sorted(n for n in present if n not in manifest)
    return listed + [(n, None, True) for n in rest]


def iter_items(path: Path, manifest_file: Path | None = None, max_bytes: int = 25 << 20
               ) -> Iterator[Item]:
    """Every message file below `path` (a directory, .zip, .tar.gz/.tgz or one .xml file)."""
    override = _load(manifest_file) if manifest_file else None
    name = path.name.lower()
    if path.is_dir():
        yield from _from_dir(path, override, max_bytes)
    elif name.endswith(".zip"):
        yield from _from_zip(path, override, max_bytes)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        yield from _from_tar(path, override, max_bytes)
    else:
        yield _read_file(path, str(path), None, max_bytes)


def _load(path: Path) -> dict[str, datetime | None]:
    with path.open("rb") as f:
        return read_manifest(f)


def _read_file(path: Path, source: str, ts: datetime | None, max_bytes: int) -> Item:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Item(source, None, size, ts, "too_large")
        data = path.read_bytes()
    except OSError as err:
        return Item(source, None, 0, ts, f"unreadable: {err.strerror or err}")
    return Item(source, data, len(data), ts)


def _missing(source: str, ts: datetime | None) -> Item:
    return Item(source, None, 0, ts, "unreadable: listed in the manifest but absent")


def _from_dir(root: Path, override: dict[str, datetime | None] | None, max_bytes: int
              ) -> Iterator[Item]:
    manifest = override if override is not None else (
        _load(root / MANIFEST) if (root / MANIFEST).is_file() else {})
    names = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    for name, ts, present in arrival_order(filter(is_message_name, names), manifest):
        source = f"{root.as_posix()}/{name}"
        yield _read_file(root / name, source, ts, max_bytes) if present else _missing(source, ts)


def _from_zip(path: Path, override: dict[str, datetime | None] | None, max_bytes: int
              ) -> Iterator[Item]:
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        manifest = override
        if manifest is None:
            manifest = read_manifest(zf.open(MANIFEST)) if MANIFEST in infos else {}
        for name, ts, present in arrival_order(filter(is_message_name, infos), manifest):
            source = f"{path.as_posix()}!{name}"
            if not present:
                yield _missing(source, ts)
                continue
            info = infos[name]
            if info.file_size > max_bytes:
                yield Item(source, None, info.file_size, ts, "too_large")
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, EOFError) as err:
                yield Item(source, None, info.file_size, ts, f"unreadable: {err}")
                continue
            yield Item(source, data, len(data), ts)


def _from_tar(path: Path, override: dict[str, datetime | None] | None, max_bytes: int
              ) -> Iterator[Item]:
    """One streaming pass; members that arrive before their manifest turn wait on disk."""
    with tarfile.open(path, mode="r|*") as tf, tempfile.TemporaryDirectory() as spill_dir:
        reader = _TarOrder(path.as_posix(), override, Path(spill_dir), max_bytes)
        for member in tf:
            if not member.isfile():
                continue
            if member.size > max_bytes:
                data: bytes | None = None
            else:
                f = tf.extractfile(member)
                data = f.read() if f is not None else None
            yield from reader.add(member.name.lstrip("./"), data, member.size)
        yield from reader.finish()


class _TarOrder:
    """Puts streamed tar members into manifest order; early arrivals wait on disk."""

    def __init__(self, archive: str, manifest: dict[str, datetime | None] | None,
                 spill: Path, max_bytes: int) -> None:
        self.archive = archive
        self.manifest = manifest  # None until the manifest member is seen (or given)
        self.pending: deque[str] = deque(manifest or ())
        self.spill = spill
        self.spilled: dict[str, tuple[int, int]] = {}  # name → (slot, size; -1: too large)
        self.max_bytes = max_bytes

    def add(self, name: str, data: bytes | None, size: int) -> Iterator[Item]:
        if name == MANIFEST and self.manifest is None:
            self.manifest = read_manifest((data or b"").splitlines())
            self.pending = deque(self.manifest)
            yield from self._drain()
        elif is_message_name(name):
            if self.manifest is not None and self.pending and self.pending[0] == name:
                self.pending.popleft()
                yield self._item(name, data, size)
                yield from self._drain()
            else:
                self._save(name, data, size)

    def finish(self) -> Iterator[Item]:
        manifest = self.manifest or {}
        for name in self.pending:  # listed but never delivered in turn
            yield self._load(name) if name in self.spilled else _missing(
                f"{self.archive}!{name}", manifest.get(name))
        self.pending.clear()
        for name in sorted(n for n in self.spilled if n not in manifest):
            yield self._load(name)

    def _drain(self) -> Iterator[Item]:
        while self.pending and self.pending[0] in self.spilled:
            yield self._load(self.pending.popleft())

    def _save(self, name: str, data: bytes | None, size: int) -> None:
        if name in self.spilled:
            return  # a second member of the same name: the first one counts
        slot = len(self.spilled)
        if data is not None:
            (self.spill / str(slot)).write_bytes(data)
        self.spilled[name] = (slot, size if data is not None else -1)

    def _load(self, name: str) -> Item:
        slot, size = self.spilled[name]
        if size < 0:
            return self._item(name, None, 0)
        return self._item(name, (self.spill / str(slot)).read_bytes(), size)

    def _item(self, name: str, data: bytes | None, size: int) -> Item:
        ts = (self.manifest or {}).get(name)
        source = f"{self.archive}!{name}"
        if data is None:
            return Item(source, None, size, ts, "too_large")
        return Item(source, data, len(data), ts)
