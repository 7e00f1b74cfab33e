"""Alert bookkeeping shared by every rule: deterministic ids, raised and resolved once
per occurrence.

An alert id comes from rule + subject only (product.md §4), so a restart or a replay never
raises the same alert twice: an alert is kept in the store under `a/{id}`, and raising an
open one is a no-op. A resolved alert is raised again when its rule finds the subject
overdue once more: its deadline moved (an extension, and the new Einddatum passes without
a stop), or what resolved it no longer counts (a start withdrawn, an answer not sent).
The alerts open at the end are then those whose subject is overdue at the end.
"""

from __future__ import annotations

import hashlib
from datetime import date

from streams.core.events import Alert, Event
from streams.core.frozen import record, replace
from streams.core.store import Store

REFRESHED = "A/"  # alert ids whose open alert was brought up to date


def alert_id(rule: str, subject: str) -> str:
    return f"{rule}:{hashlib.sha256(subject.encode()).hexdigest()[:20]}"


@record
class Party:
    """Who an alert is about: every alert record carries these (product.md §4)."""

    domain: str
    gemeente: str
    aanbieder: str
    client: str | None
    trajectory_id: str | None = None


class Alerts:
    """Raises and resolves alerts against the store; knows `alerts_from`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def raise_(self, rule: str, subject: str, party: Party, due: date | None, today: date,
               alerts_from: date, *, late: int | None = None,
               codes: tuple[str, ...] = ()) -> list[Event]:
        """The alert, unless its due date lies before alerts_from or it is open already (then
        it is brought up to date without an event, `_refresh`)."""
        if due is not None and due < alerts_from:
            return []  # archive edge: the chain started before the run (product.md §4)
        aid = alert_id(rule, subject)
        known: Alert | None = self.store.get(f"a/{aid}")
        if known is not None and known.status == "raised":
            self._refresh(known, due, late, codes)
            return []
        alert = Alert(aid, rule, subject, "raised", party.domain, party.gemeente,
                      party.aanbieder, party.client, party.trajectory_id, due, today, late,
                      codes)
        self.store.put(f"a/{aid}", alert)
        return [alert]

    def _refresh(self, known: Alert, due: date | None, late: int | None,
                 codes: tuple[str, ...]) -> None:
        """An open alert judged again: its due date and lateness as they stand now (an
        earlier partner read later), and every code (the next record of a 2.x retour with
        several clients). Kept without an event, and listed under `A/`: the replay's
        alerts.jsonl gives the alert's raised record these values, so that they do not
        hang on reading order; the live topic keeps the record it sent."""
        fresh = replace(known, due=known.due if due is None else due,
                        late_werkdagen=known.late_werkdagen if late is None else late,
                        codes=tuple(dict.fromkeys(known.codes + codes)))
        if fresh != known:
            self.store.put(f"a/{known.alert_id}", fresh)
            self.store.put(f"{REFRESHED}{known.alert_id}", True)

    def get(self, rule: str, subject: str) -> Alert | None:
        """The alert as it stands (open or resolved), if it was raised in this run."""
        found: Alert | None = self.store.get(f"a/{alert_id(rule, subject)}")
        return found

    def known(self, rule: str, subject: str) -> bool:
        """Raised in this run, open or resolved."""
        return self.get(rule, subject) is not None

    def resolve(self, rule: str, subject: str, today: date, *,
                fixed_due: date | None = None) -> list[Event]:
        """A `resolved` event for an open alert; nothing when it was never raised.

        `fixed_due`: the alert's due date when it can never change; an alert is raised
        only once the clock has passed its due date, so before that there is nothing to
        look up (this saves a state read on most retours and links)."""
        if fixed_due is not None and fixed_due >= today:
            return []
        aid = alert_id(rule, subject)
        open_alert: Alert | None = self.store.get(f"a/{aid}")
        if open_alert is None or open_alert.status == "resolved":
            return []
        # product.md §4: the record carries "the date it was raised"; the day it was
        # resolved comes beside it
        done = replace(open_alert, status="resolved", resolved=today)
        self.store.put(f"a/{aid}", done)
        return [done]
