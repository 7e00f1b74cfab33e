"""The live service against a real broker: ingest → worker gives what replay gives."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from jsonschema import Draft202012Validator, FormatChecker
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from tests.deploy.promql import PROMETHEUS_OWN, all_expressions, all_metric_names, as_plain_promql
from tests.integration.live import (
    Records,
    Worker,
    alert_view,
    free_port,
    jsonl,
    ketenlink,
    lag,
    last_values,
    link_view,
    read_topic,
    step_view,
    topic_config,
    trajectory_view,
    wait_until,
)

SAMPLE = ROOT / "samples" / "sample.zip"
pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Gold:
    bootstrap: str
    worker: Worker
    out: Path
    tmp: Path


def replayed(archive: Path, out: Path) -> Path:
    ketenlink("replay", str(archive), "--out", str(out), "--workers", "0")
    return out


def run_live(bootstrap: str, archive: Path, prefix: str, tmp: Path, partitions: int = 3
             ) -> Worker:
    ketenlink("ingest", str(archive), "--finish", "--bootstrap", bootstrap,
              "--partitions", str(partitions), "--topic-prefix", prefix)
    worker = Worker(bootstrap, prefix, tmp / "data", partitions).start()
    wait_until(lambda: lag(bootstrap, f"{prefix}-app", f"{prefix}.input") == 0, 240,
               "the worker to consume the input", worker.log_tail)
    return worker


def assert_same_outputs(bootstrap: str, prefix: str, out: Path) -> None:
    links = last_values(read_topic(bootstrap, f"{prefix}.links"))
    want_links = link_view(jsonl(out / "links.jsonl"))
    live_links = link_view(list(links.values()))
    assert len(want_links) > 3000
    assert live_links == want_links

    alerts = [r for _, r in last_values_all(read_topic(bootstrap, f"{prefix}.alerts"))]
    want = Counter(alert_view(a) for a in jsonl(out / "alerts.jsonl"))
    assert sum(want.values()) > 100
    assert set(Counter(alert_view(a) for a in alerts)) == set(want)

    trajectories = last_values(read_topic(bootstrap, f"{prefix}.trajectories"))
    assert trajectory_view(list(trajectories.values())) == trajectory_view(
        jsonl(out / "trajectories.jsonl"))

    steps = last_values(read_topic(bootstrap, f"{prefix}.process-times"))
    assert step_view(list(steps.values())) == step_view(jsonl(out / "process_times.jsonl"))


def last_values_all(records: Records) -> list[tuple[bytes, dict[str, Any]]]:
    return [(k, orjson.loads(v)) for k, v in records if k is not None and v is not None]


@pytest.fixture(scope="module")
def gold(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gold]:
    """The sample archive replayed, and ingested into a worker that keeps running."""
    tmp = tmp_path_factory.mktemp("gold")
    out = replayed(SAMPLE, tmp / "replay")
    worker = run_live(kafka_bootstrap, SAMPLE, "gold", tmp)
    try:
        yield Gold(kafka_bootstrap, worker, out, tmp)
    finally:
        worker.stop()


def test_ingest_and_worker_give_what_replay_gives(gold: Gold) -> None:
    assert_same_outputs(gold.bootstrap, "gold", gold.out)
    assert gold.worker.get("/ready") == (200, b'{"ready":true}')


def test_the_topics_take_records_of_8_mib(gold: Gold) -> None:
    """A dead letter carries its input; a broker's default of 1 MB would refuse one."""
    for topic in ("input", "dead-letter", "alerts", "trajectories"):
        assert topic_config(gold.bootstrap, f"gold.{topic}", "max.message.bytes") == str(
            8 << 20), topic


SCHEMAS = {"input": None, "links": "link", "alerts": "alert",
           "process-times": "process_time", "trajectories": "trajectory",
           "dead-letter": "reject"}


def test_every_topic_record_matches_its_schema(gold: Gold) -> None:
    validators = {name: Draft202012Validator(
        orjson.loads((ROOT / "schemas" / f"{name}.schema.json").read_bytes()),
        format_checker=FormatChecker())
        for name in ("message", "tick", "failure", *filter(None, SCHEMAS.values()))}
    seen: Counter[str] = Counter()
    for topic, schema in SCHEMAS.items():
        for _, value in read_topic(gold.bootstrap, f"gold.{topic}"):
            if value is None:
                continue  # a tombstone
            record = orjson.loads(value)
            name = schema or record["record"]  # input: message, tick or failure
            validators[name].validate(record)
            seen[name] += 1
    assert min(seen.values()) >= 1 and set(seen) == set(validators), seen


EXPECTED_SERIES = [
    "ketenlink_messages_total", "ketenlink_links_total", "ketenlink_alerts_total",
    "ketenlink_open_alerts", "ketenlink_open_trajectories", "ketenlink_consumer_lag",
    "ketenlink_clock_timestamp_seconds", "ketenlink_watermark_timestamp_seconds",
    "ketenlink_ready",
    "ketenlink_retour_time_werkdagen_bucket", "ketenlink_request_answer_werkdagen_bucket",
    "ketenlink_assignment_care_days_bucket", "ketenlink_start_report_delay_werkdagen_bucket",
    "ketenlink_stop_report_delay_werkdagen_bucket", "ketenlink_care_duration_days_bucket",
    "ketenlink_dead_letters_total", "ketenlink_parse_failures_total",
    "faust_messages_received_total",
]


def test_a_real_prometheus_scrapes_the_worker(gold: Gold) -> None:
    port = free_port()
    config = gold.tmp / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: ketenlink\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{gold.worker.port}']}}]\n")
    check = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={gold.tmp / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def series() -> set[str]:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/v1/label/__name__/values", timeout=5) as r:
                    return set(orjson.loads(r.read())["data"])
            except OSError:
                return set()

        wait_until(lambda: set(EXPECTED_SERIES) <= series(), 60, "the scraped series",
                   lambda: str(sorted(set(EXPECTED_SERIES) - series())))
        jw_301 = sum(1 for r in jsonl_messages(gold) if r == ("jw", "301"))
        promql = 'sum(ketenlink_messages_total{domain="jw",msg="301"})'
        wait_until(lambda: query(port, promql) == jw_301, 30, promql,
                   lambda: f"{query(port, promql)} != {jw_301}")
        assert query(port, "max(ketenlink_ready)") == 1
        # The deploy/ rules and dashboards, run by the real server over the real series.
        failed = {where: error for where, expr in all_expressions()
                  if (error := query_error(port, as_plain_promql(expr)))}
        assert failed == {}
        panel = 'sum(ketenlink_open_trajectories{domain=~".*"})'  # a dashboard panel's
        still_open = sum(1 for t in jsonl(gold.out / "trajectories.jsonl")
                         if t["status"] in ("requested", "assigned", "in_care"))
        assert 0 < still_open < len(jsonl(gold.out / "trajectories.jsonl"))
        # ended, rejected and deleted ones do not count
        wait_until(lambda: query(port, panel) == still_open, 30, panel,
                   lambda: f"{query(port, panel)} != {still_open}")
    finally:
        prometheus.terminate()
        prometheus.wait(30)


def query_error(port: int, promql: str) -> str:
    url = f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(promql)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return "" if orjson.loads(r.read())["status"] == "success" else "failed"
    except urllib.error.HTTPError as err:
        return str(err.read()[:300])


def test_deploy_rules_and_dashboards_read_only_metrics_the_worker_exports(gold: Gold) -> None:
    status, body = gold.worker.get("/metrics")
    assert status == 200
    exported = {sample.name for family in text_string_to_metric_families(body.decode())
                for sample in family.samples}
    wanted = all_metric_names()
    assert len(wanted) > 15
    assert wanted - PROMETHEUS_OWN - exported == set()


def query(port: int, promql: str) -> float:
    url = f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(promql)}"
    with urllib.request.urlopen(url, timeout=5) as r:
        result = orjson.loads(r.read())["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def jsonl_messages(gold: Gold) -> list[tuple[str, str]]:
    summary = orjson.loads((gold.out / "summary.json").read_bytes())
    return [(key.split()[0], key.split()[1]) for key, n in summary["messages"]["by_type"].items()
            for _ in range(n)]


def test_the_worker_counts_the_parse_failures_of_the_ingest(gold: Gold) -> None:
    """The ingest dead-letters what it cannot parse; /metrics counts it all the same, by
    reason (product.md §5), as rejects.jsonl of the replay lists it."""
    want = Counter(r["reason"] for r in jsonl(gold.out / "rejects.jsonl"))
    assert len(want) >= 3

    def counted() -> Counter[str]:
        _, body = gold.worker.get("/metrics")
        return Counter({sample.labels["reason"]: int(sample.value)
                        for family in text_string_to_metric_families(body.decode())
                        for sample in family.samples
                        if sample.name == "ketenlink_parse_failures_total" and sample.value})

    wait_until(lambda: counted() == want, 30, "the parse failures on /metrics",
               lambda: f"{counted()} != {want}")
    dead = Counter(orjson.loads(v)["reason"] for _, v in read_topic(gold.bootstrap,
                                                                    "gold.dead-letter") if v)
    assert dead == want  # sent once, by the ingest


POISON = {
    "malformed": b"<Bericht><Header>",
    "bomb": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
             b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
             b"<Bericht>&lol2;</Bericht>"),
}


def test_poison_goes_to_the_dead_letter_topic_and_the_worker_goes_on(gold: Gold) -> None:
    bootstrap, topic = gold.bootstrap, "gold.input"
    bad = gold.tmp / "poison"
    bad.mkdir()
    for name, raw in POISON.items():
        (bad / f"{name}.xml").write_bytes(raw)
    ketenlink("ingest", str(bad), "--bootstrap", bootstrap, "--partitions", "3",
              "--topic-prefix", "gold")
    wrong = b'{"record": "message", "domain": "jw"}'
    garbage = b"\x00\xffnot json"
    good = orjson.loads(ketenlink("parse", str(ROOT / "samples" / "sample.zip")).splitlines()[0])
    old_key = good["message_key"]
    good["identificatie"] = "POISON0001"
    good["message_key"] = old_key.replace(old_key.split(":")[3], "POISON0001")
    for line in good["lines"]:
        line["line_key"] = line["line_key"].replace(old_key, good["message_key"])
    key = f"{good['domain']}:{good['gemeente']}:{good['aanbieder']}".encode()
    produce(bootstrap, topic, [(key, wrong), (key, garbage), (key, orjson.dumps(good))])
    dead = {Path(r["source"]).stem: r for r in (
        orjson.loads(v) for _, v in read_topic(bootstrap, "gold.dead-letter") if v)
        if "/poison/" in r["source"]}
    assert dead["malformed"]["reason"] == "malformed_xml"
    assert base64.b64decode(dead["malformed"]["raw"]) == POISON["malformed"]
    assert dead["bomb"]["reason"] == "forbidden_dtd"
    assert base64.b64decode(dead["bomb"]["raw"]) == POISON["bomb"]
    wait_until(lambda: lag(bootstrap, "gold-app", topic) == 0, 60, "the worker",
               gold.worker.log_tail)
    dead_records = [orjson.loads(v) for _, v in read_topic(bootstrap, "gold.dead-letter") if v]
    raws = {base64.b64decode(d["raw"]) for d in dead_records if d["reason"] == "invalid_record"}
    assert {wrong, garbage} <= raws
    links = last_values(read_topic(bootstrap, "gold.links"))
    assert any(unit.startswith(good["message_key"].encode()) for unit in links)
    assert gold.worker.proc is not None and gold.worker.proc.poll() is None


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for key, value in records:
                await producer.send_and_wait(topic, value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())
