"""Archive writers: a directory tree, a .zip or a .tar.gz, each with `manifest.jsonl` at its
root (product.md §1), written as the files come (nothing is held back).

Deterministic: member timestamps are the receipt times, owners and gzip mtime are fixed,
so the same files in the same order give the same bytes.
"""

from __future__ import annotations

import gzip
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import orjson

from streams.testing.zipstream import ZipStream

Format = Literal["dir", "zip", "tar.gz"]
MANIFEST = "manifest.jsonl"


class Sink(Protocol):
    def write(self, path: str, data: bytes, received_at: datetime) -> None: ...

    def close(self) -> None: ...


def _manifest_line(path: str, received_at: datetime) -> bytes:
    stamp = received_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return orjson.dumps({"path": path, "received_at": stamp}) + b"\n"


class DirSink:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self._manifest = (root / MANIFEST).open("wb")
        self._made: set[Path] = set()

    def write(self, path: str, data: bytes, received_at: datetime) -> None:
        target = self.root / path
        if target.parent not in self._made:  # one mkdir per day directory
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        target.write_bytes(data)
        self._manifest.write(_manifest_line(path, received_at))

    def close(self) -> None:
        self._manifest.close()


class ZipSink:
    """Members are deflated and written as they come (zipstream: the central directory is
    spooled, so memory stays flat); the manifest is spooled and added last — a zip's
    central directory lets readers find it first."""

    def __init__(self, target: Path) -> None:
        self._zip = ZipStream(target)
        self._manifest = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()

    def write(self, path: str, data: bytes, received_at: datetime) -> None:
        self._zip.add(path, data, received_at)
        self._manifest.write(_manifest_line(path, received_at))

    def close(self) -> None:
        self._manifest.seek(0)
        self._zip.add_file(MANIFEST, self._manifest, datetime(2020, 1, 1, tzinfo=UTC))
        self._manifest.close()
        self._zip.close()


class TarSink:
    """The manifest comes FIRST, so a streaming reader knows the arrival order before the
    members: members are spooled as raw tar blocks to a temporary file, and at the end the
    manifest member, the spooled blocks and the end-of-archive marker are gzipped (mtime 0,
    fixed owners: deterministic)."""

    def __init__(self, target: Path) -> None:
        self._target = target
        self._members = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._manifest = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()

    def write(self, path: str, data: bytes, received_at: datetime) -> None:
        self._members.write(_tar_member(path, data, int(received_at.timestamp())))
        self._manifest.write(_manifest_line(path, received_at))

    def close(self) -> None:
        manifest_size = self._manifest.tell()
        with self._target.open("wb") as raw, gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            gz.write(_tar_header(MANIFEST, manifest_size, 1577836800))
            self._manifest.seek(0)
            shutil.copyfileobj(self._manifest, gz, 1 << 20)
            gz.write(bytes(-manifest_size % tarfile.BLOCKSIZE))
            self._members.seek(0)
            shutil.copyfileobj(self._members, gz, 1 << 20)
            written = gz.tell()  # uncompressed bytes so far
            end = 2 * tarfile.BLOCKSIZE  # end-of-archive, padded to a whole record
            gz.write(bytes(end + (-(written + end)) % tarfile.RECORDSIZE))
        self._manifest.close()
        self._members.close()


def _tar_header(path: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(path)
    info.size = size
    info.mtime = mtime
    info.mode = 0o644
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def _tar_member(path: str, data: bytes, mtime: int) -> bytes:
    pad = bytes(-len(data) % tarfile.BLOCKSIZE)
    return _tar_header(path, len(data), mtime) + data + pad


def open_sink(out: Path, fmt: Format) -> Sink:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dir":
        return DirSink(out)
    if fmt == "zip":
        return ZipSink(out)
    return TarSink(out)
