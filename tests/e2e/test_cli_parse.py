"""`ketenlink parse` as a user runs it: a real process, real files, JSON lines out."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson

from tests.conftest import BSN, heen

KEY_ENV = {"KETENLINK_HMAC_KEY": "e2e-test-key-0123456789"}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KETENLINK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "streams", *args], capture_output=True,
                          env=full_env, timeout=120, check=False)


def archive(tmp: Path) -> Path:
    path = tmp / "in.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("m/1.xml", heen("jw", "301", ident="A1").xml())
        zf.writestr("m/2.xml", heen("wmo", "305", "2.4", "example", ident="A2").xml())
        zf.writestr("m/3.xml", b"<Bericht><broken></Bericht>")
        zf.writestr("m/4.xml", heen("jw", "305").xml().replace(BSN.encode(), b"123456789"))
        zf.writestr("manifest.jsonl",
                    b'{"path": "m/2.xml", "received_at": "2024-03-05T10:00:00Z"}\n')
    return path


def test_parse_prints_one_record_per_line_failures_included(tmp_path: Path) -> None:
    result = run("parse", str(archive(tmp_path)), env=KEY_ENV)
    assert result.returncode == 0, result.stderr
    records = [orjson.loads(line) for line in result.stdout.splitlines()]
    kinds = [(r["record"], r.get("msg") or r.get("reason")) for r in records]
    # manifest order first (m/2.xml), then the rest in path order
    assert kinds == [("message", "305"), ("message", "301"), ("failure", "malformed_xml"),
                     ("failure", "invalid_bsn")]
    assert records[0]["received"] == "2024-03-05"
    assert records[0]["source"].endswith("in.zip!m/2.xml")
    assert BSN.encode() not in result.stdout + result.stderr
    assert b"123456789" not in result.stdout + result.stderr


def test_parse_refuses_to_run_without_a_key(tmp_path: Path) -> None:
    result = run("parse", str(archive(tmp_path)))
    assert result.returncode == 2
    assert b"no HMAC key" in result.stderr
    assert result.stdout == b""


def test_the_key_file_decides_the_pseudonym(tmp_path: Path) -> None:
    (tmp_path / "k1").write_bytes(b"first-key-0123456789\n")
    (tmp_path / "k2").write_bytes(b"second-key-0123456789\n")
    xml = tmp_path / "one.xml"
    xml.write_bytes(heen("jw", "305").xml())
    out = [orjson.loads(run("parse", str(xml), "--hmac-key-file", str(tmp_path / k)).stdout)
           for k in ("k1", "k2")]
    assert out[0]["client"] != out[1]["client"]
    assert out[0]["message_key"] == out[1]["message_key"]


def test_help_names_the_environment_variables() -> None:
    result = run("parse", "--help")
    assert b"KETENLINK_HMAC_KEY_FILE" in result.stdout
    assert b"KETENLINK_ZONE" in result.stdout


def test_one_manifest_for_several_archives_is_refused(tmp_path: Path) -> None:
    """--manifest names paths of one archive; with several it would hide their own."""
    manifest = tmp_path / "m.jsonl"
    manifest.write_bytes(b'{"path": "m/2.xml"}\n')
    first = archive(tmp_path)
    second = tmp_path / "second.zip"
    second.write_bytes(first.read_bytes())
    result = run("parse", str(first), str(second), "--manifest", str(manifest), env=KEY_ENV)
    assert result.returncode == 2
    assert b"--manifest belongs to one archive" in result.stderr
    assert result.stdout == b""


def test_bad_settings_are_usage_errors_not_tracebacks(tmp_path: Path) -> None:
    for args in (["--zone", "Mars/Base"], ["--allowed-lateness", "-1"]):
        done = run("replay", "--dev", *args, str(tmp_path), "--out", str(tmp_path / "out"))
        assert done.returncode == 2, done.stderr
        assert b"Traceback" not in done.stderr
        assert args[0].encode() in done.stderr
