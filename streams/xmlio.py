"""Bytes → parsed records, with a hardened XML parser (the shell around core.decode).

Hardening: no DTD is ever read (a DOCTYPE is refused before parsing, which stops XML
bombs and external entities at the door), entities are not resolved, nothing is
fetched from the network, huge trees are refused, and inputs over the size limit are
not parsed at all.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from lxml import etree

from streams.core.decode import Envelope, ParseContext, decode, failure
from streams.core.model import Failure, FailureReason, Parsed

MAX_BYTES = 25 * 1024 * 1024  # issue 2: files over 25 MB are refused
_DOCTYPE = b"<!DOCTYPE"


def shown(source: str) -> str:
    """A file name as text that every output can hold: the bytes of a name that is not
    UTF-8 (which the OS hands over as lone surrogates, and JSON cannot carry) as escapes."""
    return source.encode("utf-8", "backslashreplace").decode("utf-8")


def _parser() -> etree.XMLParser:
    """`remove_blank_text`: no text nodes for the indentation between elements. A text
    of white space only reads as absent in the decoder anyway; without them the tree is
    smaller and its containers have no text to strip (parse and decode 5% faster)."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False,
        remove_blank_text=True,
    )


class XmlDecoder:
    """Parses one message's bytes into records; reuses one parser (not thread-safe)."""

    def __init__(self, context: ParseContext, max_bytes: int = MAX_BYTES) -> None:
        self.context = context
        self.max_bytes = max_bytes
        self._parser = _parser()

    def parse(self, raw: bytes, source: str, received_at: datetime | None = None) -> Parsed:
        env = Envelope(shown(source), hashlib.sha256(raw).hexdigest(), len(raw), received_at)
        unread = self._refused_unread(raw, env)
        if unread is not None:
            return unread
        try:
            root = etree.fromstring(raw, self._parser)
        except etree.XMLSyntaxError as err:
            return failure(_syntax_reason(str(err)), _first_line(str(err)), env)
        except ValueError as err:  # e.g. an encoding declaration lxml refuses
            return failure("bad_encoding", _first_line(str(err)), env)
        if root is None:
            return failure("malformed_xml", "no root element", env)
        if root.getroottree().docinfo.internalDTD is not None:  # a DOCTYPE in UTF-7, say
            return failure("forbidden_dtd", "a DOCTYPE (DTD/entities) is not accepted", env)
        return decode(root, env, self.context)

    def _refused_unread(self, raw: bytes, env: Envelope) -> Failure | None:
        if len(raw) > self.max_bytes:
            return failure("too_large", f"{len(raw)} bytes, limit {self.max_bytes}", env)
        if _DOCTYPE in raw or (b"\x00" in raw[:4] and _DOCTYPE in raw.replace(b"\x00", b"")):
            return failure("forbidden_dtd", "a DOCTYPE (DTD/entities) is not accepted", env)
        return None

    def too_large(self, size: int, source: str, received_at: datetime | None) -> Parsed:
        """For a transport that knows the size before reading the bytes."""
        env = Envelope(shown(source), "", size, received_at)
        return failure("too_large", f"{size} bytes, limit {self.max_bytes}", env)


def _syntax_reason(message: str) -> FailureReason:
    low = message.lower()
    if "encoding" in low or "utf-" in low or "not proper" in low:
        return "bad_encoding"
    return "malformed_xml"


def _first_line(message: str) -> str:
    return message.splitlines()[0][:300] if message else "unknown parser error"
