"""BSN check and pseudonym. The clear BSN lives only inside `Pseudonymizer.client`.

The pseudonym is HMAC-SHA256 keyed with a secret from configuration, in hex: stable
for linking, not reversible without the key, and the same across iJw and iWmo so that
a client can be followed between domains.
"""

from __future__ import annotations

import hashlib
import hmac
from operator import mul

from streams.core.xmltree import Rejected

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def elfproef(bsn: str) -> bool:
    """The BSN 11-test: 9 digits, weighted sum divisible by 11, not all zeros."""
    if len(bsn) != 9 or not (bsn.isascii() and bsn.isdigit()) or bsn == "000000000":
        return False  # isdigit() alone also accepts "²", which int() refuses
    total: int = sum(map(mul, map(int, bsn), _WEIGHTS))
    return total % 11 == 0


class Pseudonymizer:
    """Keyed HMAC-SHA256 of the BSN; the prepared HMAC is copied per call for speed."""

    __slots__ = ("_base",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def pseudonym(self, bsn: str) -> str:
        h = self._base.copy()
        h.update(bsn.encode())  # a valid BSN is ASCII: UTF-8 gives the same bytes
        return h.hexdigest()

    def client(self, raw: str | None, *, check: bool) -> str:
        """Pseudonym of a BSN as written in a message (8 digits are zero-padded).

        With `check`, an invalid BSN is rejected — without the number in the reason.
        """
        if raw is None:
            raise Rejected("missing_field", "Client/Bsn is absent")
        bsn = raw.strip()
        if len(bsn) == 8:  # a BSN written without its leading zero; shorter is no BSN
            bsn = "0" + bsn
        if check and not elfproef(bsn):  # which also refuses what is not ASCII digits
            raise Rejected("invalid_bsn", "Client/Bsn fails the elfproef")
        return self.pseudonym(bsn)  # a retour keeps the number it echoes, whatever it is
