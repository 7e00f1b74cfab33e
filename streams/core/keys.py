"""The identifiers of product.md §2, in one place."""

from __future__ import annotations

from datetime import date


def message_key(domain: str, code: int, afzender: str, identificatie: str, dag: date) -> str:
    return f"{domain}:{code}:{afzender}:{identificatie}:{dag.isoformat()}"


def line_key(message: str, n: int) -> str:
    return f"{message}#{n}"


def toewijzing_key(domain: str, gemeente: str, nummer: str) -> str:
    return f"{domain}:{gemeente}:{nummer}"


def beschikking_key(
    domain: str, gemeente: str, nummer: str, categorie: str | None, code: str | None,
    ingangsdatum: date | None,
) -> str:
    """2.x fallback identity of a toewijzing: Beschikkingnummer + Product + Ingangsdatum."""
    product = f"{categorie or ''}{code or ''}"
    ingang = ingangsdatum.isoformat() if ingangsdatum else ""
    return f"{domain}:{gemeente}:b{nummer}:{product}:{ingang}"


def partition_key(domain: str, gemeente: str, aanbieder: str) -> str:
    """The live input's key (architecture §2): every message of a chain carries the same
    (gemeente, aanbieder) pair, retours and the 319 included, so all partners of a link
    meet on one partition."""
    return f"{domain}:{gemeente}:{aanbieder}"
