"""The alert rules of deploy/prometheus, checked and unit-tested by Debian's promtool, and the
PromQL of the dashboards parsed by it too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.promql import (
    DEPLOY,
    RULES,
    as_plain_promql,
    dashboard_expressions,
    metric_names,
)

PROMETHEUS = DEPLOY / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, check=False)


def test_promtool_checks_the_rules() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 8 rules found" in done.stdout


def test_promtool_rule_unit_tests_pass() -> None:
    done = promtool("test", "rules", str(PROMETHEUS / "tests" / "rules_test.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_rule_has_a_unit_test_that_fires_it() -> None:
    tests = yaml.safe_load((PROMETHEUS / "tests" / "rules_test.yml").read_text())["tests"]
    fired = {case["alertname"] for t in tests for case in t["alert_rule_test"]
             if case["exp_alerts"]}
    quiet = {case["alertname"] for t in tests for case in t["alert_rule_test"]
             if not case["exp_alerts"]}
    rules = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"]
             for r in g["rules"]}
    assert fired == rules and quiet == rules


def test_the_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/rules.yml"]  # compose mounts it there
    config["rule_files"] = [str(RULES)]
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))
    done = promtool("check", "config", str(local))
    assert done.returncode == 0, done.stdout + done.stderr
    assert config["scrape_configs"][0]["job_name"] == "ketenlink"


def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    exprs = list(dashboard_expressions())
    assert len(exprs) > 30
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:expr_{n}", "expr": as_plain_promql(e)}
        for n, (_, e) in enumerate(exprs)]}]}
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump(rules))
    done = promtool("check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("expr", "names"), [
    ('sum by (le) (rate(ketenlink_retour_time_werkdagen_bucket{domain=~"$domain"}[1d]))',
     {"ketenlink_retour_time_werkdagen_bucket"}),
    ("time() - max(ketenlink_clock_timestamp_seconds > 0) > 2 * 86400",
     {"ketenlink_clock_timestamp_seconds"}),
    ('increase(a_total{rule=~"x|y"}[7d] offset 1d) / on (gemeente) group_left b and c',
     {"a_total", "b", "c"}),
    ("sum without (partition) (delta(lag[15m])) > 1e3", {"lag"}),
    ('up{job="ketenlink"} == 0', {"up"}),
])
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
