"""Output records (product.md §6) from the engine's events and final state.

Plain dicts of JSON values (dates as ISO strings), one shape per file/topic; the schemas in
`schemas/` describe them. `trajectory_id` in every output is the id after merges: the
shells look it up in the final state with `trajectory_for`.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import Any

from streams.core.chain import Chain, Trajectory, ZorgLine
from streams.core.events import Alert, Event, StepMeasured, TrajectoryUpdated, UnitLinked
from streams.core.model import Failure
from streams.core.zorg_keys import TEMPORARY, restarted

Record = dict[str, Any]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def link_record(link: UnitLinked, trajectory_id: str | None) -> Record:
    record: Record = {"unit": link.unit, "kind": link.kind, "target": link.target,
                      "trajectory_id": trajectory_id, "rule": link.rule}
    if link.start is not None:
        record["start"] = link.start
    return record


def alert_record(a: Alert, trajectory_id: str | None) -> Record:
    return {"alert_id": a.alert_id, "rule": a.rule, "subject": a.subject, "status": a.status,
            "domain": a.domain, "gemeente": a.gemeente, "aanbieder": a.aanbieder,
            "client": a.client, "trajectory_id": trajectory_id, "due": _iso(a.due),
            "raised": a.raised.isoformat(), "resolved": _iso(a.resolved),
            "late_werkdagen": a.late_werkdagen, "codes": list(a.codes)}


def step_record(s: StepMeasured) -> Record:
    return {"metric": s.metric, "subject": s.subject, "value": s.value, "unit": s.unit,
            "domain": s.domain, "gemeente": s.gemeente, "aanbieder": s.aanbieder,
            "msg": s.msg}


def engine_failure(source: str, digest: str, received_at: datetime | None,
                   err: BaseException) -> Failure:
    """An input the engine failed on: a bug, never the input's fault alone. It becomes a
    failure with its source, kept and counted like bad input, so that one record does not
    stop the stream (product.md §8); what it put before the error stays."""
    return Failure("failure", "engine_error", f"{type(err).__name__}: {err}"[:300], source,
                   digest, 0, received_at)


def failure_record(f: Failure) -> Record:
    """A failure as rejects.jsonl and the dead-letter topic carry it (without the raw bytes,
    which the shells add)."""
    return {"record": "failure", "reason": f.reason, "detail": f.detail, "source": f.source,
            "digest": f.digest, "size": f.size,
            "received_at": f.received_at.isoformat() if f.received_at else None}


def trajectory_update_record(t: TrajectoryUpdated) -> Record:
    """A trajectory: a line of trajectories.jsonl, and the record of the compacted topic."""
    return {
        "trajectory_id": t.trajectory_id, "domain": t.domain, "gemeente": t.gemeente,
        "aanbieder": t.aanbieder, "client": t.client, "categorie": t.categorie,
        "toewijzingen": list(t.toewijzingen), "requests": list(t.requests),
        "requested": _iso(t.requested), "assigned": _iso(t.assigned),
        "ingangsdatum": _iso(t.ingangsdatum), "einddatum": _iso(t.einddatum),
        "started": _iso(t.started), "stopped": _iso(t.stopped),
        "reden_beeindiging": t.reden_beeindiging, "status": t.status,
        "merged": list(t.merged),
    }


def trajectory_record(chain: Chain, t: Trajectory) -> Record:
    """A trajectory's state: members, dates and status (docs/decisions.md)."""
    return trajectory_update_record(trajectory_event(chain, t))


def published(chain: Chain) -> list[Event]:
    """The trajectories whose record (members, dates, status) changed since it was last
    published: the live topic carries the records trajectories.jsonl holds."""
    events: list[Event] = []
    for t in chain.trajectories:
        event = trajectory_event(chain, t)
        checksum = zlib.crc32(repr(event).encode())
        if checksum != t.published:
            t.published = checksum
            events.append(event)
    return events


def trajectory_event(chain: Chain, t: Trajectory) -> TrajectoryUpdated:
    care = [v for k in t.toewijzingen if chain.toewijzingen[k].is_care()
            for v in [chain.toewijzingen[k].current()] if v is not None]
    starts, stops = _zorg(chain, t)
    requests = [chain.requests[u] for u in t.requests if u in chain.requests]
    stopped = _stopped(chain, starts, stops)
    ended = stopped is not None and not _awaits_start(chain, t, starts, stopped)
    return TrajectoryUpdated(
        t.id, chain.domain, chain.gemeente, chain.aanbieder, chain.client,
        tuple(t.toewijzingen), tuple(t.requests), tuple(t.merged),
        next((v.categorie for v in care), None) or _categorie(chain, t),
        # a request its retour rejected (0001) was never sent: the one sent again counts
        min((r.received for r in requests if not r.not_sent),
            default=min((r.received for r in requests), default=None)),
        _assigned(chain, t),
        min((v.ingangsdatum for v in care), default=None),
        None if any(v.einddatum is None for v in care) else max(
            (v.einddatum for v in care if v.einddatum), default=None),
        min((z.begindatum for z in starts), default=None),
        stopped.einddatum if stopped else None, stopped.reden if stopped else None,
        _status(chain, t, bool(care), bool(starts), stopped is not None, ended))


def _assigned(chain: Chain, t: Trajectory) -> date | None:
    """The earliest Toewijzingsdatum of its care toewijzingen over every version sent: a
    later version (an extension, a shortening) changes a toewijzing, not when it was
    assigned."""
    return min((v.stamp[0] for k in t.toewijzingen if chain.toewijzingen[k].is_care()
                for v in chain.toewijzingen[k].versions if not v.not_sent), default=None)


def _zorg(chain: Chain, t: Trajectory) -> tuple[list[ZorgLine], list[ZorgLine]]:
    """The counting starts and stops linked to the trajectory's care toewijzingen (a
    deleted one stays linked but does not count as care, product.md §3)."""
    mine = {k for k in t.toewijzingen if chain.toewijzingen[k].is_care()}
    lines = [z for z in chain.zorg.values() if z.toewijzing in mine and z.counts()]
    return [z for z in lines if z.msg == "305"], [z for z in lines if z.msg == "307"]


def _stopped(chain: Chain, starts: list[ZorgLine], stops: list[ZorgLine]) -> ZorgLine | None:
    """The last definitive stop, once every start has one (a temporary stop, reden 20,
    does not end the care), or was paused and started again (domain.md §6)."""
    definitive = [z for z in stops if z.reden != TEMPORARY]
    if not starts or not definitive:
        return None
    stopped = {z.start for z in definitive}
    if any(s.line_key not in stopped and not restarted(chain, s) for s in starts):
        return None
    return max(definitive, key=lambda z: (z.einddatum or date.min, z.line_key))


def _categorie(chain: Chain, t: Trajectory) -> str | None:
    for key in t.toewijzingen:
        v = chain.toewijzingen[key].versions[0]
        if v.categorie:
            return v.categorie
    return next((chain.requests[u].categorie for u in t.requests if u in chain.requests), None)


def _awaits_start(chain: Chain, t: Trajectory, starts: list[ZorgLine],
                  stopped: ZorgLine) -> bool:
    """A care toewijzing that has no start yet and runs past the last stop (the next one
    of the episode): the trajectory waits for its care, it has not ended."""
    begun = {z.toewijzing for z in starts}
    for key in t.toewijzingen:
        v = chain.toewijzingen[key].current()
        if key not in begun and v is not None and not v.deleted and (
                v.einddatum is None or stopped.einddatum is None
                or v.einddatum > stopped.einddatum):
            return True
    return False


def _status(chain: Chain, t: Trajectory, care: bool, started: bool, stopped: bool,
            ended: bool) -> str:
    """requested → rejected | assigned → in_care → ended; assigned again when the care
    stopped but a later toewijzing of the episode has not started; deleted when every
    toewijzing was deleted (or never counted as sent, unless a request stands: then it is
    requested or rejected, as product.md §4 treats an answer not sent)."""
    if care:
        if stopped:
            return "ended" if ended else "assigned"
        return "in_care" if started else "assigned"
    never_sent = all(v.not_sent for k in t.toewijzingen for v in chain.toewijzingen[k].versions)
    if t.toewijzingen and not (t.requests and never_sent):  # else the request stands
        return "deleted"
    answers = [chain.requests[u].final_answer() for u in t.requests if u in chain.requests]
    return "rejected" if any(a is not None and a.msg != "301" for a in answers) else "requested"
