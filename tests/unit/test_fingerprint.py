"""A replay's state directory serves one run: what makes a run another one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.replay.run import ReplayOptions, fingerprint
from streams.settings import Settings
from streams.state import codec


def test_a_state_of_another_layout_of_the_stored_records_is_another_run(
        tmp_path: Path, monkeypatch: Any) -> None:
    """After an upgrade that changed a stored record, the old state does not decode: the
    replay refuses it (use --fresh) rather than failing inside the decoder."""
    archive = tmp_path / "in"
    archive.mkdir()
    opts = ReplayOptions((archive,), tmp_path / "out", tmp_path / "state")
    settings = Settings(hmac_key=b"fingerprint-key-01")
    now = fingerprint(opts, settings)
    assert fingerprint(opts, settings) == now
    monkeypatch.setattr(codec, "layout", lambda: "[('Chain', ['key'])]")
    assert fingerprint(opts, settings) != now
