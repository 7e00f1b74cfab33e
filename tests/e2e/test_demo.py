"""The README's main job: the replay of the bundled sample archive, as a new user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from streams.replay.finish import FILES
from tests.conftest import ROOT

EXPECTED = ROOT / "samples" / "sample.zip.expected"


def test_demo_replays_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    result = subprocess.run([sys.executable, "-m", "streams", "demo", "--out", str(out)],
                            capture_output=True, timeout=300, check=True, text=True, cwd=ROOT)
    summary = json.loads((EXPECTED / "summary.json").read_text())
    rejects = (EXPECTED / "rejects.jsonl").read_text().splitlines()
    totals: dict[str, int] = {}
    for line in result.stdout.splitlines():
        found = re.match(r"^(jw|wmo) (\d{3})\s.*\s(\d+)$", line)
        if found:
            totals[found.group(2)] = totals.get(found.group(2), 0) + int(found.group(3))
    assert totals == summary["by_msg"]
    assert f"messages: {summary['messages']:,}; rejected inputs: {len(rejects)}" in result.stdout
    assert f"results in {out}/: report.html" in result.stdout
    assert all((out / name).stat().st_size > 0 for name in FILES)
    assert "non-secret" in result.stderr  # the demo runs in development mode, and says so
