"""deploy/grafana: valid dashboard JSON as Grafana 11 provisions it, made by
tools/dashboards.py, with every $variable defined and the datasource provisioned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.deploy.promql import DASHBOARDS, DEPLOY, panels

GRAFANA = DEPLOY / "grafana"
VARIABLE_TYPES = {"query", "custom", "constant", "datasource", "interval", "textbox", "adhoc"}
PANEL_TYPES = {"timeseries", "stat", "bargauge", "table", "gauge", "row", "text", "heatmap"}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def test_the_dashboards_are_what_tools_dashboards_py_makes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "dashboards.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_there_are_the_three_dashboards_of_issue_5() -> None:
    titles = {load(p)["uid"]: load(p)["title"] for p in DASHBOARDS}
    assert set(titles) == {"ketenlink-chain", "ketenlink-gemeente", "ketenlink-service"}
    gemeente = load(GRAFANA / "dashboards" / "gemeente-process-times.json")
    assert "gemeente" in {v["name"] for v in gemeente["templating"]["list"]}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_the_dashboard_is_a_valid_grafana_model(path: Path) -> None:
    d = load(path)
    assert isinstance(d["title"], str) and d["title"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d["uid"])
    assert isinstance(d["schemaVersion"], int) and 36 <= d["schemaVersion"] <= 41
    assert "id" not in d  # provisioning gives the id
    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids))
    for p in panels(d):
        assert p["type"] in PANEL_TYPES
        g = p["gridPos"]
        assert all(isinstance(g[k], int) for k in "xywh") and g["x"] + g["w"] <= 24
        refs = [t["refId"] for t in p["targets"]]
        assert refs and len(refs) == len(set(refs)), p["title"]
        assert all(t["expr"].strip() for t in p["targets"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_variable_used_is_defined(path: Path) -> None:
    d = load(path)
    variables = d["templating"]["list"]
    defined = {v["name"] for v in variables}
    assert all(v["type"] in VARIABLE_TYPES for v in variables)
    used = set(re.findall(r"\$\{?(\w+)\}?", json.dumps(d["panels"]) + json.dumps(variables)))
    assert {u for u in used if not u.startswith("__")} <= defined


def test_panels_overlap_nowhere() -> None:
    for path in DASHBOARDS:
        cells: set[tuple[int, int]] = set()
        for p in panels(load(path)):
            g = p["gridPos"]
            mine = {(x, y) for x in range(g["x"], g["x"] + g["w"])
                    for y in range(g["y"], g["y"] + g["h"])}
            assert not cells & mine, f"{path.stem}: {p['title']}"
            cells |= mine


def test_provisioning_points_at_the_dashboards_and_the_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yaml")
                                 .read_text())
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/ketenlink.yaml").read_text())
    assert datasources["apiVersion"] == providers["apiVersion"] == 1
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    mounts = dict(v.split(":")[:2] for v in compose["services"]["grafana"]["volumes"]
                  if v.startswith("./"))
    assert mounts["./grafana/dashboards"] == providers["providers"][0]["options"]["path"]
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    for path in DASHBOARDS:  # every panel asks the datasource variable, which lists it
        d = load(path)
        assert {p["datasource"]["uid"] for p in panels(d)} == {"${datasource}"}
        (var,) = [v for v in d["templating"]["list"] if v["type"] == "datasource"]
        assert var["query"] == source["type"]
