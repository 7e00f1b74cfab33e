"""Whole messages from line dataclasses: heenberichten and their retours."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from streams.testing.lines import AnyLine, product_lists
from streams.testing.xmlbuild import ClientBody, Head, Node, RetourHead, message

# A clean "elfproef" BSN generator lives in the generator; tests pass their own.


@dataclass(slots=True)
class Heen:
    """A heenbericht: header, and per client a BSN with its lines."""

    head: Head
    clients: list[tuple[str, list[AnyLine]]] = field(default_factory=list)
    beschikking: str | None = None  # 2.x: one Beschikking per client
    verzoek: tuple[str, str] | None = None  # 317: (ReferentieAanbieder, RedenVerzoek)
    antwoord: tuple[str, str, str | None] | None = None  # 319: (ref, VerzoekAntwoord, reden)

    def xml(self) -> bytes:
        return message(self.head, self._bodies(), extra=self._extra())

    def retour(self, identificatie: str, dagtekening: date, *,
               header_codes: tuple[str, ...] = (),
               line_codes: dict[int, tuple[str, ...]] | None = None,
               partial: bool = False) -> bytes:
        """The retour: the heen header copied unchanged plus the retour's own identity.

        Without line codes it is header-only (the positive acknowledgement); with them the
        body repeats the client and its lines, every line with a code (0200 where none given).
        `partial`: the body repeats only the lines with a code (and their clients).
        """
        code = str(int(self.head.msg) + 1)
        head = replace(self.head, msg=code)
        rhead = RetourHead(identificatie, dagtekening, header_codes)
        if not line_codes:
            return message(head, [], retour=rhead)
        return message(head, self._bodies(line_codes, partial), retour=rhead,
                       extra=self._extra())

    def _bodies(self, line_codes: dict[int, tuple[str, ...]] | None = None,
                partial: bool = False) -> list[ClientBody]:
        bodies = []
        n = 0
        for bsn, every in self.clients:
            lines, codes = every, None
            if partial and line_codes is not None:
                lines = [ln for i, ln in enumerate(every) if n + i in line_codes]
                codes = {k: line_codes[n + i] for k, i in enumerate(
                    i for i in range(len(every)) if n + i in line_codes)}
                n += len(every)
                if lines:
                    bodies.append(ClientBody(bsn, product_lists(self.head, lines, codes),
                                             beschikking=self.beschikking))
                continue
            if line_codes is not None:
                codes = {i: line_codes.get(n + i, ("0200",)) for i in range(len(lines))}
            verzoek = None
            if self.verzoek is not None:
                verzoek = [("ReferentieAanbieder", self.verzoek[0]),
                           ("RedenVerzoek", self.verzoek[1]),
                           *product_lists(self.head, lines, codes)]
            body = ClientBody(bsn, [] if verzoek else product_lists(self.head, lines, codes),
                              beschikking=self.beschikking, verzoek=verzoek)
            bodies.append(body)
            n += len(lines)
        return bodies

    def _extra(self) -> list[Node]:
        if self.antwoord is None:
            return []
        ref, antwoord, reden = self.antwoord
        kids: list[Node] = [("ReferentieAanbieder", ref), ("VerzoekAntwoord", antwoord)]
        if reden is not None:
            kids.append(("RedenAfwijzingVerzoek", reden))
        return [("Antwoord", kids)]
