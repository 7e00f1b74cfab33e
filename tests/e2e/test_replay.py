"""`ketenlink replay` as a user runs it: output files, determinism, resume after SIGKILL."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from streams.core.engine import Engine
from streams.core.events import Event
from streams.core.model import Message
from streams.core.werkdagen import Calendar
from streams.replay.finish import FILES, OutputPassFailed, write_outputs
from streams.replay.run import META, Replay, ReplayOptions, hold_state
from streams.settings import Settings
from streams.state.rocks import RocksStore
from streams.testing.lines import Start, Toegewezen
from streams.testing.messages import Heen
from tests.conftest import BSN, BSN2, ROOT, head, heen

SAMPLE = ROOT / "samples" / "sample.zip"
EXPECTED = ROOT / "samples" / "sample.zip.expected"
SCHEMAS = {"links.jsonl": "link", "trajectories.jsonl": "trajectory",
           "alerts.jsonl": "alert", "process_times.jsonl": "process_time",
           "rejects.jsonl": "reject"}


def replay(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams", "replay", "--dev", *map(str, args)],
                          capture_output=True, text=True, timeout=600, check=check, cwd=ROOT)


def records(out: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / name).read_text().splitlines()]


def same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted replay of the sample, parsing in a worker process."""
    out = tmp_path_factory.mktemp("reference") / "out"
    replay(SAMPLE, "--out", out, "--workers", "1")
    return out


def test_every_output_record_matches_its_schema(reference: Path) -> None:
    for name, schema in SCHEMAS.items():
        validator = Draft202012Validator(json.loads((ROOT / "schemas" /
                                                     f"{schema}.schema.json").read_text()))
        rows = records(reference, name)
        assert rows, name
        for row in rows:
            validator.validate(row)


def test_outputs_hold_the_known_links_and_the_final_state(reference: Path) -> None:
    links = {x["unit"]: x for x in records(reference, "links.jsonl")}
    expected = [json.loads(line) for line in (EXPECTED / "links.jsonl").read_text().splitlines()]
    assert {x["unit"]: x["target"] for x in expected} == {
        x["unit"]: links[x["unit"]]["target"] for x in expected}
    assert list(links) == sorted(links)  # final state: one record per unit, sorted
    trajectories = {t["trajectory_id"]: t for t in records(reference, "trajectories.jsonl")}
    for link in links.values():  # ids after merges: every link names a live trajectory
        assert link["trajectory_id"] is None or link["trajectory_id"] in trajectories
    for t in trajectories.values():
        assert t["toewijzingen"] or t["requests"]
        assert all(links[u]["trajectory_id"] == t["trajectory_id"]
                   for u in t["requests"] if u in links)


def test_alerts_are_events_in_order_and_never_raised_twice(reference: Path) -> None:
    """Per alert id the events alternate raised, resolved, raised…: an open alert is never
    raised again, a resolved one only once its subject is overdue again."""
    alerts = records(reference, "alerts.jsonl")
    last: dict[str, dict[str, Any]] = {}
    for a in alerts:
        before = last.get(a["alert_id"])
        assert (before or {"status": "resolved"})["status"] != a["status"], a
        if a["status"] == "resolved":  # the raise date stays on it (product.md §4)
            assert before is not None and a["raised"] == before["raised"] <= a["resolved"]
        else:
            assert a["resolved"] is None
        last[a["alert_id"]] = a
    days = [a["resolved"] or a["raised"] for a in alerts]
    assert days == sorted(days)  # the engine clock never goes back


def test_summary_and_report_tell_the_same_story(reference: Path) -> None:
    summary = json.loads((reference / "summary.json").read_text())
    expected = json.loads((EXPECTED / "summary.json").read_text())
    assert summary["messages"]["total"] == expected["messages"]
    assert summary["rejects"]["total"] == len(records(reference, "rejects.jsonl"))
    assert summary["links"]["total"] == len(records(reference, "links.jsonl"))
    raised = sum(1 for a in records(reference, "alerts.jsonl") if a["status"] == "raised")
    assert sum(a["raised"] for a in summary["alerts"].values()) == raised
    html = (reference / "report.html").read_text()
    assert html.count("<svg") == 3  # retour times, assignment → care, alerts per month
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")


def test_rejects_keep_the_input_as_received(reference: Path) -> None:
    rejects = records(reference, "rejects.jsonl")
    assert {r["reason"] for r in rejects} >= {"malformed_xml", "forbidden_dtd", "invalid_bsn"}
    for r in rejects:
        if r["raw"] is not None:
            assert len(base64.b64decode(r["raw"])) == r["size"]


def test_no_clear_bsn_in_any_output(reference: Path) -> None:
    for name in FILES:
        if name != "rejects.jsonl":  # holds the input as received, base64 (docs/decisions)
            assert not re.search(r"(?<![\w-])\d{9}(?![\w-])", (reference / name).read_text())


def test_every_alert_names_its_client_but_where_none_is_known(reference: Path) -> None:
    """product.md §4: the client pseudonym on every alert but a 319's. A header-only
    retour read before its heenbericht names none either: its retour_rejected is raised at
    once, and the live topic cannot take it back, so the file does not differ from it."""
    alerts = records(reference, "alerts.jsonl")
    unnamed = {(a["rule"] == "retour_rejected" or a["subject"].split(":")[1] in ("482", "488"))
               for a in alerts if a["client"] is None}
    assert unnamed <= {True}
    assert sum(a["client"] is not None for a in alerts) > 100


def test_two_replays_give_byte_identical_files(reference: Path, tmp_path: Path) -> None:
    replay(SAMPLE, "--out", tmp_path / "out", "--workers", "0")
    same_files(reference, tmp_path / "out")
    replay(SAMPLE, "--out", tmp_path / "out")  # finished state: the same files again
    same_files(reference, tmp_path / "out")


def test_a_replay_killed_halfway_resumes_to_the_same_files(reference: Path,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed = replay(SAMPLE, "--out", out, "--checkpoint-every", "400", "--kill-after", "1500",
                    check=False)
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "links.jsonl").exists()
    replay(SAMPLE, "--out", out, "--checkpoint-every", "400")
    same_files(reference, out)


def test_a_run_leaves_no_output_of_an_earlier_run_behind(reference: Path,
                                                          tmp_path: Path) -> None:
    """The files in --out are this run's or none: a --fresh run over another archive,
    killed before its output pass, does not leave the earlier run's files looking like
    its own."""
    out = tmp_path / "out"
    replay(EXPECTED / "links.jsonl", "--out", out, "--workers", "0")  # another input
    assert all((out / name).exists() for name in FILES)
    killed = replay(SAMPLE, "--out", out, "--fresh", "--checkpoint-every", "400",
                    "--kill-after", "500", check=False)
    assert killed.returncode == -signal.SIGKILL
    assert [name for name in FILES if (out / name).exists()] == []
    replay(SAMPLE, "--out", out)
    same_files(reference, out)


def test_a_replay_killed_at_a_random_moment_resumes(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [sys.executable, "-m", "streams", "replay", "--dev", str(SAMPLE), "--out", str(out),
            "--checkpoint-every", "150"]
    proc = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.DEVNULL)
    part = tmp_path / "out.state" / "alerts.part"
    deadline = time.monotonic() + 120
    while (not part.exists() or part.stat().st_size == 0) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    replay(SAMPLE, "--out", out, "--checkpoint-every", "150")
    same_files(reference, out)


def test_a_state_directory_serves_one_run(tmp_path: Path) -> None:
    replay(EXPECTED / "links.jsonl", "--out", tmp_path / "out", check=False)
    refused = replay(SAMPLE, "--out", tmp_path / "out", check=False)
    assert refused.returncode == 2
    assert "--fresh" in refused.stderr
    assert (tmp_path / "out" / "links.jsonl").exists()  # a refused run changes nothing


def test_a_state_directory_in_use_is_left_alone(tmp_path: Path) -> None:
    """A replay on a state directory another replay holds (with --fresh or without) is
    refused with a message, and removes nothing of it."""
    replay(SAMPLE, "--out", tmp_path / "out", "--workers", "0")
    state = tmp_path / "out.state"
    before = sorted(p.relative_to(state) for p in state.rglob("*"))
    held = hold_state(state)  # as the other replay's process holds it
    try:
        for flags in (["--fresh"], []):
            second = replay(SAMPLE, "--out", tmp_path / "out", *flags, check=False)
            assert second.returncode == 2, second.stderr
            assert "in use by another replay" in second.stderr
    finally:
        os.close(held)
    assert sorted(p.relative_to(state) for p in state.rglob("*")) == before
    assert replay(SAMPLE, "--out", tmp_path / "out", "--fresh").returncode == 0  # free again


def test_a_changed_directory_archive_does_not_reuse_the_state(tmp_path: Path) -> None:
    """A message added deep in the tree, or the manifest edited in place, makes it another
    run: resuming or rewriting from the old state would skip or repeat messages."""
    archive = tmp_path / "in"
    (archive / "2024" / "03").mkdir(parents=True)
    (archive / "2024" / "03" / "a.xml").write_bytes(heen("jw", "301", ident="A").xml())
    (archive / "manifest.jsonl").write_bytes(b'{"path": "2024/03/a.xml"}\n')
    out = tmp_path / "out"
    replay(archive, "--out", out)
    assert replay(archive, "--out", out, check=False).returncode == 0  # unchanged: rerun
    (archive / "2024" / "03" / "b.xml").write_bytes(heen("jw", "305", ident="B").xml())
    refused = replay(archive, "--out", out, check=False)
    assert (refused.returncode, "--fresh" in refused.stderr) == (2, True)
    replay(archive, "--out", out, "--fresh")
    with (archive / "manifest.jsonl").open("ab") as f:  # in place: the root keeps its mtime
        f.write(b'{"path": "2024/03/b.xml"}\n')
    assert replay(archive, "--out", out, check=False).returncode == 2


def test_output_inside_the_archive_is_not_a_change_of_it(tmp_path: Path) -> None:
    """`replay data --out data/out`: the run's own files below the archive root do not
    make the next run another one (a killed run resumes, a finished one reruns)."""
    archive = tmp_path / "in"
    archive.mkdir()
    (archive / "a.xml").write_bytes(heen("jw", "301", ident="A").xml())
    first = replay(archive, "--out", archive / "out", "--checkpoint-every", "1",
                   "--kill-after", "1", check=False)
    assert first.returncode == -signal.SIGKILL
    resumed = replay(archive, "--out", archive / "out", check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert replay(archive, "--out", archive / "out", check=False).returncode == 0


def test_json_lines_of_parsed_records_replay_like_the_archive(reference: Path,
                                                              tmp_path: Path) -> None:
    parsed = subprocess.run([sys.executable, "-m", "streams", "parse", "--dev", str(SAMPLE)],
                            capture_output=True, timeout=300, check=True, cwd=ROOT).stdout
    records_file = tmp_path / "records.jsonl"
    records_file.write_bytes(parsed + b'{"record": "message", "domain": "jw"}\nnot json\n')
    replay(records_file, "--out", tmp_path / "out")
    for name in ("links.jsonl", "trajectories.jsonl", "alerts.jsonl", "process_times.jsonl"):
        assert (tmp_path / "out" / name).read_bytes() == (reference / name).read_bytes(), name
    rejects = records(tmp_path / "out", "rejects.jsonl")
    assert [r["reason"] for r in rejects[-2:]] == ["invalid_record", "invalid_record"]
    assert "missing field" in rejects[-2]["detail"]


def test_a_failing_second_process_stops_the_output_pass(reference: Path,
                                                        tmp_path: Path) -> None:
    """The output pass's second process writes process_times.jsonl; when it cannot, the
    pass stops with its reason instead of writing files without it."""
    state = tmp_path / "state"
    shutil.copytree(reference.with_name("out.state"), state)
    store = RocksStore(state / "db", read_only=True)
    meta = store.get(META)
    store.close()
    out = tmp_path / "out"
    (out / ".process_times.jsonl.tmp").mkdir(parents=True)  # it cannot be written
    with pytest.raises(OutputPassFailed, match="process_times"):
        write_outputs(state / "db", state, out, meta, Calendar())
    assert not (out / "links.jsonl").exists()
    shutil.rmtree(out / ".process_times.jsonl.tmp")
    write_outputs(state / "db", state, out, meta, Calendar())
    same_files(reference, out)


def test_generate_spreads_the_traffic_up_to_the_end_it_is_given(tmp_path: Path) -> None:
    """A longer archive for the same number of messages (bench: memory over the length)."""
    archive = tmp_path / "long.zip"
    subprocess.run([sys.executable, "-m", "streams", "generate", str(archive), "--messages",
                    "1000", "--end", "2027-06-30"], check=True, capture_output=True, cwd=ROOT)
    replay(archive, "--out", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "2027-05-01" <= summary["watermark"] <= "2027-06-30"
    refused = subprocess.run([sys.executable, "-m", "streams", "generate", str(archive),
                              "--end", "2019-12-31"], check=False, capture_output=True,
                             text=True, cwd=ROOT)
    assert refused.returncode == 2 and "--end" in refused.stderr


def test_a_2x_retour_rejecting_lines_of_two_clients_lists_both_codes(tmp_path: Path) -> None:
    """product.md §4 retour_rejected: "codes listed in the alert", also when a 2.x retour
    rejects a line of each of its clients (a record per client)."""
    archive = tmp_path / "in"
    archive.mkdir()
    h = heen("wmo", "305", release="2.4", ident="V2")
    h.clients = [h.clients[0], (BSN2, h.clients[0][1])]
    (archive / "a.xml").write_bytes(h.xml())
    (archive / "b.xml").write_bytes(
        h.retour("R2", date(2024, 3, 5), line_codes={0: ("9069",), 2: ("9019",)}))
    out = tmp_path / "out"
    replay(archive, "--out", out, "--alerts-from-days", "0")
    rejected = [a for a in records(out, "alerts.jsonl") if a["rule"] == "retour_rejected"]
    assert [a["codes"] for a in rejected] == [["9069", "9019"]]


def test_an_input_the_engine_fails_on_is_a_reject_and_the_replay_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """product.md §8: nothing stops a replay. An engine error is a bug; its input is kept
    in rejects.jsonl with the reason (engine_error), and the next input is applied."""
    archive = tmp_path / "in"
    archive.mkdir()
    (archive / "a.xml").write_bytes(heen("jw", "301", ident="BAD").xml())
    (archive / "b.xml").write_bytes(heen("jw", "301", ident="OK").xml())
    apply = Engine.apply

    def failing(engine: Engine, m: Message) -> list[Event]:
        if m.identificatie == "BAD":
            raise AssertionError("a bug")
        return apply(engine, m)

    monkeypatch.setattr(Engine, "apply", failing)
    out = tmp_path / "out"
    opts = ReplayOptions(paths=(archive,), out=out, state=tmp_path / "state", workers=0)
    Replay(Settings(hmac_key=b"k" * 32), opts).run()
    (reject,) = records(out, "rejects.jsonl")
    assert (reject["reason"], reject["detail"]) == ("engine_error", "AssertionError: a bug")
    assert reject["source"].endswith("a.xml")
    applied = sorted(k for t in records(out, "trajectories.jsonl") for k in t["toewijzingen"])
    assert applied == ["jw:0363:1001", "jw:0363:1002"]  # those of the next input


def test_a_directory_archive_with_a_link_back_up_the_tree_replays(tmp_path: Path) -> None:
    """Links are followed, never into a directory the path passed already: `a -> ..` twice
    made the walk (and the state's fingerprint) branch without end."""
    archive = tmp_path / "in"
    (archive / "m").mkdir(parents=True)
    (archive / "m" / "a.xml").write_bytes(heen("jw", "301", ident="A").xml())
    (archive / "m" / "up").symlink_to("..")
    (archive / "m" / "again").symlink_to("..")
    out = tmp_path / "out"
    replay(archive, "--out", out)
    assert json.loads((out / "summary.json").read_text())["messages"]["total"] == 1


def test_an_open_alert_ends_with_the_values_of_receipt_order(tmp_path: Path) -> None:
    """start_late is judged from the toewijzing's first 301 by receipt. Read after the
    extension and the start, that 301 moves the due date of the raised alert: alerts.jsonl
    gives its raised record the due date and lateness it ends with, in every order."""
    t1 = Toegewezen("1001", "45", "45A48", date(2020, 10, 22), date(2020, 10, 26),
                    date(2021, 4, 8))
    t2 = replace(t1, toewijzingsdatum=date(2020, 11, 10), einddatum=date(2021, 6, 30))
    start = Start("1001", "45", "45A48", date(2020, 10, 26), date(2020, 11, 9))
    files = {"a.xml": ("301", [t1], date(2020, 10, 23), "A"),
             "b.xml": ("301", [t2], date(2020, 11, 10), "B"),
             "c.xml": ("305", [start], date(2020, 11, 20), "C")}
    seen = []
    for order in (["a.xml", "b.xml", "c.xml"], ["b.xml", "c.xml", "a.xml"]):
        archive = tmp_path / "-".join(order)
        archive.mkdir()
        lines = []
        for name in order:
            kind, product_lines, day, ident = files[name]
            h = Heen(head("jw", kind, ident=ident, day=day), [(BSN, product_lines)])
            (archive / name).write_bytes(h.xml())
            lines.append(json.dumps({"path": name, "received_at": f"{day}T10:00:00Z"}))
        (archive / "manifest.jsonl").write_text("\n".join(lines) + "\n")
        out = archive.with_suffix(".out")
        replay(archive, "--out", out, "--alerts-from-days", "0", "--allowed-lateness", "400")
        seen.append([(a["status"], a["due"], a["late_werkdagen"])
                     for a in records(out, "alerts.jsonl") if a["rule"] == "start_late"])
    assert seen[0] == seen[1] == [("raised", "2020-11-16", 4)]
