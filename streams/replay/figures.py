"""Figures gathered while the outputs are written: summary.json and the report's plots.

Everything is counted in bounded structures (value histograms, per-key counters), so the
figures of a national archive fit in memory; every figure is deterministic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from streams.core.codes import BY_CODE
from streams.core.events import UnitLinked

if TYPE_CHECKING:
    from streams.replay.run import RunMeta


def quantile(hist: Counter[int], q: float) -> int | None:
    """The q-quantile (nearest rank) of a value histogram."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = max(1, -(-int(q * total * 1000) // 1000))
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return max(hist)


def message_type(heen_key: str) -> str:
    """"jw 301" from a message_key ("jw:436:…")."""
    domain, code = heen_key.split(":", 2)[:2]
    t = BY_CODE.get(int(code)) if code.isascii() and code.isdigit() else None
    return f"{domain} {t.msg}" if t else f"{domain} {code}"


class Figures:
    def __init__(self, meta: RunMeta) -> None:
        self.meta = meta
        self.links: Counter[str] = Counter()
        self.links_by_kind: Counter[str] = Counter()
        self.trajectories: Counter[str] = Counter()
        self.alerts: dict[str, Counter[str]] = defaultdict(Counter)
        self.alerts_per_month: Counter[tuple[str, str]] = Counter()
        self.steps: dict[str, Counter[int]] = defaultdict(Counter)
        self.units: dict[str, str] = {}
        self.retour_times: dict[str, Counter[int]] = defaultdict(Counter)
        self.assignment_care: dict[str, Counter[int]] = defaultdict(Counter)

    def link(self, link: UnitLinked) -> None:
        self.links[link.rule] += 1
        self.links_by_kind[link.kind] += 1

    def trajectory(self, record: dict[str, Any]) -> None:
        self.trajectories[record["status"]] += 1

    def alert(self, a: dict[str, Any]) -> None:
        self.alerts[a["rule"]][a["status"]] += 1
        if a["status"] == "raised":
            self.alerts_per_month[(a["raised"][:7], a["rule"])] += 1

    def step(self, s: dict[str, Any]) -> None:
        self.steps[s["metric"]][s["value"]] += 1
        self.units[s["metric"]] = s["unit"]
        if s["metric"] == "retour_time":
            self.retour_times[message_type(s["subject"])][s["value"]] += 1
        elif s["metric"] == "assignment_care":
            self.assignment_care[s["aanbieder"]][s["value"]] += 1

    def take_steps(self, other: Figures) -> None:
        """The process-time figures gathered by another process (the output pass's second
        one); this one gathers none itself."""
        self.steps, self.units = other.steps, other.units
        self.retour_times, self.assignment_care = other.retour_times, other.assignment_care

    def summary(self, watermark: date | None) -> dict[str, Any]:
        meta = self.meta
        return {
            "inputs": meta.position,
            "messages": {"total": sum(meta.messages.values()), "by_type": dict(meta.messages)},
            "rejects": {"total": sum(meta.rejects.values()), "by_reason": dict(meta.rejects)},
            "links": {"total": sum(self.links.values()), "by_rule": dict(self.links),
                      "by_kind": dict(self.links_by_kind), "link_events": meta.links_made},
            "trajectories": {"total": sum(self.trajectories.values()),
                             "by_status": dict(self.trajectories)},
            "alerts": {rule: {"raised": c["raised"], "resolved": c["resolved"],
                              "open": c["raised"] - c["resolved"]}
                       for rule, c in self.alerts.items()},
            "process_times": {metric: self._step_summary(metric) for metric in self.steps},
            "throughput": self._throughput(),
            "watermark": watermark.isoformat() if watermark else None,
        }

    def _step_summary(self, metric: str) -> dict[str, Any]:
        hist = self.steps[metric]
        return {"count": sum(hist.values()), "unit": self.units[metric],
                "median": quantile(hist, 0.5), "p90": quantile(hist, 0.9)}

    def _throughput(self) -> dict[str, Any]:
        """Traffic through the chain in event time (wall-clock speed is in run.json of the
        state directory, so these files stay byte-identical between runs)."""
        first, last = self.meta.first_received, self.meta.last_received
        days = (last - first).days + 1 if first and last else 0
        total = sum(self.meta.messages.values())
        return {"first_received": first.isoformat() if first else None,
                "last_received": last.isoformat() if last else None,
                "days": days, "messages_per_day": round(total / days, 1) if days else None}
