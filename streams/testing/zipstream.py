"""A minimal streaming .zip writer with bounded memory (deflate, ZIP64 when needed).

The standard library's zipfile keeps one ZipInfo per member until close (some 400 bytes
each: 400 MB for a million messages). Here the central directory is spooled to a
temporary file as the members are written, so memory stays flat at any size. Only what
the generator needs: deflated members whose bytes are known when written, fixed
timestamps (deterministic output), no encryption, no comments.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import IO

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR = struct.Struct("<IIQI")
_MAX32 = 0xFFFFFFFF
_MAX16 = 0xFFFF
_UNIX_RW = 0o100644 << 16  # regular file, rw-r--r--


def _dos(at: datetime) -> tuple[int, int]:
    return ((at.hour << 11) | (at.minute << 5) | (at.second // 2),
            ((at.year - 1980) << 9) | (at.month << 5) | at.day)


class ZipStream:
    def __init__(self, target: Path) -> None:
        self._out = target.open("wb")
        self._central = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._entries = 0

    def add(self, name: str, data: bytes, at: datetime) -> None:
        """One deflated member (the bytes are known, so no data descriptor is needed)."""
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = deflate.compress(data) + deflate.flush()
        self._member(name, packed, zlib.crc32(data), len(data), at)

    def add_file(self, name: str, source: IO[bytes], at: datetime) -> None:
        """A large member from a file: deflated to a temporary file first, in chunks."""
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        crc = size = 0
        with tempfile.TemporaryFile() as packed:
            while chunk := source.read(1 << 20):
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
                packed.write(deflate.compress(chunk))
            packed.write(deflate.flush())
            csize = packed.tell()
            packed.seek(0)
            self._header(name, crc, csize, size, at)
            shutil.copyfileobj(packed, self._out, 1 << 20)

    def _member(self, name: str, packed: bytes, crc: int, size: int, at: datetime) -> None:
        self._header(name, crc, len(packed), size, at)
        self._out.write(packed)

    def _header(self, name: str, crc: int, csize: int, size: int, at: datetime) -> None:
        if csize >= _MAX32 or size >= _MAX32:
            raise ValueError(f"{name}: members over 4 GiB are not supported")
        raw = name.encode("utf-8")
        offset = self._out.tell()
        t, d = _dos(at)
        flags = 0x800  # names are UTF-8
        self._out.write(_LOCAL.pack(0x04034B50, 20, flags, 8, t, d, crc, csize, size,
                                    len(raw), 0))
        self._out.write(raw)
        extra = b""
        if offset >= _MAX32:  # ZIP64 extra field: the 8-byte offset
            extra = struct.pack("<HHQ", 0x0001, 8, offset)
        self._central.write(_CENTRAL.pack(
            0x02014B50, 0x0314, 45 if extra else 20, flags, 8, t, d, crc, csize, size,
            len(raw), len(extra), 0, 0, 0, _UNIX_RW, min(offset, _MAX32)))
        self._central.write(raw + extra)
        self._entries += 1

    def close(self) -> None:
        start = self._out.tell()
        self._central.seek(0)
        shutil.copyfileobj(self._central, self._out, 1 << 20)
        size = self._out.tell() - start
        self._central.close()
        n = self._entries
        if n >= _MAX16 or start >= _MAX32 or size >= _MAX32:
            end64 = self._out.tell()
            self._out.write(_END64.pack(0x06064B50, 44, 45, 45, 0, 0, n, n, size, start))
            self._out.write(_LOCATOR.pack(0x07064B50, 0, end64, 1))
        self._out.write(_END.pack(0x06054B50, 0, 0, min(n, _MAX16), min(n, _MAX16),
                                  min(size, _MAX32), min(start, _MAX32), 0))
        self._out.close()
