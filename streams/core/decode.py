"""Tree → records. `decode` never raises on input: a bad message is a Failure record.

One record per client: a 3.x message has one client, a 2.x message may have several
(line numbers run on across them, product.md §2); a 319 and a header-only retour have none.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from streams.core.bsn import Pseudonymizer
from streams.core.frozen import record
from streams.core.header import Header, decode_header
from streams.core.lines import LISTS, LineContext, decode_lines
from streams.core.model import Failure, FailureReason, Line, Message, Parsed, RetourCode
from streams.core.values import as_code
from streams.core.xmltree import Element, Rejected, first, index, local, sub, text

_NEEDS_LINES = frozenset({"301", "305", "307", "315"})
_LINE_NAMES = frozenset(LISTS.values())


@record
class Envelope:
    """What the transport knows of a message: where it came from and when it arrived."""

    source: str
    digest: str
    size: int
    received_at: datetime | None  # aware, with the offset it was written with


@record
class ParseContext:
    pseudonymizer: Pseudonymizer
    # the received date: the date of the receipt timestamp as written, or (a zone
    # configured) its date in that zone
    zone: tzinfo | None


def failure(reason: FailureReason, detail: str, env: Envelope) -> Failure:
    return Failure("failure", reason, detail, env.source, env.digest, env.size, env.received_at)


def decode(root: Element, env: Envelope, ctx: ParseContext) -> Parsed:
    try:
        return _decode(root, env, ctx)
    except Rejected as rejected:
        reason: FailureReason = rejected.reason  # type: ignore[assignment]
        return failure(reason, rejected.detail, env)
    except ValueError as err:  # a value no check foresaw: still the input's fault (§8)
        return failure("invalid_value", str(err)[:300], env)


def _decode(root: Element, env: Envelope, ctx: ParseContext) -> list[Message]:
    if local(root.tag) != "bericht":
        raise Rejected("not_a_message", f"root element is {local(root.tag)!r}, not Bericht")
    idx = index(root)
    hdr = idx.get("header")
    if hdr is None:
        raise Rejected("not_a_message", "Bericht has no Header")
    header = decode_header(hdr, root.tag)
    body = _Body(header, ctx, strict=not header.type.is_retour)
    clients = _clients(root, idx)
    if not clients:
        if header.type.msg in _NEEDS_LINES or header.type.msg == "317":
            raise Rejected("missing_field", "Client is absent")
        return [body.record(root, idx, None, 0, [], env)]
    records: list[Message] = []
    n = 0
    for i, client in enumerate(clients):
        cidx = index(client)
        lines = body.lines(client, cidx, n)
        n += len(lines)
        records.append(body.record(root, idx, (client, cidx), i, lines, env))
    return records


def _clients(root: Element, idx: dict[str, Element]) -> list[Element]:
    """Every Client: under Clienten (2.x), or below the Bericht (3.x has one; a message with
    several is read like a 2.x one, not cut short)."""
    group = root if "client" in idx else idx.get("clienten")
    if group is None:
        return []
    return [c for c in group if isinstance(c.tag, str) and local(c.tag) == "client"]


@record
class _Body:
    header: Header
    ctx: ParseContext
    strict: bool

    def lines(self, client: Element, cidx: dict[str, Element], start: int) -> list[Line]:
        h = self.header
        lctx = LineContext(
            domain=h.type.domain, gemeente=h.gemeente, heen_msg=h.type.heen_msg,
            message_key=h.message_key,
            beschikking_nummer=first(sub(cidx, "beschikking"), "beschikkingnummer"),
            status_aanlevering=text(cidx, "statusaanlevering"), strict=self.strict,
            release=h.release,
        )
        lines = decode_lines(client, start, lctx)
        if self.strict and not lines and h.type.msg in _NEEDS_LINES:
            raise Rejected("missing_field", "the message has no product line")
        return lines

    def record(self, root: Element, idx: dict[str, Element],
               client: tuple[Element, dict[str, Element]] | None, client_index: int,
               lines: list[Line], env: Envelope) -> Message:
        h = self.header
        client_el, cidx = client if client is not None else (None, {})
        pseudo = None
        if client_el is not None:
            pseudo = self.ctx.pseudonymizer.client(text(cidx, "bsn"), check=self.strict)
        request = _request_fields(idx, cidx, h.type.msg if self.strict else "")
        return Message(
            record="message", domain=h.type.domain, release=h.release, msg=h.type.msg,
            code=h.type.code, retour=h.type.is_retour, sender=h.sender, receiver=h.receiver,
            gemeente=h.gemeente, aanbieder=h.aanbieder, identificatie=h.identificatie,
            dagtekening=h.dagtekening, message_key=h.message_key, heen_key=h.heen_key,
            identificatie_retour=h.identificatie_retour, dagtekening_retour=h.dagtekening_retour,
            retour_codes=_retour_codes(root, client_el, lines) if h.type.is_retour else (),
            client=pseudo, client_index=client_index,
            beschikking_nummer=first(sub(cidx, "beschikking"), "beschikkingnummer"),
            referentie_aanbieder=request[0], reden_verzoek=request[1],
            verzoek_antwoord=request[2], reden_afwijzing=request[3],
            lines=tuple(lines), received_at=env.received_at,
            received=self._received(env), source=env.source, digest=env.digest,
            woonplaatsbeginsel=request[4],
        )

    def _received(self, env: Envelope) -> date:
        at = env.received_at
        if at is not None:
            return (at if self.ctx.zone is None else at.astimezone(self.ctx.zone)).date()
        h = self.header
        return h.dagtekening_retour if h.dagtekening_retour is not None else h.dagtekening


def _request_fields(
    idx: dict[str, Element], cidx: dict[str, Element], strict_msg: str
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """317 Verzoek (below the client) and 319 Antwoord (below the Bericht): reference,
    RedenVerzoek, VerzoekAntwoord, RedenAfwijzingVerzoek, Woonplaatsbeginsel/Gemeente."""
    verzoek = sub(cidx, "verzoek")
    antwoord = sub(idx, "antwoord") or sub(cidx, "antwoord")
    ref = text(verzoek, "referentieaanbieder") or text(antwoord, "referentieaanbieder")
    antw = as_code(text(antwoord, "verzoekantwoord"), "Antwoord/VerzoekAntwoord")
    if strict_msg in ("317", "319") and ref is None:
        raise Rejected("missing_field", f"{'Verzoek' if strict_msg == '317' else 'Antwoord'}"
                       "/ReferentieAanbieder is absent")
    if strict_msg == "319" and antw not in ("1", "2"):
        raise Rejected("missing_field" if antw is None else "invalid_value",
                       "Antwoord/VerzoekAntwoord must be 1 or 2")
    return (ref, text(verzoek, "redenverzoek"), antw, text(antwoord, "redenafwijzingverzoek"),
            text(sub(antwoord, "woonplaatsbeginsel"), "gemeente"))


def _retour_codes(
    root: Element, client: Element | None, lines: list[Line]
) -> tuple[RetourCode, ...]:
    """The RetourCodes of the header, of this client's classes and of its lines, each with
    the class it sat on; line codes come with their line's n."""
    found: list[RetourCode] = []
    _walk(root, "Bericht", False, found)
    if client is not None:
        _walk(client, "Client", False, found)
    for line in lines:
        found.extend(RetourCode(code, line.element, line.n) for code in line.retour_codes)
    return tuple(found)


def _walk(node: Element, where: str, in_list: bool, found: list[RetourCode]) -> None:
    """The codes in the classes below `node` (a module function, not a closure: a
    recursive closure is a reference cycle per message, left to the garbage collector)."""
    for child in node:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        low = local(tag)
        if low == "retourcodes":  # a code of white space only is no code (as on a line)
            found.extend(RetourCode(code, where, None) for c in child
                         if isinstance(c.tag, str) and c.text and (code := c.text.strip()))
        elif low.startswith("retourcode") and child.text and child.text.strip():
            found.append(RetourCode(child.text.strip(), where, None))  # no wrapper
        elif (in_list and low in _LINE_NAMES) or low in ("client", "clienten"):
            continue  # a line's codes are read with the line; clients one by one
        elif len(child):  # only classes hold codes: leaves need no visit
            _walk(child, tag[tag.rfind("}") + 1 :], low in LISTS, found)
