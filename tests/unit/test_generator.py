"""The archive generator: deterministic, all formats, all message families, parseable,
and its known answers point at units that exist."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from streams.core.bsn import Pseudonymizer, elfproef
from streams.core.decode import ParseContext
from streams.core.model import Failure, Message
from streams.testing import werkdagen as wd
from streams.testing.generator import GenerationSummary, generate
from streams.testing.world import Bsns
from streams.xmlio import XmlDecoder

HEEN_2X = ("301", "302", "305", "306", "307", "308", "315", "316")
HEEN_3X = (*HEEN_2X, "317", "318", "319", "320")


@dataclass
class Archive:
    summary: GenerationSummary
    manifest: list[dict[str, str]]
    files: dict[str, bytes]

    @property
    def expected(self) -> Path:
        return self.summary.expected


def _jsonl(raw: bytes) -> list[dict[str, str]]:
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def _read(path: Path, fmt: str) -> tuple[list[dict[str, str]], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    if fmt == "zip":
        with zipfile.ZipFile(path) as z:
            files = {n: z.read(n) for n in z.namelist()}
    elif fmt == "tar.gz":
        with tarfile.open(path, "r:gz") as t:
            members = t.getmembers()
            assert members[0].name == "manifest.jsonl"  # first: streaming readers need it
            for m in members:
                f = t.extractfile(m)
                assert f is not None
                files[m.name] = f.read()
    else:
        files = {str(p.relative_to(path)): p.read_bytes()
                 for p in path.rglob("*") if p.is_file()}
    return _jsonl(files.pop("manifest.jsonl")), files


def _make(tmp: Path, fmt: str, messages: int, bad: int = 0, seed: int = 1) -> Archive:
    name = {"zip": "a.zip", "tar.gz": "a.tar.gz", "dir": "a"}[fmt]
    summary = generate(tmp / name, messages=messages, seed=seed, fmt=fmt,  # type: ignore[arg-type]
                       bad=bad, gemeenten=12, aanbieders=30)
    manifest, files = _read(tmp / name, fmt)
    return Archive(summary, manifest, files)


@pytest.fixture(scope="module")
def modest(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return _make(tmp_path_factory.mktemp("gen"), "zip", 3000, bad=10)


@pytest.fixture(scope="module")
def parsed(modest: Archive) -> list[tuple[dict[str, str], Message | Failure]]:
    decoder = XmlDecoder(ParseContext(Pseudonymizer(b"k" * 32), ZoneInfo("Europe/Amsterdam")))
    out: list[tuple[dict[str, str], Message | Failure]] = []
    for entry in modest.manifest:
        at = datetime.fromisoformat(entry["received_at"].replace("Z", "+00:00"))
        result = decoder.parse(modest.files[entry["path"]], entry["path"], at)
        if isinstance(result, Failure):
            out.append((entry, result))
        else:
            out.extend((entry, m) for m in result)
    return out


def _messages(parsed: list[tuple[dict[str, str], Message | Failure]]) -> Iterator[Message]:
    return (m for _, m in parsed if isinstance(m, Message))


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    for fmt, name in (("zip", "x.zip"), ("tar.gz", "x.tar.gz")):
        blobs = []
        for run in ("one", "two"):
            target = tmp_path / run / name
            generate(target, messages=400, seed=7, fmt=fmt, bad=3)  # type: ignore[arg-type]
            expected = target.with_name(name + ".expected")
            blobs.append([target.read_bytes()] + [
                (expected / f).read_bytes()
                for f in ("links.jsonl", "alerts.jsonl", "rejects.jsonl")])
        assert blobs[0] == blobs[1]
    other = tmp_path / "other.zip"
    generate(other, messages=400, seed=8)
    assert other.read_bytes() != (tmp_path / "one" / "x.zip").read_bytes()


@pytest.mark.parametrize("fmt", ["dir", "zip", "tar.gz"])
def test_every_format_lists_every_file_in_its_manifest(tmp_path: Path, fmt: str) -> None:
    archive = _make(tmp_path, fmt, 300, bad=5)
    paths = [e["path"] for e in archive.manifest]
    assert len(paths) == len(set(paths))
    assert set(paths) == set(archive.files)
    assert len(paths) == archive.summary.messages + archive.summary.bad
    assert all(p.startswith("msgs/") and p.endswith(".xml") for p in paths)
    for entry in archive.manifest:
        hour = int(entry["received_at"][11:13])
        assert 7 <= hour < 17 and entry["received_at"].endswith("Z")
        assert entry["path"][5:15].replace("/", "-") == entry["received_at"][:10]


def test_manifest_is_mostly_chronological(modest: Archive) -> None:
    stamps = [datetime.fromisoformat(e["received_at"][:19]) for e in modest.manifest]
    seen = stamps[0]
    behind = 0
    for at in stamps:
        if at < seen:
            behind += 1
            assert (seen - at).total_seconds() <= 86_400  # out of order by up to a day
        seen = max(seen, at)
    assert 0 < behind < len(stamps) // 20


def test_every_type_domain_and_release_is_present(parsed: list[tuple[dict[str, str],
                                                                     Message | Failure]]) -> None:
    seen = {(m.msg, m.domain, m.release) for m in _messages(parsed)}
    for domain in ("jw", "wmo"):
        for release in ("2.3", "2.4", "3.0", "3.1", "3.2"):
            for msg in HEEN_3X if release.startswith("3.") else HEEN_2X:
                assert (msg, domain, release) in seen, (msg, domain, release)


def test_both_2x_layouts_are_written(modest: Archive) -> None:
    raws = [raw for raw in modest.files.values() if b"/2_" in raw[:400]]
    assert any(b"Berichtspecificatie" in r for r in raws)
    assert any(b"BerichtCode" in r for r in raws)


def test_every_good_file_parses_and_bad_files_fail_as_expected(
        modest: Archive, parsed: list[tuple[dict[str, str], Message | Failure]]) -> None:
    rejects = {r["path"]: r["reason"] for r in
               _jsonl((modest.expected / "rejects.jsonl").read_bytes())}
    assert len(rejects) == 10
    assert set(rejects.values()) == {"malformed_xml", "forbidden_dtd", "invalid_bsn",
                                     "unknown_code", "missing_field"}
    for entry, result in parsed:
        if entry["path"] in rejects:
            assert isinstance(result, Failure) and result.reason == rejects[entry["path"]]
        else:
            assert isinstance(result, Message), (entry["path"], result)


def test_links_point_at_units_that_exist(
        modest: Archive, parsed: list[tuple[dict[str, str], Message | Failure]]) -> None:
    messages = set()
    lines = set()
    toewijzingen = set()
    for m in _messages(parsed):
        messages.add(m.message_key)
        for line in m.lines:
            lines.add(line.line_key)
            if m.msg == "301" and line.toewijzing_key:
                toewijzingen.add(line.toewijzing_key)
    links = _jsonl((modest.expected / "links.jsonl").read_bytes())
    units = [rec["unit"] for rec in links]
    assert units == sorted(units) and len(units) == len(set(units))
    assert {rec["kind"] for rec in links} == {"line", "retour", "message"}
    for rec in links:
        assert rec["unit"] in (lines if rec["kind"] == "line" else messages), rec
        assert rec["target"] in toewijzingen | lines | messages, rec
        if "start" in rec:
            assert rec["start"] in lines, rec


def test_a_24_toewijzing_is_started_in_30(
        parsed: list[tuple[dict[str, str], Message | Failure]]) -> None:
    in_24 = {ln.toewijzing_key for m in _messages(parsed) if m.msg == "301"
             and m.release == "2.4" for ln in m.lines}
    started_30 = {ln.toewijzing_key for m in _messages(parsed) if m.msg == "305"
                  and m.release == "3.0" for ln in m.lines}
    assert in_24 & started_30


def test_alerts_cover_the_rules_they_claim(modest: Archive) -> None:
    summary = orjson.loads((modest.expected / "summary.json").read_bytes())
    alerts = _jsonl((modest.expected / "alerts.jsonl").read_bytes())
    rules = {a["rule"] for a in alerts}
    assert rules <= set(summary["covered_rules"])
    assert {"retour_missing", "retour_late", "retour_rejected", "request_unanswered",
            "start_late", "stop_late"} <= rules
    alerts_from = date.fromisoformat(summary["alerts_from"])
    last = date.fromisoformat(summary["last_received"])
    for a in alerts:
        due = date.fromisoformat(a["due"])
        assert due >= alerts_from and a["status"] in ("raised", "resolved")
        if a["rule"].endswith("_late"):
            assert int(a["late_werkdagen"]) > 0
        if a["rule"].endswith(("_missing", "_unanswered")):
            assert due < last
    assert summary["by_domain"].keys() == {"jw", "wmo"}
    assert summary["messages"] == modest.summary.messages


def test_werkdagen_calendar() -> None:
    assert wd.easter(2024) == date(2024, 3, 31)
    assert wd.easter(2025) == date(2025, 4, 20)
    assert not wd.is_werkdag(date(2025, 4, 26))  # Koningsdag on Saturday (27th a Sunday)
    assert not wd.is_werkdag(date(2024, 5, 9))  # Hemelvaartsdag
    assert not wd.is_werkdag(date(2023, 5, 5))
    assert wd.due(date(2024, 12, 24), 1) == date(2024, 12, 27)
    assert wd.due(date(2024, 3, 28), 1) == date(2024, 4, 2)  # Goede Vrijdag, Paasmaandag
    assert wd.werkdagen_between(date(2024, 3, 1), date(2024, 3, 8)) == 5


def test_bsns_pass_the_elfproef_and_never_repeat() -> None:
    bsns = Bsns(3)
    drawn = [bsns.next() for _ in range(5000)]
    assert all(elfproef(b) for b in drawn)
    assert len(set(drawn)) == len(drawn)


def test_tar_members_read_as_a_stream(tmp_path: Path) -> None:
    generate(tmp_path / "s.tar.gz", messages=100, fmt="tar.gz")
    with tarfile.open(fileobj=io.BytesIO((tmp_path / "s.tar.gz").read_bytes()),
                      mode="r|gz") as stream:
        names = [m.name for m in stream]
    assert names[0] == "manifest.jsonl" and len(names) > 100
