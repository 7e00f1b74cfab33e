"""Reads message files from directories, .zip and .tar.gz archives, in arrival order.

With a manifest (product.md §1) messages come in manifest order with its receipt
timestamps; files the manifest does not list follow in path order. Without one, sorted
path order. Memory stays bounded however many files an archive holds: the index of
members and the manifest's marks live in a scratch table on disk, one message's bytes
are held at a time, and a .tar.gz is read in one pass (members that arrive before their
manifest turn wait on disk).

Reading is split in two: `plan` gives a `Ref` per message in arrival order (cheap: names
and offsets), `load` reads one (in any process: a zip member is read from its offset).
"""

from __future__ import annotations

import marshal
import os
import tarfile
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import orjson

from streams.core.frozen import record
from streams.state.scratch import NameSet, Scratch
from streams.zipindex import (
    DAMAGE,
    ZipMember,
    find_member,
    member_lines,
    read_member,
    relative,
    zip_members,
)

MANIFEST = "manifest.jsonl"


@record
class Item:
    """One message file as the transport delivers it; `data` is None when unreadable."""

    source: str  # archive path + member, e.g. "sample.zip!msgs/2024/03/01/x.xml"
    data: bytes | None
    size: int
    received_at: datetime | None
    error: str | None = None  # why data is None: "too_large" or "unreadable: …"


@record
class Ref:
    """Where one message file is. `load` turns it into an Item."""

    source: str
    received_at: datetime | None
    file: str | None = None  # a file on disk, or the .zip holding `member`
    member: ZipMember | None = None
    item: Item | None = None  # already read (tar stream, errors found while planning)


def parse_timestamp(raw: object) -> datetime | None:
    """ISO 8601 receipt time, with the offset it is written with (its date is the received
    date); a time without one is taken as UTC, which keeps its date as written too
    (docs/decisions.md, Received date)."""
    if not isinstance(raw, str):
        return None
    if raw[-1:] == "z":  # RFC 3339 allows a lower-case zone designator; Python wants "Z"
        raw = raw[:-1] + "Z"
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def manifest_entries(lines: Iterable[bytes]) -> Iterator[tuple[str, datetime | None]]:
    """(path, received_at) of the messages in manifest order. Bad lines are skipped: a
    manifest only orders and timestamps, the files themselves are still read."""
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            name = relative(entry["path"])
            if is_message_name(name):  # a listed README is no missing message
                yield name, parse_timestamp(entry.get("received_at"))


def is_message_name(name: str) -> bool:
    return name.lower().endswith(".xml")


def iter_items(path: Path, manifest_file: Path | None = None, max_bytes: int = 25 << 20
               ) -> Iterator[Item]:
    """Every message file below `path` (a directory, .zip, .tar.gz/.tgz or one .xml file)."""
    for ref in plan(path, manifest_file, max_bytes):
        yield load(ref, max_bytes)


def plan(path: Path, manifest_file: Path | None = None, max_bytes: int = 25 << 20
         ) -> Iterator[Ref]:
    name = path.name.lower()
    if path.is_dir():
        found = path / MANIFEST
        manifest = Ref(found.as_posix(), None, file=str(found)) if found.is_file() else None
        unlisted: list[str] = []
        yield from _Arrival(path, manifest_file).refs(manifest, _dir_names(path, unlisted))
        for what in unlisted:  # a directory that could not be listed: said, not skipped
            yield _unreadable(path, what)
    elif name.endswith(".zip"):
        try:
            members = zip_members(path)
            entry = None if manifest_file else find_member(path, MANIFEST)
        except DAMAGE as err:  # the whole archive: one failure, nothing else lost
            yield _unreadable(path, str(err))
            return
        manifest = None if entry is None else Ref(
            f"{path.as_posix()}!{entry.name}", None, file=str(path), member=entry)
        damage: list[str] = []
        arrival = _Arrival(path, manifest_file)
        yield from arrival.refs(manifest, _zip_names(path, members, damage))
        for what in (*arrival.damage, *damage):  # read up to the damage, then said
            yield _unreadable(path, what)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        yield from _from_tar(path, manifest_file, max_bytes)
    else:
        yield Ref(str(path), None, file=str(path))


def load(ref: Ref, max_bytes: int = 25 << 20) -> Item:
    if ref.item is not None:
        return ref.item
    if ref.member is not None:
        assert ref.file is not None
        data, error = read_member(ref.file, ref.member, max_bytes)
        size = ref.member.file_size
        return Item(ref.source, data, size if data is None else len(data), ref.received_at,
                    error)
    assert ref.file is not None
    return _read_file(ref.file, ref.source, ref.received_at, max_bytes)


def _read_file(path: str, source: str, ts: datetime | None, max_bytes: int) -> Item:
    """A message file: one lookup of its path, and its size and bytes from the open file
    (os-level: a third of what `Path.stat` and `Path.read_bytes` cost per file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size > max_bytes:
                return Item(source, None, size, ts, "too_large")
            data = _read_all(fd, size, max_bytes)
        finally:
            os.close(fd)
    except OSError as err:
        return Item(source, None, 0, ts, f"unreadable: {err.strerror or err}")
    if len(data) > max_bytes:  # it grew while read
        return Item(source, None, len(data), ts, "too_large")
    return Item(source, data, len(data), ts)


def _read_all(fd: int, size: int, max_bytes: int) -> bytes:
    """To the end of the file, or just past `max_bytes` (a file over the limit is then
    reported with the bytes read, not its whole size); in one read when it is `size`."""
    parts, got, want = [], 0, size + 1
    while got <= max_bytes and (chunk := os.read(fd, want)):
        parts.append(chunk)
        got += len(chunk)
        want = 1 << 16
    return b"".join(parts)


def _missing(source: str, ts: datetime | None) -> Ref:
    return Ref(source, ts, item=Item(source, None, 0, ts,
                                     "unreadable: listed in the manifest but absent"))


def _dir_names(root: Path, unlisted: list[str]) -> Iterator[tuple[str, Ref]]:
    """Every file below `root` in the order of its path (as text), links followed, but
    never into a directory the path already passed through: a link back up the tree
    (`a -> ..`) would make the walk endless. A link to elsewhere in the tree is read as
    before (its files are duplicates, which change nothing). A directory that cannot be
    listed is noted in `unlisted`, and the walk goes on.

    Path order is the order of the manifest of an archive whose names sort as its
    messages arrived (`2024/03/01/…` before `2024/03/02/…`): it is then read in step with
    its manifest, without an index (`_Arrival`). Depth first, a directory's entries sorted
    by name, and a directory's name with its `/`: `a.xml` before `a/…`, as in text."""
    top = os.path.join(root, "")  # with its separator: each path below starts so
    source = f"{root.as_posix()}/"
    stack = [(iter(_entries(top, top, unlisted)), frozenset({directory_identity(root)}))]
    while stack:
        entries, above = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
        elif _is_dir(entry):
            found = _identity(entry)
            if found is not None and found not in above:
                stack.append((iter(_entries(entry.path, top, unlisted)), above | {found}))
        elif _is_file(entry):
            name = entry.path[len(top):]
            yield name, Ref(f"{source}{name}", None, file=entry.path)


def _entries(directory: str, top: str, unlisted: list[str]) -> list[os.DirEntry[str]]:
    """A directory's entries in the order their paths take as text (`_dir_names`)."""
    try:
        with os.scandir(directory) as found:
            return sorted(found, key=lambda e: f"{e.name}/" if _is_dir(e) else e.name)
    except OSError as err:
        unlisted.append(f"{directory[len(top):] or '.'}: {err.strerror or err}")
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """As `Path.is_dir`: a link that loops or leads nowhere is no directory, not an error."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _identity(entry: os.DirEntry[str]) -> tuple[int, int] | None:
    """`directory_identity` of an entry; None when it went away meanwhile."""
    try:
        stat = entry.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def directory_identity(directory: Path) -> tuple[int, int]:
    """(device, inode): the same directory under any name or link."""
    st = directory.stat()
    return st.st_dev, st.st_ino


def _zip_names(path: Path, members: Iterator[ZipMember], damage: list[str]
               ) -> Iterator[tuple[str, Ref]]:
    """The members, up to a damaged entry of the central directory (noted in `damage`)."""
    prefix, file, n = f"{path.as_posix()}!", str(path), 0
    try:
        for n, member in enumerate(members, 1):  # noqa: B007 - n counts what was read
            yield member.name, Ref(f"{prefix}{member.name}", None, file=file, member=member)
    except DAMAGE as err:
        damage.append(f"{err} (after {n} members; the rest of the archive could not be read)")


def _unreadable(path: Path, what: str) -> Ref:
    source = path.as_posix()
    return Ref(source, None, item=Item(source, None, 0, None, f"unreadable: {what}"))


class _Arrival:
    """Arrival order for a container with random access (a directory, a .zip).

    An archive written as its messages arrived stores them in its manifest's order, so it
    is read in step: each manifest line names the next member, and nothing is indexed.
    From the first line that names anything else (a member out of turn, an absent one),
    the remaining members are indexed on disk and each further line is looked up there;
    members the manifest does not list follow in name order. The first line of a name
    counts, and so does the first member of a name. The names listed so far are kept on
    disk too (a Bloom filter in front answers most lookups), so memory stays bounded
    however many members there are; the first message comes at once."""

    def __init__(self, path: Path, manifest_file: Path | None) -> None:
        self.path = path
        self.manifest_file = manifest_file
        self.damage: list[str] = []  # a manifest member that could not be read to its end

    def refs(self, manifest: Ref | None, listing: Iterator[tuple[str, Ref]]) -> Iterator[Ref]:
        members = (m for m in listing if is_message_name(m[0]))
        entries = manifest_entries(self._manifest_lines(manifest))
        with Scratch() as scratch:
            listed = NameSet(scratch, "l/")
            for name, ts in entries:
                if name in listed:
                    continue  # listed twice
                member = next((m for m in members if m[0] not in listed), None)
                if member is None or member[0] != name:  # from here on, by the index
                    yield from self._indexed(scratch, listed, chain([(name, ts)], entries),
                                             chain([member] if member else [], members))
                    return
                listed.add(name)
                yield _at(member[1], ts)
            yield from self._indexed(scratch, listed, iter(()), members)

    def _indexed(self, scratch: Scratch, listed: NameSet,
                 entries: Iterator[tuple[str, datetime | None]],
                 members: Iterator[tuple[str, Ref]]) -> Iterator[Ref]:
        """The remaining lines through an index of the remaining members (without those
        of a name read already), then the members not listed."""
        index = NameSet(scratch, "n/")
        for name, ref in members:
            if name not in listed and name not in index:
                index.add(name, _pack(ref))
        sep = "/" if self.path.is_dir() else "!"
        for name, ts in entries:
            if name in listed:
                continue
            listed.add(name)
            raw = index.get(name)
            if raw is None:
                yield _missing(f"{self.path.as_posix()}{sep}{name}", ts)
            else:
                yield _at(_unpack(raw), ts)
        yield from self._unlisted(scratch)

    def _unlisted(self, scratch: Scratch) -> Iterator[Ref]:
        """Indexed members the manifest does not list, in name order: a merge of the
        member names with the listed ones, both sorted."""
        listed = scratch.items("l/")
        head = next(listed, None)
        for name, raw in scratch.items("n/"):
            while head is not None and head[0] < name:
                head = next(listed, None)
            if head is None or head[0] != name:
                yield _unpack(raw)

    def _manifest_lines(self, manifest: Ref | None) -> Iterator[bytes]:
        if self.manifest_file is not None:
            yield from _file_lines(self.manifest_file)
        elif manifest is not None and manifest.member is not None:
            assert manifest.file is not None
            try:
                yield from member_lines(Path(manifest.file), manifest.member)
            except DAMAGE as err:  # the members it does not list still follow
                self.damage.append(f"{MANIFEST}: {err}")
        elif manifest is not None and manifest.file is not None:
            yield from _file_lines(Path(manifest.file))


def _file_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from f


def _pack(ref: Ref) -> bytes:
    """marshal, not JSON: a file name need not be UTF-8 (os gives its other bytes as
    surrogates, which JSON cannot hold)."""
    m, item = ref.member, ref.item
    stamp = ref.received_at.isoformat() if ref.received_at else None
    error = item.error if item is not None else None
    return marshal.dumps((ref.source, ref.file, None if m is None else tuple(m), stamp, error))


def _unpack(raw: bytes) -> Ref:
    source, file, member, stamp, error = marshal.loads(raw)
    ts = parse_timestamp(stamp)
    if error is not None:
        return Ref(source, ts, item=Item(source, None, 0, ts, error))
    return Ref(source, ts, file, ZipMember(*member) if member is not None else None)


def _at(ref: Ref, received_at: datetime | None) -> Ref:
    """The same message at the receipt time its manifest line gives."""
    item = ref.item
    if item is not None:
        item = Item(item.source, item.data, item.size, received_at, item.error)
    return Ref(ref.source, received_at, ref.file, ref.member, item)


_TAR_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def _from_tar(path: Path, manifest_file: Path | None, max_bytes: int) -> Iterator[Ref]:
    """One streaming pass; members that arrive before their manifest turn wait on disk.
    A damaged archive (cut short, not a tar, garbage in the middle) keeps what was read
    before the damage and ends in one unreadable item that says how far it got: product.md
    §8, processing goes on and nothing disappears silently."""
    with tempfile.TemporaryDirectory() as spill_dir:
        given = list(manifest_entries(_file_lines(manifest_file))) if manifest_file else None
        reader = _TarOrder(path.as_posix(), given, Path(spill_dir))
        members, damage = 0, None
        try:
            with tarfile.open(path, mode="r|*") as tf:
                for member in tf:
                    members += 1
                    yield from _tar_member(tf, member, reader, max_bytes)
                damage = _after_the_end(tf)
        except _TAR_ERRORS as err:
            damage = f"{type(err).__name__}: {err}"
        yield from reader.finish()
        if damage is not None:
            source = path.as_posix()
            yield Ref(source, None, item=Item(source, None, 0, None, (
                f"unreadable: {damage} (after {members} members; the rest of the archive "
                "could not be read)")))


def _tar_member(tf: tarfile.TarFile, member: tarfile.TarInfo, reader: _TarOrder,
                max_bytes: int) -> Iterator[Ref]:
    if not member.isfile():
        return
    data: bytes | None = None
    if member.size <= max_bytes:
        f = tf.extractfile(member)
        data = f.read() if f is not None else None
    yield from reader.add(relative(member.name), data, member.size)


def _after_the_end(tf: tarfile.TarFile) -> str | None:
    """tarfile ends a stream quietly at a header it cannot read: after the last member
    only the end-of-archive zeros may follow (reading them also checks the gzip stream)."""
    stream = tf.fileobj
    assert stream is not None
    while chunk := stream.read(1 << 16):
        if chunk.strip(b"\0"):
            return "a damaged member header"
    return None


class _TarOrder:
    """Puts streamed tar members into manifest order; early arrivals wait on disk."""

    def __init__(self, archive: str, manifest: list[tuple[str, datetime | None]] | None,
                 spill: Path) -> None:
        self.archive = archive
        self.manifest: dict[str, datetime | None] | None = None
        self.pending: list[str] = []
        self.next = 0
        self.spill = spill
        self.spilled: dict[str, tuple[int, int]] = {}  # name → (slot, size; -1: too large)
        if manifest is not None:
            self._set_manifest(manifest)

    def _set_manifest(self, entries: list[tuple[str, datetime | None]]) -> None:
        self.manifest = {}
        for name, ts in entries:
            self.manifest.setdefault(name, ts)
        self.pending = list(self.manifest)

    def add(self, name: str, data: bytes | None, size: int) -> Iterator[Ref]:
        if name == MANIFEST and self.manifest is None:
            self._set_manifest(list(manifest_entries((data or b"").splitlines())))
            yield from self._drain()
        elif is_message_name(name):
            if self.manifest is not None and self._head() == name:
                self.next += 1
                yield self._ref(name, data, size)
                yield from self._drain()
            else:
                self._save(name, data, size)

    def finish(self) -> Iterator[Ref]:
        manifest = self.manifest or {}
        for name in self.pending[self.next:]:  # listed but never delivered in turn
            yield self._load(name) if name in self.spilled else _missing(
                f"{self.archive}!{name}", manifest.get(name))
        self.next = len(self.pending)
        for name in sorted(n for n in self.spilled if n not in manifest):
            yield self._load(name)

    def _head(self) -> str | None:
        return self.pending[self.next] if self.next < len(self.pending) else None

    def _drain(self) -> Iterator[Ref]:
        while (head := self._head()) is not None and head in self.spilled:
            self.next += 1
            yield self._load(head)

    def _save(self, name: str, data: bytes | None, size: int) -> None:
        if name in self.spilled:
            return  # a second member of the same name: the first one counts
        slot = len(self.spilled)
        if data is not None:
            (self.spill / str(slot)).write_bytes(data)
        self.spilled[name] = (slot, size if data is not None else -1)

    def _load(self, name: str) -> Ref:
        slot, size = self.spilled[name]
        if size < 0:
            return self._ref(name, None, 0)
        return self._ref(name, (self.spill / str(slot)).read_bytes(), size)

    def _ref(self, name: str, data: bytes | None, size: int) -> Ref:
        ts = (self.manifest or {}).get(name)
        source = f"{self.archive}!{name}"
        if data is None:
            return Ref(source, ts, item=Item(source, None, size, ts, "too_large"))
        return Ref(source, ts, item=Item(source, data, len(data), ts))
