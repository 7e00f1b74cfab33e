"""The Grafana dashboards of deploy/grafana/dashboards, as code: panels are a title and PromQL,
the layout and the JSON boilerplate are made here, so the three dashboards stay alike.

    python tools/dashboards.py          # rewrite deploy/grafana/dashboards/*.json
    python tools/dashboards.py --check  # fail when the files differ from this code (tests)

Quantiles of the process-time histograms use whole days (`[1d]`, `[7d]`): their observations
come when messages arrive, in bursts, so a per-minute rate says little.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39  # Grafana 11.0 and later read it as is


@dataclass(frozen=True)
class Panel:
    title: str
    targets: list[tuple[str, str]]  # (PromQL, legend)
    kind: str = "timeseries"
    unit: str = "short"
    description: str = ""
    width: int = 12
    height: int = 8


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    variables: list[dict[str, Any]] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)

    def model(self) -> dict[str, Any]:
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": ["ketenlink"], "timezone": "browser", "editable": False,
            "schemaVersion": SCHEMA_VERSION, "version": 1, "refresh": "1m",
            "time": {"from": "now-30d", "to": "now"}, "graphTooltip": 1,
            "templating": {"list": [datasource_variable(), *self.variables]},
            "annotations": {"list": []}, "links": [],
            "panels": layout(self.panels),
        }


def datasource_variable() -> dict[str, Any]:
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0}


def query_variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": f"{name}-values"}, "definition": query,
            "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "sort": 1, "hide": 0}


def layout(panels: list[Panel]) -> list[dict[str, Any]]:
    """Left to right, wrapping at Grafana's 24 columns."""
    out, x, y, row_height = [], 0, 0, 0
    for n, p in enumerate(panels, start=1):
        if x + p.width > 24:
            x, y, row_height = 0, y + row_height, 0
        out.append(panel_model(n, p, {"x": x, "y": y, "w": p.width, "h": p.height}))
        x, row_height = x + p.width, max(row_height, p.height)
    return out


def panel_model(n: int, p: Panel, grid: dict[str, int]) -> dict[str, Any]:
    return {
        "id": n, "type": p.kind, "title": p.title, "description": p.description,
        "datasource": DATASOURCE, "gridPos": grid,
        "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}}
        if p.kind == "timeseries" else {"reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr,
                     "legendFormat": legend, "range": True}
                    for i, (expr, legend) in enumerate(p.targets)],
    }


def quantiles(metric: str, selector: str, window: str, by: str = "") -> list[tuple[str, str]]:
    group = f"le, {by}" if by else "le"
    return [(f"histogram_quantile({q}, sum by ({group}) "
             f"(increase({metric}_bucket{{{selector}}}[{window}])))",
             f"p{round(q * 100)}" + (f" {{{{{by}}}}}" if by else ""))
            for q in (0.5, 0.9)]


D = 'domain=~"$domain"'
RETOUR_RULES = 'rule=~"retour_missing|retour_late|retour_rejected"'


def chain_overview() -> Dashboard:
    return Dashboard(
        "ketenlink-chain", "ketenlink · chain overview",
        "The iJw/iWmo chain as it flows: messages, retour times, missing and late retours, "
        "open alerts.",
        [query_variable("domain", "Domain", "label_values(ketenlink_messages_total, domain)")],
        [
            Panel("Messages per second", [(f"sum(rate(ketenlink_messages_total{{{D}}}"
                                           "[$__rate_interval]))", "messages/s")],
                  kind="stat", unit="reqps", width=6, height=4),
            Panel("Open alerts", [(f"sum(ketenlink_open_alerts{{{D}}})", "open")],
                  kind="stat", width=6, height=4),
            Panel("Open trajectories", [(f"sum(ketenlink_open_trajectories{{{D}}})",
                                         "trajectories")], kind="stat", width=6, height=4),
            Panel("Engine clock", [("max(ketenlink_clock_timestamp_seconds) * 1000",
                                    "clock")], kind="stat", unit="dateTimeAsIsoNoDateIfToday",
                  description="The event-time watermark, or today while caught up.",
                  width=6, height=4),
            Panel("Messages per type", [(f"sum by (domain, msg) (rate(ketenlink_messages_total"
                                         f"{{{D}}}[$__rate_interval]))", "{{domain}} {{msg}}")],
                  unit="reqps"),
            Panel("Messages per release", [(f"sum by (release) (rate(ketenlink_messages_total"
                                            f"{{{D}}}[$__rate_interval]))", "{{release}}")],
                  unit="reqps"),
            Panel("Retour time (werkdagen, last day)",
                  quantiles("ketenlink_retour_time_werkdagen", D, "1d"),
                  description="Heen received → retour received (OP090: within 3 werkdagen)."),
            Panel("Retour time p90 per message type (werkdagen, last 7 days)",
                  quantiles("ketenlink_retour_time_werkdagen", D, "7d", by="msg")[1:],
                  kind="bargauge"),
            Panel("Missing, late and rejected retours per day",
                  [(f"sum by (rule) (increase(ketenlink_alerts_total{{{D}, {RETOUR_RULES}, "
                    'status="raised"}[1d]))', "{{rule}}")]),
            Panel("Open alerts per rule", [(f"sum by (rule) (ketenlink_open_alerts{{{D}}})",
                                            "{{rule}}")]),
            Panel("Alerts raised per day, every rule",
                  [(f'sum by (rule) (increase(ketenlink_alerts_total{{{D}, status="raised"}}'
                    "[1d]))", "{{rule}}")]),
            Panel("Links made per kind", [(f"sum by (kind) (rate(ketenlink_links_total{{{D}}}"
                                           "[$__rate_interval]))", "{{kind}}")], unit="reqps"),
        ])


G = 'domain=~"$domain", gemeente=~"$gemeente"'
STEPS = [
    ("ketenlink_retour_time_werkdagen", "Retour time", "werkdagen", "heen → retour (OP090)"),
    ("ketenlink_request_answer_werkdagen", "Request → answer", "werkdagen",
     "315/317 → first 301/319 (OP274, OP346)"),
    ("ketenlink_assignment_care_days", "Assignment → care", "days",
     "toewijzing Ingangsdatum → first 305 Begindatum"),
    ("ketenlink_start_report_delay_werkdagen", "Start report delay", "werkdagen",
     "305 Begindatum → 305 received (OP271)"),
    ("ketenlink_stop_report_delay_werkdagen", "Stop report delay", "werkdagen",
     "307 Einddatum → 307 received (OP272)"),
    ("ketenlink_care_duration_days", "Care duration", "days",
     "start Begindatum → definitive stop Einddatum"),
]


def gemeente_process_times() -> Dashboard:
    steps = [Panel(f"{title} ({unit}, last 7 days)", quantiles(metric, G, "7d"),
                   description=what) for metric, title, unit, what in STEPS]
    return Dashboard(
        "ketenlink-gemeente", "ketenlink · process times per gemeente",
        "The process times of product.md §5 for the gemeenten chosen above (p50 and p90).",
        [query_variable("domain", "Domain", "label_values(ketenlink_messages_total, domain)"),
         query_variable("gemeente", "Gemeente",
                        "label_values(ketenlink_alerts_total{domain=~\"$domain\"}, gemeente)")],
        [*steps,
         Panel("Alerts raised per day", [(f'sum by (rule) (increase(ketenlink_alerts_total{{{G}, '
                                          'status="raised"}[1d]))', "{{rule}}")], width=24),
         Panel("Alerts resolved per day",
               [(f'sum by (rule) (increase(ketenlink_alerts_total{{{G}, status="resolved"}}'
                 "[1d]))", "{{rule}}")], width=24)])


W = 'instance=~"$instance"'


def service_health() -> Dashboard:
    return Dashboard(
        "ketenlink-service", "ketenlink · service health",
        "The workers: up and ready, consumer lag, throughput, recovery, errors.",
        [query_variable("instance", "Worker", "label_values(ketenlink_ready, instance)")],
        [
            Panel("Workers up", [('sum(up{job="ketenlink"})', "up")], kind="stat",
                  width=6, height=4),
            Panel("Workers ready", [(f"sum(ketenlink_ready{{{W}}})", "ready")], kind="stat",
                  width=6, height=4),
            Panel("Input waiting", [(f"sum(ketenlink_consumer_lag{{{W}}})", "records")],
                  kind="stat", width=6, height=4),
            Panel("Engine clock behind", [(f"time() - max(ketenlink_clock_timestamp_seconds"
                                           f"{{{W}}} > 0)", "behind")],
                  kind="stat", unit="s", width=6, height=4),
            Panel("Consumer lag per partition", [(f"sum by (instance, partition) "
                                                  f"(ketenlink_consumer_lag{{{W}}})",
                                                  "{{instance}} p{{partition}}")]),
            Panel("Throughput", [(f"sum by (instance) (rate(faust_messages_received_total"
                                  f"{{{W}}}[$__rate_interval]))", "received {{instance}}"),
                                 (f"sum by (instance) (rate(ketenlink_messages_total{{{W}}}"
                                  "[$__rate_interval]))", "applied {{instance}}")],
                  unit="reqps"),
            Panel("Ready (1) or recovering (0)", [(f"ketenlink_ready{{{W}}}", "{{instance}}")]),
            Panel("Rebalances", [(f"faust_total_rebalances{{{W}}}", "rebalances {{instance}}"),
                                 (f"faust_total_rebalances_recovering{{{W}}}",
                                  "recovering {{instance}}")]),
            Panel("Dead letters per reason", [(f"sum by (reason) (rate(ketenlink_dead_letters_"
                                               f"total{{{W}}}[$__rate_interval]))", "{{reason}}")],
                  unit="reqps"),
            Panel("Parse failures per reason",
                  [(f"sum by (reason) (increase(ketenlink_parse_failures_total{{{W}}}[1h]))",
                    "{{reason}}")]),
            Panel("Event runtime p99 (ms)",
                  [(f"histogram_quantile(0.99, sum by (le, instance) "
                    f"(rate(faust_events_runtime_ms_bucket{{{W}}}[$__rate_interval])))",
                    "{{instance}}")], unit="ms"),
            Panel("Engine clock behind the wall clock",
                  [(f"time() - max by (instance) (ketenlink_clock_timestamp_seconds{{{W}}}"
                    " > 0)", "{{instance}}")], unit="s"),
        ])


DASHBOARDS = {"chain-overview": chain_overview, "gemeente-process-times": gemeente_process_times,
              "service-health": service_health}


def rendered() -> dict[str, str]:
    return {f"{name}.json": json.dumps(build().model(), indent=2, ensure_ascii=False) + "\n"
            for name, build in DASHBOARDS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    ns = parser.parse_args()
    stale = [name for name, text in rendered().items()
             if not (OUT / name).exists() or (OUT / name).read_text() != text]
    if ns.check:
        for name in stale:
            print(f"{OUT / name} differs from tools/dashboards.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
