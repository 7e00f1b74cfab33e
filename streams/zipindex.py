"""A .zip read the way a replay needs it: the central directory streamed entry by entry
(zipfile builds an object per member up front: hundreds of MB for a national archive),
and each member read from its offset, in whichever process parses it.

Stored (0) and deflated (8) members are read directly, with their CRC checked; other
methods go through zipfile. Zip64 archives are supported.
"""

from __future__ import annotations

import atexit
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_CENTRAL = struct.Struct("<4s4x2sH4xIIIHHH8xI")  # 46 bytes
_LOCAL = struct.Struct("<4s22xHH")  # 30 bytes
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF


class ZipMember(NamedTuple):
    name: str
    offset: int  # of the local header
    compress_size: int
    file_size: int
    method: int
    crc: int
    encrypted: bool


class BadZip(ValueError):
    pass


# what a damaged archive makes the reading raise, besides BadZip: truncated records
# (struct.error), offsets no file has (ValueError, OverflowError), a method zipfile does
# not know (NotImplementedError), zipfile's own errors
DAMAGE = (BadZip, OSError, EOFError, struct.error, ValueError, OverflowError, zlib.error,
          zipfile.BadZipFile, NotImplementedError, RuntimeError, KeyError)


def zip_members(path: Path) -> Iterator[ZipMember]:
    """Every file member, in central-directory order. Raises BadZip (or OSError) at once
    when the archive has no readable central directory."""
    f = path.open("rb")
    try:
        offset, size = _directory(f)
    except BaseException:
        f.close()
        raise
    return _members(f, offset, size)


_CUT = (struct.error, ValueError, OverflowError)  # a record cut short, an offset past 2⁶³


def _damaged(err: Exception) -> BadZip:
    return err if isinstance(err, BadZip) else BadZip(f"damaged archive ({err})")


def relative(name: str) -> str:
    """A member or manifest path as a name below the archive root: without a leading `/`
    or `./` (the name itself may begin with a dot)."""
    name = name.lstrip("/")
    while name.startswith("./"):
        name = name[2:].lstrip("/")
    return name


def find_member(path: Path, name: str) -> ZipMember | None:
    """The first file member called `name` (an ASCII name), or None: a pass over the
    central directory that builds nothing for the other members."""
    raw_name = name.encode("ascii")
    with path.open("rb") as f:
        offset, size = _directory(f)
        f.seek(offset)
        for fixed, raw, extra in _entries(f, size):
            if relative(raw.decode("latin-1")).encode("latin-1") == raw_name:  # as below
                return next(_members_of([(fixed, raw, extra)]))
    return None


def _members(f: BinaryIO, offset: int, size: int) -> Iterator[ZipMember]:
    with f:
        f.seek(offset)
        yield from _members_of(_entries(f, size))


def _members_of(entries: Iterable[tuple[tuple[Any, ...], bytes, bytes]]
                ) -> Iterator[ZipMember]:
    for fixed, name, extra in entries:
        (sig, flags_raw, method, crc, csize, usize, *_, offset) = fixed
        if sig != b"PK\x01\x02":
            raise BadZip("bad central directory entry")
        flags = int.from_bytes(flags_raw, "little")
        # a name that is not the UTF-8 its flag claims keeps its bytes (as surrogates, like
        # a file name the OS cannot decode): two such names stay two members
        text = name.decode("utf-8", "surrogateescape") if flags & 0x800 else \
            name.decode("cp437")
        if text.endswith("/"):
            continue
        if _MAX32 in (csize, usize, offset):
            usize, csize, offset = _zip64(extra, usize, csize, offset)
        yield ZipMember(relative(text), offset, csize, usize, method, crc,
                        bool(flags & 1))


def _entries(f: BinaryIO, size: int) -> Iterator[tuple[tuple[Any, ...], bytes, bytes]]:
    """(fixed fields, raw name, extra field) of each central directory entry, read in
    large chunks and unpacked in place."""
    unpack, fixed_size = _CENTRAL.unpack_from, _CENTRAL.size
    left, buf, pos = size, b"", 0
    while True:
        if pos + fixed_size <= len(buf):
            fixed = unpack(buf, pos)
            nlen, elen, clen = fixed[6:9]
            end = pos + fixed_size + nlen + elen + clen
            if end <= len(buf):
                start = pos + fixed_size
                yield fixed, buf[start:start + nlen], buf[start + nlen:start + nlen + elen]
                pos = end
                continue
        if left <= 0:
            if pos < len(buf):
                raise BadZip("central directory cut short")
            return
        chunk = f.read(min(left, 1 << 20))
        if not chunk:
            raise BadZip("central directory cut short")
        left -= len(chunk)
        buf, pos = buf[pos:] + chunk, 0


def _directory(f: BinaryIO) -> tuple[int, int]:
    """(offset, size) of the central directory, from the (zip64) end record."""
    try:
        return _end_record(f)
    except _CUT as err:
        raise _damaged(err) from None


def _end_record(f: BinaryIO) -> tuple[int, int]:
    end = f.seek(0, 2)
    f.seek(max(0, end - (1 << 16) - 22))
    tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0:
        raise BadZip("no end of central directory record")
    size, offset = struct.unpack_from("<II", tail, at + 12)
    if _MAX32 in (offset, size):
        loc = tail.rfind(_EOCD64_LOCATOR, 0, at)
        if loc < 0:
            raise BadZip("zip64 locator missing")
        (eocd64,) = struct.unpack_from("<Q", tail, loc + 8)
        f.seek(eocd64)
        record = f.read(56)
        size, offset = struct.unpack_from("<QQ", record, 40)
    return offset, size


def _zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the zip64 extra field, for the fields set to 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        if tag == 1:
            wanted = [usize, csize, offset]
            missing = [i for i, v in enumerate(wanted) if v == _MAX32]
            if size < 8 * len(missing) or at + 4 + size > len(extra):
                raise BadZip("zip64 extra field too short")
            values = struct.unpack_from(f"<{len(missing)}Q", extra, at + 4)
            for i, value in zip(missing, values, strict=True):
                wanted[i] = value
            return wanted[0], wanted[1], wanted[2]
        at += 4 + size
    raise BadZip("zip64 extra field missing")


_open: dict[str, BinaryIO] = {}  # this process's open archives


@atexit.register
def _close_archives() -> None:
    """Close them before the interpreter's teardown would, warning about each."""
    for f in _open.values():
        f.close()
    _open.clear()


def read_member(path: str, m: ZipMember, max_bytes: int) -> tuple[bytes | None, str | None]:
    """(data, None), or (None, "too_large" / "unreadable: …"). `path` is a str: this runs
    once per message, and a Path costs more to build than the member costs to read."""
    if m.file_size > max_bytes:
        return None, "too_large"
    if m.encrypted:
        return None, "unreadable: encrypted member"
    try:
        if m.method not in (0, 8):
            with zipfile.ZipFile(path) as zf:
                return zf.read(m.name), None
        data = _inflate(_raw(path, m), m)
    except DAMAGE as err:
        return None, f"unreadable: {err}"
    if zlib.crc32(data) != m.crc:
        return None, "unreadable: CRC mismatch"
    return data, None


def _raw(path: str, m: ZipMember) -> bytes:
    f = _open.get(path)
    if f is None:
        f = _open[path] = open(path, "rb")  # noqa: SIM115 - kept open for the next member
    f.seek(m.offset)
    sig, nlen, elen = _LOCAL.unpack(f.read(_LOCAL.size))
    if sig != b"PK\x03\x04":
        raise BadZip("bad local header")
    f.seek(nlen + elen, 1)
    return f.read(m.compress_size)


def member_lines(path: Path, m: ZipMember) -> Iterator[bytes]:
    """The lines of one (stored or deflated) member, streamed: a manifest of millions of
    lines is never held whole."""
    with path.open("rb") as f:
        try:
            f.seek(m.offset)
            sig, nlen, elen = _LOCAL.unpack(f.read(_LOCAL.size))
        except _CUT as err:
            raise _damaged(err) from None
        if sig != b"PK\x03\x04":
            raise BadZip("bad local header")
        f.seek(nlen + elen, 1)
        d = zlib.decompressobj(-15) if m.method == 8 else None
        left, rest = m.compress_size, b""
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
            lines = (rest + (d.decompress(chunk) if d else chunk)).split(b"\n")
            rest = lines.pop()
            yield from lines
        if rest:
            yield rest


def _inflate(raw: bytes, m: ZipMember) -> bytes:
    if m.method == 0:
        return raw
    d = zlib.decompressobj(-15)
    data = d.decompress(raw, m.file_size + 1)
    if len(data) > m.file_size:
        raise BadZip("member larger than its directory entry says")  # a zip bomb
    return data
