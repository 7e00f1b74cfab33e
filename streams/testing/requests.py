"""Requests and their answers: 315 (VOT), 317 (VOW), 319 (Antwoordbericht), 2.x 316 codes.

The first answer by received date settles request_unanswered (OP274/OP346), a 319 "in
onderzoek" included; a final answer settles request_undecided (8 weeks after the
request's Dagtekening). Link targets follow product.md §3 "Link targets in detail".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from streams.testing import werkdagen as wd
from streams.testing.care import Care, Toewijzing, days, new_line, start, stop, toewijzing
from streams.testing.lines import Aangevraagd, Wijziging
from streams.testing.plan import Await, Late, Link, Sent, Settle
from streams.testing.story import Story
from streams.testing.world import PRODUCTS, STOP_CHANGE, is_3x, release_on

# 2.x: a VOT is rejected with a 316 retour code in 8857–8862 (domain.md §3)
_VOT_REJECT = ("8857", "8858", "8859", "8860", "8861", "8862")


@dataclass(slots=True)
class Request:
    sent: Sent
    subject: str  # 315 line_key or 317 message_key
    referentie: str | None  # as written (absent in the 2.0 example layout)
    due: date
    link: Link
    ingang: date = date.min
    einde: date = date.min
    answered: bool = field(default=False)

    def answer(self, sent: Sent) -> None:
        """The first answer: settles request_unanswered; after due it is also late."""
        if self.answered:
            return
        self.answered = True
        sent.effects.append(Settle("request_unanswered", self.subject))
        if sent.received > self.due:
            sent.effects.append(Late("request_answered_late", self.subject, self.due,
                                     sent.received))


def request(s: Story, day: date, *, reject_2x: bool = False) -> Request:
    """A 315 with one AangevraagdProduct (2.x: Producten/Product)."""
    ref = s.world.numbers.referentie_aanbieder(s.domain, s.aanbieder.code)
    release = release_on(day)
    ingang = day + days(s.rng.randint(7, 21))
    einde = ingang + days(s.rng.randint(60, 300))
    besch = None if is_3x(release) else s.beschikking
    line = Aangevraagd(ref, s.categorie, s.code, ingang, einde, beschikking=besch)
    code = s.rng.choice(_VOT_REJECT)
    sent, back = s.send("315", day, [line], retour="codes" if reject_2x else "auto",
                        codes={0: (code,)} if reject_2x else None)
    subject = sent.line_key(0)
    due = wd.due(sent.received, 5)  # OP274: an answer within 5 werkdagen
    sent.effects.append(Await("request_unanswered", subject, due))
    written = ref if is_3x(release) or s.aanbieder.layout == "xsd" else None
    link = Link(subject, "line", [])
    sent.links.append(link)
    req = Request(sent, subject, written, due, link, ingang, einde)
    if reject_2x and back is not None:  # the 316 with its code is the answer
        req.answer(back)
        link.choices.append((back.key, (back,)))
    return req


def antwoord(s: Story, req: Request, day: date, verzoek_antwoord: str) -> Sent:
    """A 319: "1" rejected, "2" in onderzoek. No client; linked to the request."""
    ref = req.referentie or ""
    reden = "01" if verzoek_antwoord == "1" else None
    sent, _ = s.send("319", day, [], antwoord=(ref, verzoek_antwoord, reden))
    sent.links.append(Link(sent.key, "message", [(req.subject, (req.sent,))]))
    req.answer(sent)
    if verzoek_antwoord == "2":  # OP274/OP346: a final answer within 8 weeks
        sent.effects.append(Await("request_undecided", req.subject,
                                  req.sent.heen.head.dagtekening + days(56)))
    return sent


def final(req: Request, sent: Sent, onderzoek: Sent | None) -> None:
    req.answer(sent)
    if onderzoek is not None:
        sent.effects.append(Settle("request_undecided", req.subject))


def answer_vot(s: Story, req: Request, how: str) -> Toewijzing | None:
    """Answers a 315 line: assign (on time or late), via "in onderzoek" (then assign, slowly,
    reject, or never), reject, or not at all. Returns the toewijzing if one is made."""
    received = req.sent.received
    onderzoek = None
    if how in ("onderzoek", "slow", "never", "onderzoek_reject"):
        onderzoek = antwoord(s, req, wd.due(received, s.rng.randint(1, 3)), "2")
        req.link.choices.append((onderzoek.key, (onderzoek,)))
        if how == "never":
            return None
    if how in ("reject", "onderzoek_reject"):
        after = onderzoek.received + days(s.rng.randint(10, 30)) if onderzoek else received
        day = wd.due(after, s.rng.randint(1, 3))
        rejected = antwoord(s, req, day, "1")
        final(req, rejected, onderzoek)
        req.link.choices.insert(0, (rejected.key, (rejected,)))
        return None
    if how == "none":
        return None
    day = _answer_day(s, req, how, onderzoek)
    t = _assign_answer(s, req, day)
    final(req, t.first, onderzoek)
    req.link.choices.insert(0, (t.key, (t.first,)))
    return t


def _answer_day(s: Story, req: Request, how: str, onderzoek: Sent | None) -> date:
    if onderzoek is not None and how == "slow":  # after the 8 weeks: request_undecided
        return wd.on_or_after(req.sent.heen.head.dagtekening + days(s.rng.randint(60, 75)))
    if onderzoek is not None:
        return wd.on_or_after(onderzoek.received + days(s.rng.randint(10, 30)))
    k = s.rng.randint(6, 9) if how == "late" else s.rng.randint(1, 3)
    return wd.due(req.sent.received, k)


def _assign_answer(s: Story, req: Request, day: date) -> Toewijzing:
    line = new_line(s, day, req.ingang, req.einde, referentie=req.referentie)
    sent, _ = s.send("301", day, [line])
    t = toewijzing(s, line, sent)
    sent.links.append(Link(sent.line_key(0), "line", [(t.key, ())]))
    return t


def change(s: Story, t: Toewijzing, care: Care, how: str) -> tuple[Toewijzing, Care | None]:
    """A 317 (3.x): "change" ends the toewijzing the day before the change and assigns a new
    number from that day; "change_onderzoek" the same after a 319 in onderzoek; "reject"
    asks for a new product and gets a 319 rejection. Returns the current toewijzing/care."""
    day = wd.on_or_after(care.line.begindatum + days(s.rng.randint(20, 60)))
    per = day + days(30)  # the day the change takes effect
    if not is_3x(release_on(day)) or per + days(20) >= t.einde or day <= care.sent.received:
        return t, care
    ref = s.world.numbers.referentie_aanbieder(s.domain, s.aanbieder.code)
    if how == "reject":
        lines = [Wijziging("OngewijzigdProduct", t.nummer),
                 Wijziging("NieuwProduct", None, s.categorie, _other_code(s), per, t.einde)]
    else:
        lines = [Wijziging("TeWijzigenProduct", t.nummer, gewenste_ingangsdatum=per,
                           einddatum=t.einde)]
    sent, _ = s.send("317", day, list(lines), verzoek=(ref, "01"))
    due = wd.due(sent.received, 5)  # OP346
    sent.effects.append(Await("request_unanswered", sent.key, due))
    sent.links.append(Link(sent.line_key(0), "line", [(t.key, (t.first,))]))
    link = Link(sent.key, "message", [])
    sent.links.append(link)
    req = Request(sent, sent.key, ref, due, link)
    return _answer_vow(s, req, t, care, how, per)


def _answer_vow(s: Story, req: Request, t: Toewijzing, care: Care, how: str,
                per: date) -> tuple[Toewijzing, Care | None]:
    received = req.sent.received
    onderzoek = None
    if how == "change_onderzoek":
        onderzoek = antwoord(s, req, wd.due(received, s.rng.randint(1, 2)), "2")
        req.link.choices.append((onderzoek.key, (onderzoek,)))
    if how == "reject":
        rejected = antwoord(s, req, wd.due(received, s.rng.randint(1, 3)), "1")
        req.link.choices.append((rejected.key, (rejected,)))
        return t, care
    after = onderzoek.received + days(s.rng.randint(5, 12)) if onderzoek else received
    day = wd.due(after, s.rng.randint(1, 3))
    old = replace(t.line, toewijzingsdatum=day, einddatum=per - days(1), reden_wijziging="12",
                  referentie=req.referentie, toewijzingstijd="11:00:00")
    new = new_line(s, day, per, t.einde, referentie=req.referentie, volume=6)
    sent, _ = s.send("301", day, [old, new])
    final(req, sent, onderzoek)
    if onderzoek is None:
        req.link.choices.append((sent.key, (sent,)))
    t.line = old
    sent.links.append(Link(sent.line_key(0), "line", [(t.key, (t.first,))]))
    nieuw = toewijzing(s, new, sent)
    sent.links.append(Link(sent.line_key(1), "line", [(nieuw.key, ())]))
    stop(s, t, care, per - days(1), STOP_CHANGE)
    fresh, _ = start(s, nieuw, per)  # the new number starts on the day of the change
    return nieuw, fresh


def _other_code(s: Story) -> str:
    """Another product of the same category, where the category has one."""
    codes = dict(PRODUCTS[s.domain])[s.categorie]
    return next((c for c in codes if c != s.code), s.code)
