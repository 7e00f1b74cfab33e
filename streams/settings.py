"""One frozen settings object. Values come from CLI flags or KETENLINK_* environment
variables (click reads both and names the variable in --help); nothing else reads the
environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from streams.core.bsn import Pseudonymizer
from streams.core.decode import ParseContext
from streams.core.frozen import record

ENV_PREFIX = "KETENLINK"
# Development only: pseudonyms made with it are not secret. Refused outside --dev.
_DEV_KEY = b"ketenlink-development-key-not-secret"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@record
class Settings:
    hmac_key: bytes
    zone: str = ""  # receipt timestamps: "" = their date as written, else in this zone
    max_bytes: int = 25 << 20
    dev: bool = False

    def parse_context(self) -> ParseContext:
        zone = ZoneInfo(self.zone) if self.zone else None
        return ParseContext(Pseudonymizer(self.hmac_key), zone)


def resolve_key(key_file: Path | None, dev: bool) -> bytes:
    """The HMAC key: from a file, else from KETENLINK_HMAC_KEY, else (dev only) a dev key."""
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as err:
            raise SettingsError(f"cannot read the HMAC key file: {err.strerror}") from None
    else:
        key = os.environ.get(f"{ENV_PREFIX}_HMAC_KEY", "").encode()
    if key:
        if len(key) < 16:
            raise SettingsError("the HMAC key must be at least 16 bytes")
        return key
    if dev:
        print("ketenlink: development mode: using the built-in, non-secret HMAC key",
              file=sys.stderr)
        return _DEV_KEY
    raise SettingsError(
        f"no HMAC key: set {ENV_PREFIX}_HMAC_KEY_FILE (or --hmac-key-file) or "
        f"{ENV_PREFIX}_HMAC_KEY; --dev allows a built-in development key")
