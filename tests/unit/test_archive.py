"""Archive reading: manifest order and timestamps, unlisted files, all three containers."""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.archive import Item, iter_items

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
    ("msgs/a.xml", b"<a/>", "2024-03-01T09:00:00+00:00"),
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
def test_oversized_members_are_not_read(tmp_path: Path, kind: str) -> None:
    items = list(iter_items(make(tmp_path, kind, manifest=False), max_bytes=3))
    assert all(i.data is None and i.error == "too_large" for i in items)
