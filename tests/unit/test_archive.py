"""Archive reading: manifest order and timestamps, unlisted files, all three containers."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.archive import Item, iter_items, parse_timestamp
from streams.replay.source import Parser, units
from streams.settings import Settings
from streams.xmlio import shown
from tests.conftest import heen

FILES = {"msgs/b.xml": b"<b/>", "msgs/a.xml": b"<a/>", "msgs/c.xml": b"<c/>",
         "extra/z.xml": b"<z/>", "notes.txt": b"not a message"}
MANIFEST = (b'{"path": "msgs/c.xml", "received_at": "2024-03-01T09:15:00Z"}\n'
            b"this line is broken\n"
            b'{"path": "msgs/a.xml", "received_at": "2024-03-01T10:00:00+01:00"}\n'
            b'{"path": "msgs/gone.xml", "received_at": "2024-03-02T08:00:00Z"}\n'
            b'{"path": "msgs/b.xml"}\n')


def make(tmp: Path, kind: str, manifest: bool = True, order: list[str] | None = None) -> Path:
    files = dict(FILES)
    if manifest:
        files["manifest.jsonl"] = MANIFEST
    names = order or list(files)
    if kind == "dir":
        for name in names:
            (tmp / "a" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "a" / name).write_bytes(files[name])
        return tmp / "a"
    if kind == "zip":
        with zipfile.ZipFile(tmp / "a.zip", "w") as zf:
            for name in names:
                zf.writestr(name, files[name])
        return tmp / "a.zip"
    with tarfile.open(tmp / "a.tar.gz", "w:gz") as tf:
        for name in names:
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            tf.addfile(info, io.BytesIO(files[name]))
    return tmp / "a.tar.gz"


def summary(items: list[Item]) -> list[tuple[str, bytes | None, str | None]]:
    return [(i.source.replace("!", "/").rsplit("/", 2)[-2] + "/" + i.source.rsplit("/", 1)[-1],
             i.data, i.received_at.isoformat() if i.received_at else None) for i in items]


EXPECTED = [
    ("msgs/c.xml", b"<c/>", "2024-03-01T09:15:00+00:00"),
    ("msgs/a.xml", b"<a/>", "2024-03-01T10:00:00+01:00"),  # as written: its date counts
    ("msgs/gone.xml", None, "2024-03-02T08:00:00+00:00"),
    ("msgs/b.xml", b"<b/>", None),
    ("extra/z.xml", b"<z/>", None),  # unlisted: after the listed ones, in path order
]


@pytest.mark.parametrize("kind", ["dir", "zip", "tar"])
def test_manifest_order_and_timestamps(tmp_path: Path, kind: str) -> None:
    items = list(iter_items(make(tmp_path, kind)))
    assert summary(items) == EXPECTED
    gone = items[2]
    assert gone.error is not None and "absent" in gone.error


@pytest.mark.parametrize("kind", ["dir", "zip", "tar"])
def test_without_manifest_sorted_path_order(tmp_path: Path, kind: str) -> None:
    items = list(iter_items(make(tmp_path, kind, manifest=False)))
    assert [s for s, _, _ in summary(items)] == [
        "extra/z.xml", "msgs/a.xml", "msgs/b.xml", "msgs/c.xml"]


def test_tar_with_manifest_last_and_members_out_of_order(tmp_path: Path) -> None:
    order = ["msgs/b.xml", "extra/z.xml", "msgs/a.xml", "notes.txt", "msgs/c.xml",
             "manifest.jsonl"]
    items = list(iter_items(make(tmp_path, "tar", order=order)))
    assert summary(items) == EXPECTED


def test_manifest_named_on_the_command_line_wins(tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_bytes(b'{"path": "msgs/b.xml", "received_at": "2024-01-01T12:00:00Z"}\n')
    items = list(iter_items(make(tmp_path, "zip"), manifest_file=other))
    assert [s for s, _, _ in summary(items)][:2] == ["msgs/b.xml", "extra/z.xml"]
    assert items[0].received_at == datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["dir", "zip", "tar"])
def test_manifest_paths_are_relative_to_the_root_whatever_their_prefix(tmp_path: Path,
                                                                        kind: str) -> None:
    """`./`, `/` and a name that itself begins with a dot; a listed file that is no
    message is not reported missing."""
    FILES[".early.xml"] = b"<e/>"
    try:
        other = tmp_path / "m.jsonl"
        other.write_bytes(b'{"path": "./.early.xml", "received_at": "2024-01-01T12:00:00Z"}\n'
                          b'{"path": "/msgs/b.xml"}\n{"path": "notes.txt"}\n'
                          b'{"path": ".//msgs/a.xml"}\n')
        items = list(iter_items(make(tmp_path, kind, manifest=False), manifest_file=other))
    finally:
        del FILES[".early.xml"]
    assert [(i.source.replace("!", "/").rsplit("/", 1)[-1], i.error) for i in items][:3] == [
        (".early.xml", None), ("b.xml", None), ("a.xml", None)]
    assert items[0].received_at == datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["dir", "zip", "tar"])
def test_oversized_members_are_not_read(tmp_path: Path, kind: str) -> None:
    items = list(iter_items(make(tmp_path, kind, manifest=False), max_bytes=3))
    assert all(i.data is None and i.error == "too_large" for i in items)


def _zip(tmp: Path, members: dict[str, bytes], *, zip64: bool = False,
         stored: bool = False) -> Path:
    path = tmp / "m.zip"
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with zf.open(info, "w", force_zip64=zip64) as f:
                f.write(data)
    return path


@pytest.mark.parametrize(("zip64", "stored"), [(False, False), (True, False), (False, True)])
def test_zip_members_are_read_from_their_offsets(tmp_path: Path, zip64: bool,
                                                 stored: bool) -> None:
    members = {f"m/{i:03}.xml": f"<x n='{i}'>{'y' * i}</x>".encode() for i in range(50)}
    path = _zip(tmp_path, dict(reversed(members.items())), zip64=zip64, stored=stored)
    items = list(iter_items(path))
    assert [(i.source.split("!")[1], i.data) for i in items] == list(members.items())


def test_a_damaged_member_is_one_unreadable_item(tmp_path: Path) -> None:
    path = _zip(tmp_path, {"a.xml": b"<a>" + b"x" * 200 + b"</a>", "b.xml": b"<b/>"},
                stored=True)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"xxxx")
    raw[at] = ord("z")  # the stored bytes no longer match their CRC
    path.write_bytes(bytes(raw))
    a, b = iter_items(path)
    assert a.data is None and a.error == "unreadable: CRC mismatch"
    assert b.data == b"<b/>"


def test_a_member_larger_than_its_entry_says_is_refused(tmp_path: Path) -> None:
    """A zip bomb lies about its size: inflating stops at the size the directory gives."""
    path = _zip(tmp_path, {"bomb.xml": b"<a>" + b"0" * 100_000 + b"</a>"})
    raw = bytearray(path.read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24:central + 28] = (1000).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(raw))
    (item,) = iter_items(path)
    assert item.data is None and item.error is not None and "larger" in item.error


def test_a_file_that_is_no_zip_is_one_unreadable_item(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"this is not a zip archive" * 10)
    (item,) = iter_items(path)
    assert item.data is None and item.error is not None
    assert item.error.startswith("unreadable: no end of central directory")


def _tar(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return out.getvalue()


MEMBERS = [(f"m/{i}.xml", f"<m{i}/>".encode()) for i in range(6)]


@pytest.mark.parametrize("damage", ["truncated", "not_a_tar", "bad_header"])
def test_a_damaged_tar_gz_keeps_what_it_could_read_and_says_so(tmp_path: Path,
                                                               damage: str) -> None:
    """product.md §8: processing goes on, nothing disappears silently. A .tar.gz cut short
    or not a tar at all, or one whose member header in the middle is garbage (tarfile ends
    such a stream quietly), gives the members read before the damage and one unreadable
    item for the archive that says how far it got."""
    raw = _tar(MEMBERS)
    if damage == "bad_header":  # the 4th member's header block: each member is 2 blocks
        raw = raw[:3 * 1024] + bytes(range(1, 256)) * 2 + raw[3 * 1024 + 510:]
    packed = gzip.compress(raw)
    if damage == "truncated":
        packed = packed[: len(packed) // 2]
    elif damage == "not_a_tar":
        packed = gzip.compress(b"this is no tar archive at all" * 100)
    path = tmp_path / "a.tar.gz"
    path.write_bytes(packed)
    items = list(iter_items(path))
    read = [i.source.rsplit("!", 1)[1] for i in items if i.data is not None]
    (failure,) = [i for i in items if i.data is None]
    assert failure.source == path.as_posix() and failure.error is not None
    assert failure.error.startswith("unreadable:")
    assert read == [n for n, _ in MEMBERS][: len(read)]
    if damage == "bad_header":
        assert read == ["m/0.xml", "m/1.xml", "m/2.xml"]


def test_an_intact_tar_gz_has_no_failure(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    path.write_bytes(gzip.compress(_tar(MEMBERS)))
    assert [i.error for i in iter_items(path)] == [None] * len(MEMBERS)


def _arrival_order(members: list[str], manifest: list[str]) -> list[tuple[str, bool]]:
    """product.md §1, as a model: listed names in manifest order (the first line of a name
    counts; absent ones too), then unlisted members in path order. (name, present)."""
    listed = list(dict.fromkeys(manifest))
    unlisted = sorted(set(members) - set(listed))
    return [(n, n in members) for n in listed] + [(n, True) for n in unlisted]


@pytest.mark.parametrize("seed", range(40))
def test_arrival_order_of_random_zips(tmp_path: Path, seed: int) -> None:
    """Members written in name order or not, manifests ascending, shuffled, with a name
    listed twice, unlisted members and absent ones: the model's order, and the
    manifest's timestamps."""
    rng = random.Random(seed)
    names = sorted({f"m/{rng.randrange(10**4):05d}.xml" for _ in range(rng.randrange(1, 30))})
    members = rng.sample(names, rng.randrange(1, len(names) + 1))
    if seed % 2 == 0:
        members.sort()  # written as they arrived: the merge path
    manifest = [n for n in names if rng.random() < 0.7]
    if seed % 4 == 1:
        rng.shuffle(manifest)
    if seed % 8 == 3 and manifest:
        manifest.append(manifest[0])  # listed twice: the first line counts
    stamp = {n: f"2024-03-01T{i % 24:02d}:{i % 60:02d}:00Z" for i, n in enumerate(manifest)}
    lines = b"".join(orjson.dumps({"path": n, "received_at": stamp[n]}) + b"\n"
                     for n in manifest)
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n in members:
            zf.writestr(n, f"<{n}/>")
        if manifest or seed % 3:
            zf.writestr("manifest.jsonl", lines)
    items = list(iter_items(path))
    got = [(i.source.split("!", 1)[1], i.data is not None) for i in items]
    assert got == _arrival_order(members, manifest)
    for item in items:
        name = item.source.split("!", 1)[1]
        want = stamp.get(name)
        assert (item.received_at.isoformat() if item.received_at else None) == (
            datetime.fromisoformat(want).isoformat() if want else None)


@pytest.mark.parametrize("seed", range(60))
def test_arrival_order_of_zips_written_as_they_arrived(tmp_path: Path, seed: int) -> None:
    """Members written in manifest order (read in step, without an index), until the
    manifest lists a member twice, an absent name, a member out of turn, or ends early;
    with a member name twice in the zip (the first member counts): the model's order."""
    rng = random.Random(seed)
    names = [f"m/{n:05d}.xml" for n in rng.sample(range(10**4), rng.randrange(2, 30))]
    manifest = list(names)  # arrival order, not name order
    cut = rng.randrange(len(manifest) + 1)
    twist = seed % 5
    if twist == 1:
        manifest.insert(cut, manifest[rng.randrange(max(cut, 1))])  # listed twice
    elif twist == 2:
        manifest.insert(cut, "m/gone.xml")
    elif twist == 3 and cut + 1 < len(manifest):
        manifest[cut], manifest[-1] = manifest[-1], manifest[cut]  # one out of turn
    elif twist == 4:
        del manifest[cut:]  # the rest unlisted
    writes = [(n, f"<{n}/>") for n in names]
    twice = rng.choice(names) if seed % 3 == 0 else None
    if twice is not None:  # a second member of a name, anywhere after the first
        first = names.index(twice)
        writes.insert(rng.randrange(first + 1, len(writes) + 1), (twice, "<second/>"))
    lines = b"".join(orjson.dumps({"path": n, "received_at": f"2024-03-01T00:{i % 60:02d}:00Z"})
                     + b"\n" for i, n in enumerate(manifest))
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in writes:
            if n == twice and data == "<second/>":
                with pytest.warns(UserWarning, match="Duplicate name"):
                    zf.writestr(n, data)
            else:
                zf.writestr(n, data)
        zf.writestr("manifest.jsonl", lines)
    items = list(iter_items(path))
    got = [(i.source.split("!", 1)[1], i.data is not None) for i in items]
    assert got == _arrival_order(names, manifest)
    assert b"<second/>" not in [i.data for i in items]


@pytest.mark.parametrize("raw", ["2024-03-01T09:15:00Z", "2024-03-01T09:15:00z",
                                 "2024-03-01t09:15:00Z", "2024-03-01T10:15:00+01:00"])
def test_rfc_3339_receipt_times(raw: str) -> None:
    assert parse_timestamp(raw) == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)


def _three(tmp: Path, manifest: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest is not None:
            zf.writestr("manifest.jsonl", manifest)
        for name in ("m/1.xml", "m/2.xml", "m/3.xml"):
            zf.writestr(name, f"<{name[2]}/>".encode())
    return buf.getvalue()


def _central(data: bytes, k: int) -> int:
    """Offset of the k-th central directory entry."""
    at = -1
    for _ in range(k + 1):
        at = data.index(b"PK\x01\x02", at + 1)
    return at


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _damages(data: bytes) -> dict[str, bytes]:
    second = _central(data, 1)
    return {
        "end record cut short": data[:data.rindex(b"PK\x05\x06") + 14],
        "second central entry garbled": _patched(data, second, b"XX\x01\x02"),
        "compression method 99": _patched(data, second + 10, b"\x63\x00"),
        "local header past the end": _patched(data, second + 42, b"\xf0\xff\xff\x7f"),
        "zip64 sizes without their field": _patched(data, second + 20, b"\xff" * 4),
    }


@pytest.mark.parametrize("damage", list(_damages(_three(Path()))))
def test_a_damaged_zip_is_read_up_to_the_damage_and_says_so(tmp_path: Path,
                                                            damage: str) -> None:
    """product.md §8: no input stops a replay. What can be read is read; the rest is an
    `unreadable` item that says why."""
    path = tmp_path / "a.zip"
    path.write_bytes(_damages(_three(tmp_path))[damage])
    items = list(iter_items(path))
    read = [i for i in items if i.data is not None]
    failed = [i for i in items if i.data is None]
    assert failed and all(i.error and i.error.startswith("unreadable") for i in failed)
    assert len(read) + len(failed) <= 4
    assert all(i.data in (b"<1/>", b"<2/>", b"<3/>") for i in read)
    orjson.dumps([i.source for i in items])  # every name is text JSON can carry


def test_zip_names_flagged_utf8_that_are_not_are_read_each(tmp_path: Path) -> None:
    """Their bytes are kept: two such names stay two messages; a record shows them as
    escapes."""
    data = _three(tmp_path)
    for k, byte in ((1, b"\xff"), (2, b"\xfe")):
        at = _central(data, k)
        data = _patched(_patched(data, at + 8, b"\x00\x08"), at + 48, byte)
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    items = list(iter_items(path))
    assert sorted(i.data or b"" for i in items) == [b"<1/>", b"<2/>", b"<3/>"]
    assert sorted(shown(i.source).rpartition("!")[2] for i in items) == [
        "m/1.xml", "m/\\udcfe.xml", "m/\\udcff.xml"]
    orjson.dumps([shown(i.source) for i in items])


def test_a_zip_whose_manifest_member_is_damaged_still_gives_every_message(
        tmp_path: Path) -> None:
    data = _three(tmp_path, b'{"path": "m/2.xml"}\n')
    path = tmp_path / "a.zip"
    path.write_bytes(_patched(data, _central(data, 0) + 42, b"\xf0\xff\xff\x7f"))
    items = list(iter_items(path))
    assert sorted(i.data for i in items if i.data) == [b"<1/>", b"<2/>", b"<3/>"]
    (failed,) = [i for i in items if i.data is None]
    assert failed.error is not None and "manifest.jsonl" in failed.error


def test_a_file_name_that_is_not_utf8_is_read_and_shown(tmp_path: Path) -> None:
    """The OS hands such a name over with surrogates, which JSON cannot carry: the file is
    read, and its source is written with escapes."""
    root = tmp_path / "in"
    root.mkdir()
    with open(bytes(root) + b"/caf\xe9.xml", "wb") as f:
        f.write(heen("jw", "301").xml())
    settings = Settings(hmac_key=b"k" * 32)
    (parsed,) = [Parser(settings)(unit)[0] for unit in units((root,), None, 25 << 20)]
    assert isinstance(parsed, list)
    assert parsed[0].source.endswith("caf\\udce9.xml")
    orjson.dumps(parsed[0])


def test_links_back_up_a_directory_tree_are_followed_once(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "m").mkdir(parents=True)
    (root / "m" / "1.xml").write_bytes(b"<1/>")
    (root / "m" / "a").symlink_to("..")
    (root / "m" / "b").symlink_to("..")
    assert [i.data for i in iter_items(root)] == [b"<1/>"]


def test_a_link_to_elsewhere_in_the_tree_leaves_the_real_names_listed(tmp_path: Path) -> None:
    """Only a link back up the path is cut: a link to another directory of the archive is
    read as well, and the manifest's names still name the real files."""
    root = tmp_path / "in"
    (root / "msgs" / "2020").mkdir(parents=True)
    (root / "msgs" / "2020" / "a.xml").write_bytes(b"<a/>")
    (root / "zz").symlink_to("msgs")
    (root / "manifest.jsonl").write_bytes(
        b'{"path": "msgs/2020/a.xml", "received_at": "2020-03-02T09:00:00Z"}\n')
    items = list(iter_items(root))
    assert [(i.source.rsplit("/in/", 1)[1], i.error, i.received_at is not None)
            for i in items] == [("msgs/2020/a.xml", None, True), ("zz/2020/a.xml", None, False)]


def _dated_tree(root: Path) -> list[str]:
    """An archive stored as its messages arrived: one directory per day, and the names a
    text sort puts in another order than a walk that takes directories last would."""
    names = ["2020/01/31/0900_a.xml", "2020/01/31/1000_b.xml", "2020/02/01/0800_c.xml",
             "2020/02/01.xml", "2020/02/01/0900_d.xml", "2021/01/01/0700_e.xml",
             "2021-late/0100_f.xml", "2021.xml"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(f"<m n='{name}'/>".encode())
    return sorted(names)


def test_a_directory_archive_is_listed_in_the_order_of_its_paths(tmp_path: Path) -> None:
    from streams.archive import _dir_names

    expected = _dated_tree(tmp_path / "in")
    assert [name for name, _ in _dir_names(tmp_path / "in", [])] == expected


def test_a_directory_stored_in_arrival_order_is_read_in_step_with_its_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its manifest lists the paths in their order: no index of the members is built (a
    directory walked in another order was indexed whole, a third slower on 200k files)."""
    from streams import archive

    root = tmp_path / "in"
    names = _dated_tree(root)
    (root / "manifest.jsonl").write_bytes(b"".join(
        orjson.dumps({"path": n, "received_at": f"2020-01-{i + 1:02d}T09:00:00Z"}) + b"\n"
        for i, n in enumerate(names)))
    indexed: list[str] = []
    real = archive.NameSet.add

    def spy(self: Any, name: str, value: bytes = b"") -> None:
        if self.prefix == "n/":  # the index of members, by name
            indexed.append(name)
        real(self, name, value)

    monkeypatch.setattr(archive.NameSet, "add", spy)
    items = list(iter_items(root))
    assert [i.source.rsplit("/in/", 1)[1] for i in items] == names
    assert all(i.received_at is not None for i in items)
    assert indexed == []
    assert [i.data for i in items] == [(root / n).read_bytes() for n in names]


@pytest.mark.parametrize(("max_bytes", "error"), [(1000, None), (50, "too_large")])
def test_a_message_file_is_read_to_its_end_past_the_size_it_had(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_bytes: int,
        error: str | None) -> None:
    """A file that grew after its size was taken is read whole, and still held to the
    size limit."""
    from streams import archive

    path = tmp_path / "m.xml"
    path.write_bytes(b"<m>" + b"x" * 94 + b"</m>")
    real = archive.os.fstat

    def shrunk(fd: int) -> Any:
        st = real(fd)
        return type("Stat", (), {"st_size": 10, "st_dev": st.st_dev, "st_ino": st.st_ino})()

    monkeypatch.setattr(archive.os, "fstat", shrunk)
    item = archive._read_file(str(path), "m.xml", None, max_bytes)
    assert item.error == error
    assert item.size == 101
    assert item.data == (path.read_bytes() if error is None else None)


def test_links_that_loop_or_lead_nowhere_are_no_files_and_stop_nothing(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.xml").write_bytes(b"<a/>")
    (root / "loop").symlink_to("loop")
    (root / "through.xml").symlink_to("a.xml/x")
    (root / "gone.xml").symlink_to("nowhere.xml")
    assert [(i.source.rsplit("/in/", 1)[1], i.data) for i in iter_items(root)] == [
        ("a.xml", b"<a/>")]


def test_a_directory_that_cannot_be_listed_is_reported_and_the_rest_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streams import archive

    root = tmp_path / "in"
    (root / "2020").mkdir(parents=True)
    (root / "2021").mkdir()
    (root / "2020" / "a.xml").write_bytes(b"<a/>")
    (root / "2021" / "b.xml").write_bytes(b"<b/>")
    real = archive.os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("2020"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(archive.os, "scandir", scandir)
    items = list(iter_items(root))
    assert [(i.source.rsplit("/", 1)[1], i.data, i.error) for i in items] == [
        ("b.xml", b"<b/>", None),
        ("in", None, "unreadable: 2020: Permission denied")]
