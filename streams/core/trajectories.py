"""Trajectories (product.md §3): the toewijzingen of one client at one aanbieder from one
gemeente in one domain and one product category whose periods overlap or adjoin (the next
Ingangsdatum at most one day after the previous Einddatum), with the requests they answer.

Recomputed per chain after every change; ids stay stable: a merge keeps the oldest id and
records the merged ones, a split leaves the id with the part holding the earliest toewijzing.
A deleted toewijzing neither bridges nor extends: it joins the trajectory whose span (±1 day)
holds its Ingangsdatum, else it is one of its own. A request never assigned is its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from streams.core.chain import Chain, Trajectory
from streams.core.events import Alert, Event, TrajectoryUpdated, UnitLinked
from streams.core.frozen import replace
from streams.core.werkdagen import shifted

_OPEN = date.max - timedelta(days=1)  # an open-ended Einddatum


@dataclass(slots=True)
class _Group:
    categorie: str | None
    begin: date
    end: date
    members: list[str]  # "t:{toewijzing_key}" and "r:{request unit}"


def _care_groups(chain: Chain) -> tuple[list[_Group], list[tuple[str | None, date, str]]]:
    """Sweep the care toewijzingen per category; return groups and the deleted ones."""
    care: list[tuple[str | None, date, date, str]] = []
    deleted: list[tuple[str | None, date, date, str]] = []
    for t in chain.toewijzingen.values():
        v = t.current() or max(t.versions, key=lambda v: (v.stamp, v.line_key))
        item = (v.categorie, v.ingangsdatum, v.einddatum or _OPEN, t.key)
        (care if t.is_care() else deleted).append(item)
    groups: list[_Group] = []
    last: dict[str | None, _Group] = {}
    for cat, begin, end, key in sorted(care, key=lambda i: (i[0] or "", i[1], i[3])):
        g = last.get(cat)
        if g is not None and begin <= shifted(g.end, 1):
            g.end = max(g.end, end)
            g.members.append(f"t:{key}")
        else:
            last[cat] = _Group(cat, begin, end, [f"t:{key}"])
            groups.append(last[cat])
    return groups, [(cat, begin, key) for cat, begin, _, key in deleted]


def _place(chain: Chain) -> list[_Group]:
    groups, deleted = _care_groups(chain)
    for cat, begin, key in sorted(deleted, key=lambda d: (d[1], d[2])):
        home = next((g for g in groups if g.categorie == cat
                     and shifted(g.begin, -1) <= begin <= shifted(g.end, 1)), None)
        if home is None:
            groups.append(_Group(cat, begin, begin, [f"t:{key}"]))
        else:
            home.members.append(f"t:{key}")
    by_toewijzing = {m: g for g in groups for m in g.members}
    by_reference: dict[str, _Group] = {}
    # requests sent first: one not sent joins the request sent again under its reference
    for r in sorted(chain.requests.values(), key=lambda r: (r.not_sent, r.received, r.unit)):
        answer = r.link_target()  # a 317 by its named toewijzingen first (product.md §3)
        by_answer = [answer.target] if answer and answer.msg == "301" else []
        names = [*r.names, *by_answer] if r.msg == "317" else by_answer
        home = next((by_toewijzing[f"t:{k}"] for k in names if f"t:{k}" in by_toewijzing), None)
        if home is None and r.not_sent and r.referentie:
            home = by_reference.get(r.referentie)
        if home is None:  # never assigned: a trajectory of its own
            home = _Group(r.categorie, r.received, r.received, [])
            groups.append(home)
        home.members.append(f"r:{r.unit}")
        if r.referentie and not r.not_sent:
            by_reference.setdefault(r.referentie, home)
    return groups


def updated(chain: Chain) -> list[Event]:
    """Recompute, and tell which trajectories are new or changed."""
    return [TrajectoryUpdated(t.id, chain.domain, chain.gemeente, chain.aanbieder,
                              chain.client, tuple(t.toewijzingen), tuple(t.requests),
                              tuple(t.merged)) for t in update(chain)]


def update(chain: Chain) -> list[Trajectory]:
    """Recompute the chain's trajectories; returns those that are new or changed.

    Each id goes to the group holding its earliest member (the split rule); where several
    land in one group the oldest stays and the others retire (merged), keeping the members
    they had. A group no current id reaches takes back the oldest retired id whose
    earliest member it holds: a merge undone by a split gives the episode its id again,
    so an id never changes meaning. A trajectory's `merged` are the retired ids whose
    earliest member it holds."""
    old = {t.id: t for t in chain.trajectories}
    groups = sorted(_place(chain), key=lambda g: (g.begin, g.members))
    owner = _owners(chain, groups, chain.trajectories)
    retired = {t.id: t for t in chain.retired}
    kept: dict[int, Trajectory] = {}
    for tid in sorted(owner, key=lambda tid: old[tid].seq):
        if owner[tid] in kept:
            t = old[tid]
            retired[tid] = Trajectory(t.id, t.seq, t.toewijzingen, t.requests)
        else:
            kept[owner[tid]] = old[tid]
    heirs = _owners(chain, groups, list(retired.values()))
    result: list[Trajectory] = []
    for i, g in enumerate(groups):
        traj = _trajectory(chain, kept.get(i), [retired[t] for t, j in heirs.items() if j == i])
        retired.pop(traj.id, None)
        traj.toewijzingen = sorted(m[2:] for m in g.members if m.startswith("t:"))
        traj.requests = sorted(m[2:] for m in g.members if m.startswith("r:"))
        result.append(traj)
    chain.trajectories = result
    chain.retired = sorted(retired.values(), key=lambda t: t.seq)
    _index(chain)
    return [t for t in result if old.get(t.id) != t]


def _trajectory(chain: Chain, keep: Trajectory | None, heirs: list[Trajectory]) -> Trajectory:
    """A group's trajectory: its current id, else a retired one back, else a new one."""
    heirs = sorted(heirs, key=lambda t: t.seq)
    if keep is None and heirs:
        keep, heirs = Trajectory(heirs[0].id, heirs[0].seq), heirs[1:]
    if keep is None:
        keep = Trajectory(_new_id(chain), chain.next_seq)
        chain.next_seq += 1
    merged = sorted(t.id for t in heirs if t.id != keep.id)
    return Trajectory(keep.id, keep.seq, [], [], merged, keep.published)


def _owners(chain: Chain, groups: list[_Group], trajectories: list[Trajectory]
            ) -> dict[str, int]:
    """Each id goes to one group: the one holding its earliest toewijzing (split rule), by
    the toewijzing's own Ingangsdatum, not by where its group begins (a group that took
    one of its toewijzingen may begin earlier with those of another trajectory)."""
    where = {m: i for i, g in enumerate(groups) for m in g.members}
    owner: dict[str, int] = {}
    for t in trajectories:
        ranked = [((_ingang(chain, m[2:]) if m.startswith("t:") else date.max, m), where[m])
                  for m in _members(t) if m in where]
        if ranked:
            owner[t.id] = min(ranked)[1]
    return owner


def _ingang(chain: Chain, key: str) -> date:
    t = chain.toewijzingen[key]
    v = t.current() or max(t.versions, key=lambda v: (v.stamp, v.line_key))
    return v.ingangsdatum


def _members(t: Trajectory) -> list[str]:
    return [f"t:{k}" for k in t.toewijzingen] + [f"r:{u}" for u in t.requests]


def _new_id(chain: Chain) -> str:
    digest = hashlib.sha256(chain.key.encode()).hexdigest()[:16]
    return f"tr-{digest}-{chain.next_seq}"


def stamp(chain: Chain, events: list[Event]) -> list[Event]:
    """Links and alerts made in a chain name the trajectory their unit has now (the live
    topics carry it; replay's files name the id after all merges)."""
    return [_stamped(chain, e) for e in events]


def _stamped(chain: Chain, e: Event) -> Event:
    if isinstance(e, UnitLinked) and e.trajectory_id is None:
        tid = trajectory_for(chain, e.unit) or trajectory_for(chain, e.target)
        return replace(e, trajectory_id=tid) if tid else e
    if isinstance(e, Alert) and e.trajectory_id is None:
        tid = trajectory_for(chain, e.subject)
        return replace(e, trajectory_id=tid) if tid else e
    return e


def trajectory_for(chain: Chain, subject: str) -> str | None:
    """The trajectory of a unit, a toewijzing or a message (product.md §3: a message joins
    the trajectory of its first line; a 319 or retour that of what it links to)."""
    tid = chain.trajectory_of.get(subject)
    if tid is not None:
        return tid
    prefix = f"{subject}#"
    lines = [(int(k[len(prefix):]), t) for k, t in chain.trajectory_of.items()
             if k.startswith(prefix)]
    return min(lines)[1] if lines else None


def index_lines(chain: Chain, message_key: str) -> None:
    """A 305/307 message's lines: the trajectory of the toewijzing each links to."""
    of = chain.trajectory_of
    for z in chain.zorg.values():
        if z.message_key == message_key and z.toewijzing in of:
            of[z.line_key] = of[z.toewijzing]


def _index(chain: Chain) -> None:
    """unit → trajectory id, for every unit of the chain (alerts and links carry it)."""
    of: dict[str, str] = {}
    for t in chain.trajectories:
        for key in t.toewijzingen:
            of[key] = t.id
            for v in chain.toewijzingen[key].versions:
                of[v.line_key] = t.id
        for unit in t.requests:
            of[unit] = t.id
    for z in chain.zorg.values():
        if z.toewijzing in of:
            of[z.line_key] = of[z.toewijzing]
    for unit, link in chain.links.items():
        if unit not in of and link.target in of:
            of[unit] = of[link.target]
    chain.trajectory_of = of
