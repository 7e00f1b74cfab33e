"""The README's main job: the bundled sample archive, as a new user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import ROOT

EXPECTED = ROOT / "samples" / "sample.zip.expected"


def test_demo_summarises_the_bundled_sample() -> None:
    result = subprocess.run([sys.executable, "-m", "streams", "demo"], capture_output=True,
                            timeout=300, check=True, text=True)
    summary = json.loads((EXPECTED / "summary.json").read_text())
    rejects = (EXPECTED / "rejects.jsonl").read_text().splitlines()
    totals = {}
    for line in result.stdout.splitlines():
        found = re.match(r"^(jw|wmo) (\d{3})\s.*\s(\d+)$", line)
        if found:
            totals[found.group(2)] = totals.get(found.group(2), 0) + int(found.group(3))
    assert totals == summary["by_msg"]
    assert f"messages: {summary['messages']}; rejected: {len(rejects)}" in result.stdout
    assert "non-secret" in result.stderr  # the demo runs in development mode, and says so
