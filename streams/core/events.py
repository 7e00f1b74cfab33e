"""What the engine tells the world: small frozen records with past-tense names.

The shells route them by type (events → topic / file / metric), never by if-chains.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from streams.core.frozen import record

LinkKind = Literal["line", "retour", "message"]
AlertStatus = Literal["raised", "resolved"]


@record
class UnitLinked:
    """A unit (line_key or message_key) linked to its target (product.md §6 links.jsonl)."""

    unit: str
    kind: LinkKind
    target: str
    trajectory_id: str | None
    rule: str  # which key or fallback made the link
    start: str | None = None  # 307 line: the start it stops


@record
class UnitUnlinked:
    """A unit whose link no longer holds: its only answer went to a better-fitting request
    (the 2.x fallback, streams/core/bestfit.py). The live links topic gets a tombstone;
    replay's links.jsonl is the final state and simply has no record for it."""

    unit: str


@record
class Alert:
    """An alert record (product.md §4); `status` says whether it is raised or resolved."""

    alert_id: str
    rule: str
    subject: str
    status: AlertStatus
    domain: str
    gemeente: str
    aanbieder: str
    client: str | None
    trajectory_id: str | None
    due: date | None
    raised: date  # the engine clock when the alert was raised (kept on its resolved event)
    late_werkdagen: int | None = None
    codes: tuple[str, ...] = ()  # retour_rejected: the codes that reject
    resolved: date | None = None  # the engine clock when it was resolved; None while open


@record
class StepMeasured:
    """One measured process step (product.md §5/§6 process_times.jsonl)."""

    metric: str
    subject: str
    value: int
    unit: Literal["werkdagen", "days"]
    domain: str
    gemeente: str
    aanbieder: str
    msg: str  # the message that completed the measurement


@record
class StepWithdrawn:
    """A measured step no longer holds: the line it measured was withdrawn (status 3)."""

    metric: str
    subject: str
    domain: str
    gemeente: str
    aanbieder: str


@record
class TrajectoryUpdated:
    """A trajectory as it stands (the compacted trajectory topic, keyed by id): its members,
    and, when the engine publishes trajectories (live), its dates and status as in
    trajectories.jsonl (product.md §6)."""

    trajectory_id: str
    domain: str
    gemeente: str
    aanbieder: str
    client: str | None
    toewijzingen: tuple[str, ...]
    requests: tuple[str, ...]
    merged: tuple[str, ...]
    categorie: str | None = None
    requested: date | None = None
    assigned: date | None = None
    ingangsdatum: date | None = None
    einddatum: date | None = None
    started: date | None = None
    stopped: date | None = None
    reden_beeindiging: str | None = None
    status: str | None = None


Event = UnitLinked | UnitUnlinked | Alert | StepMeasured | StepWithdrawn | TrajectoryUpdated
