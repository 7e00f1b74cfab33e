"""The PromQL of deploy/: every expression of the alert rules and the Grafana dashboards, and
the metric names each one reads — for checking them against what the worker exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "rules.yml"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
# Series Prometheus makes itself rather than scrapes.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
             "unless", "bool", "offset", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' r"|'(?:[^'\\]|\\.)*'")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects: identifiers that are not functions,
    keywords, label names, durations or strings."""
    s = _STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)  # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)  # range and subquery windows
    s = _GROUPING.sub(" ", s)
    names = set()
    for m in _NAME.finditer(s):
        before = s[m.start() - 1] if m.start() else " "
        if before.isdigit() or before in "._$":
            continue  # the unit of a duration (1d), a number's exponent, a $variable
        if s[m.end():].lstrip().startswith("(") or m.group() in _KEYWORDS:
            continue
        names.add(m.group())
    return names


def rule_expressions() -> Iterator[tuple[str, str]]:
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            yield f"rule {rule.get('alert') or rule.get('record')}", rule["expr"]


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # the panels of a row


def dashboard_expressions() -> Iterator[tuple[str, str]]:
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                yield f"{path.stem}: {panel['title']} {target['refId']}", target["expr"]
        for var in dashboard["templating"]["list"]:
            if var["type"] == "query":
                query = var["query"]["query"]
                inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
                yield f"{path.stem}: ${var['name']}", inner.group(1) if inner else query


def as_plain_promql(expr: str) -> str:
    """A Grafana expression as Prometheus reads it: its $variables filled in."""
    expr = re.sub(r"\$__(?:rate_interval|interval|range)", "5m", expr)
    return re.sub(r"\$\{?\w+\}?", ".*", expr)


def all_expressions() -> list[tuple[str, str]]:
    return [*rule_expressions(), *dashboard_expressions()]


def all_metric_names() -> set[str]:
    return {n for _, e in all_expressions() for n in metric_names(as_plain_promql(e))}
