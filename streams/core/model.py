"""The parsed message record and the failure record (schemas/message.schema.json,
schemas/failure.schema.json).

Records are frozen, slotted dataclasses: cheap to build, safe to share, and
serialisable as they are (orjson writes dataclasses and dates natively).
The clear BSN is never a field here: only its keyed pseudonym (`client`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from streams.core.codes import Domain
from streams.core.frozen import record

FailureReason = Literal[
    "too_large",  # over the size limit (25 MB by default)
    "forbidden_dtd",  # a DOCTYPE: DTDs and entities (XML bombs, XXE) are never parsed
    "bad_encoding",  # bytes that do not match the declared/assumed encoding
    "malformed_xml",  # not well-formed XML
    "not_a_message",  # well-formed, but no iJw/iWmo Bericht
    "unknown_code",  # a BerichtCode that is no iJw/iWmo message
    "out_of_scope",  # a known message outside ketenlink's scope (declaratie)
    "missing_field",  # a mandatory field is absent or empty
    "invalid_value",  # a field that does not parse (date, number, code list)
    "invalid_bsn",  # a BSN that fails the elfproef
    "unreadable",  # the transport could not deliver the bytes (broken archive member)
    "invalid_record",  # a JSON record (replay input, input topic) of the wrong shape
    "engine_error",  # the engine failed on it: a bug, kept with its input, not a stop
]


@record
class Omvang:
    volume: str | None
    eenheid: str | None
    frequentie: str | None


@record
class RetourCode:
    code: str
    where: str  # local name of the class whose RetourCodes hold it: Header, Client, StartProduct…
    line: int | None  # the line's n when `where` is a product line, else None


@record
class Line:
    """One product line (product.md §2). Fields are None where the element has none."""

    n: int
    line_key: str
    element: str  # ToegewezenProduct, StartProduct, StopProduct, AangevraagdProduct, Product, …
    toewijzing_nummer: str | None
    toewijzing_key: str | None  # by ToewijzingNummer; for a 2.x 301 line without one, the fallback
    beschikking_nummer: str | None
    beschikking_key: str | None  # 2.x fallback: {domain}:{gemeente}:b{nr}:{cat}{code}:{ingang}
    referentie_aanbieder: str | None
    categorie: str | None
    code: str | None
    toewijzingsdatum: date | None
    toewijzingstijd: str | None
    ingangsdatum: date | None  # 301: the toewijzing's; 317: GewensteIngangsdatum
    einddatum: date | None  # 301: toewijzing end; 307: end of care; 317: wished end
    reden_wijziging: str | None
    toewijzing_ingangsdatum: date | None  # 305/307/315: the (requested) toewijzing's start
    toewijzing_einddatum: date | None  # 315: requested end
    begindatum: date | None  # 305/307: start of care
    reden_beeindiging: str | None
    status_aanlevering: str | None
    omvang: Omvang | None
    retour_codes: tuple[str, ...]  # in a retour: the codes on this line


@record
class Message:
    """One parsed message (for a 2.x message with several clients: one per client)."""

    record: Literal["message"]
    domain: Domain
    release: str  # "2.3", "2.4", "3.0", "3.1", "3.2"
    msg: str  # "301", "302", …
    code: int  # BerichtCode: 436, 437, …
    retour: bool
    sender: str  # Afzender as written in the header (a retour copies the heen header)
    receiver: str
    gemeente: str
    aanbieder: str
    identificatie: str
    dagtekening: date
    message_key: str  # this message's own identity (for a retour: the retour's)
    heen_key: str | None  # retour only: the heenbericht it answers
    identificatie_retour: str | None
    dagtekening_retour: date | None
    retour_codes: tuple[RetourCode, ...]
    client: str | None  # keyed pseudonym of the BSN; None for 319 and header-only retours
    client_index: int  # position of the client in a 2.x multi-client message, else 0
    beschikking_nummer: str | None  # 2.x: the client's Beschikking
    referentie_aanbieder: str | None  # 317 Verzoek / 319 Antwoord
    reden_verzoek: str | None  # 317
    verzoek_antwoord: str | None  # 319: 1 rejected, 2 in onderzoek
    reden_afwijzing: str | None  # 319
    lines: tuple[Line, ...]
    received_at: datetime | None  # transport receipt timestamp (as written), when known
    received: date  # received date: the date of received_at, else the message's own date
    source: str
    digest: str  # sha256 of the raw bytes, hex
    # iJw 319 Antwoord/Woonplaatsbeginsel/Gemeente: the gemeente the answering one names as
    # responsible (domain.md §3). No rule reads it; kept for researchers. Absent in records
    # written before it was read, hence the default.
    woonplaatsbeginsel: str | None = None


@record
class Failure:
    """Input that could not be parsed: the reason, never an exception."""

    record: Literal["failure"]
    reason: FailureReason
    detail: str  # precise, and never containing personal data
    source: str
    digest: str
    size: int
    received_at: datetime | None


Parsed = list[Message] | Failure
