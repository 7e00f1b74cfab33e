"""deploy/Dockerfile and deploy/compose.yaml, checked offline: hadolint, the Compose
Specification's JSON schema, and what the stack must hold together."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from jsonschema import Draft202012Validator

from streams.cli import main as cli
from tests.conftest import ROOT
from tests.deploy.promql import DEPLOY

DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run([str(hadolint), "--no-color", "--format", "json", str(DOCKERFILE)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout + done.stderr


def test_the_image_is_multi_stage_slim_debian_non_root_with_a_state_volume() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm$", text, re.M)
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    assert "-c constraints.txt" in text  # the pinned dependencies
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users == ["10001"]  # numeric, not root, and the last word on the user
    assert 'VOLUME ["/var/lib/ketenlink"]' in text
    assert "KETENLINK_DATA_DIR=/var/lib/ketenlink" in text
    healthcheck = re.search(r"^HEALTHCHECK .*?\n(.*CMD.*)$", text, re.M | re.S)
    assert healthcheck and "/ready" in healthcheck.group(1)


def test_the_build_context_sends_only_what_the_image_needs() -> None:
    ignore = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.M)
    sources = {s.rstrip("/") for line in copied for s in line.split()}
    assert ignore[0] == "*"
    assert {p.strip("!").rstrip("/") for p in ignore if p.startswith("!")} == sources
    assert all((ROOT / s).exists() for s in sources)


def test_the_compose_file_matches_the_compose_specification() -> None:
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("compose-spec.json").read_text())
    Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.path)}: {e.message}"
              for e in Draft202012Validator(schema).iter_errors(compose())]
    assert errors == []


def test_the_compose_schema_check_can_fail() -> None:
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor")
                        .joinpath("compose-spec.json").read_text())
    broken = compose()
    broken["services"]["worker"]["portz"] = ["6066"]
    assert list(Draft202012Validator(schema).iter_errors(broken))


def test_the_stack_has_kafka_kraft_the_worker_prometheus_and_grafana() -> None:
    services = compose()["services"]
    assert {"kafka", "worker", "prometheus", "grafana"} <= set(services)
    kafka = services["kafka"]
    assert re.fullmatch(r"apache/kafka:3\.9\.\d+", kafka["image"])
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    worker = services["worker"]
    assert worker["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (COMPOSE.parent / worker["build"]["context"] / "deploy/Dockerfile").exists()
    assert "ports" not in worker  # so that `--scale worker=2` binds no port twice
    assert worker["environment"]["KETENLINK_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    state = [v for v in worker["volumes"] if isinstance(v, dict)]
    assert state == [{"type": "volume", "target": "/var/lib/ketenlink"}]  # one per replica


def test_every_mounted_file_of_the_stack_exists() -> None:
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            if isinstance(volume, str) and volume.startswith("./"):
                source = COMPOSE.parent / volume.split(":")[0]
                assert source.exists(), f"{name}: {source}"


def test_prometheus_in_the_stack_gets_the_tested_rules_and_scrapes_the_workers() -> None:
    services = compose()["services"]
    mounts = dict(v.split(":")[:2] for v in services["prometheus"]["volumes"]
                  if v.startswith("./"))
    assert mounts["./prometheus/rules.yml"] == "/etc/prometheus/rules.yml"
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    job = config["scrape_configs"][0]
    assert job["dns_sd_configs"][0]["names"] == ["worker"]
    assert job["dns_sd_configs"][0]["port"] == 6066


def known_variables() -> set[str]:
    """Every KETENLINK_* variable the CLI reads, from its options."""
    names: set[str] = set()
    for command in cli.commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar:
                envvar = param.envvar
                names.update([envvar] if isinstance(envvar, str) else envvar)
    return names


def deploy_variables() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in [COMPOSE, *sorted((DEPLOY / "k8s").glob("*.yaml")), DOCKERFILE]:
        for name in re.findall(r"\bKETENLINK_[A-Z_]+", path.read_text()):
            found.setdefault(name, set()).add(path.name)
    return found


def test_every_setting_the_deployment_sets_is_one_the_worker_reads() -> None:
    known = known_variables()
    assert "KETENLINK_DATA_DIR" in known and "KETENLINK_HMAC_KEY_FILE" in known
    unknown = {n: p for n, p in deploy_variables().items() if n not in known}
    assert unknown == {}


@pytest.mark.parametrize("service", ["worker", "ingest"])
def test_the_hmac_key_comes_from_a_file_not_from_the_compose_file(service: str) -> None:
    s = compose()["services"][service]
    assert s["environment"]["KETENLINK_HMAC_KEY_FILE"].startswith("/run/ketenlink/")
    assert "KETENLINK_HMAC_KEY" not in s["environment"]
    assert "hmac-key:/run/ketenlink:ro" in s["volumes"]
