"""`ketenlink worker` and `ketenlink ingest` (and the Kafka options of `replay --to-kafka`).
Every flag can also be set as a KETENLINK_* variable; --help names it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from streams.app.config import LiveSettings, Topics
from streams.core.config import Terms
from streams.settings import Settings

_TERMS = Terms()
_LIVE = LiveSettings(Settings(hmac_key=b""))


def _env(name: str) -> str:
    return f"KETENLINK_{name}"


kafka_options: list[Callable[[Any], Any]] = [
    click.option("--bootstrap", default=_LIVE.bootstrap, show_default=True,
                 envvar=[_env("KAFKA_BOOTSTRAP"), "KAFKA_BOOTSTRAP"], show_envvar=True,
                 help="Kafka bootstrap servers (host:port,...)."),
    click.option("--topic-prefix", default=Topics().prefix, show_default=True,
                 envvar=_env("TOPIC_PREFIX"), show_envvar=True,
                 help="Topics are PREFIX.input, PREFIX.links, PREFIX.alerts, …"),
    click.option("--partitions", default=_LIVE.partitions, show_default=True,
                 envvar=_env("PARTITIONS"), show_envvar=True,
                 help="Partitions of the input topic (and of the state changelog)."),
    click.option("--replication", default=_LIVE.replication, show_default=True,
                 envvar=_env("REPLICATION"), show_envvar=True,
                 help="Replication factor of the topics the service creates."),
]


def with_kafka(f: Any) -> Any:
    for option in reversed(kafka_options):
        f = option(f)
    return f


def live(base: Settings, bootstrap: str, topic_prefix: str, partitions: int,
         replication: int, **more: Any) -> LiveSettings:
    return LiveSettings(base, bootstrap=bootstrap, topics=Topics(topic_prefix),
                        partitions=partitions, replication=replication, **more)


def run_ingest(s: LiveSettings, paths: tuple[Path, ...], manifest: Path | None,
               finish: bool, workers: int) -> None:
    from streams.app.ingest import ingest  # noqa: PLC0415 - keeps the other commands light

    report = asyncio.run(ingest(s, paths, manifest, finish=finish, workers=workers))
    rejected = sum(report.dead_letters.values())
    click.echo(f"{report.records:,} records to {s.topics.input}; {rejected:,} inputs to "
               f"{s.topics.dead_letter}"
               + (f" ({', '.join(f'{r}: {n}' for r, n in sorted(report.dead_letters.items()))})"
                  if rejected else "")
               + f"; {report.ticks:,} clock ticks")


def worker_options(f: Any) -> Any:
    options = [
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                     default=_LIVE.data_dir, show_default=True, envvar=_env("DATA_DIR"),
                     show_envvar=True, help="RocksDB state (a persistent volume)."),
        click.option("--app-id", default=_LIVE.app_id, show_default=True,
                     envvar=_env("APP_ID"), show_envvar=True,
                     help="Consumer group and changelog names."),
        click.option("--web-host", default=_LIVE.web_host, show_default=True,
                     envvar=_env("WEB_HOST"), show_envvar=True),
        click.option("--web-port", default=_LIVE.web_port, show_default=True,
                     envvar=_env("WEB_PORT"), show_envvar=True,
                     help="Port of /metrics and /ready."),
        click.option("--tick-seconds", default=_LIVE.tick_seconds, show_default=True,
                     envvar=_env("TICK_SECONDS"), show_envvar=True,
                     help="Wall-clock ticks into the partitions held (0: none)."),
        click.option("--caught-up-lag", default=_LIVE.caught_up_lag, show_default=True,
                     envvar=_env("CAUGHT_UP_LAG"), show_envvar=True,
                     help="A partition at most this many records behind is caught up: "
                          "wall-clock ticks count."),
        click.option("--batch-max", default=_LIVE.batch_max, show_default=True,
                     envvar=_env("BATCH_MAX"), show_envvar=True,
                     help="Inputs of a partition committed together, at most."),
        click.option("--batch-seconds", default=_LIVE.batch_seconds, show_default=True,
                     envvar=_env("BATCH_SECONDS"), show_envvar=True,
                     help="The longest an input waits for others to join its batch."),
        click.option("--metrics-gemeente/--no-metrics-gemeente", default=True,
                     envvar=_env("METRICS_GEMEENTE"), show_envvar=True,
                     help="A gemeente label on alert and process-time metrics."),
        click.option("--allowed-lateness", default=_TERMS.allowed_lateness_days,
                     show_default=True, envvar=_env("ALLOWED_LATENESS"), show_envvar=True),
        click.option("--alerts-from-days", default=_TERMS.alerts_from_days,
                     show_default=True, envvar=_env("ALERTS_FROM_DAYS"), show_envvar=True),
        click.option("--log-level", default="info", show_default=True,
                     envvar=_env("LOG_LEVEL"), show_envvar=True),
    ]
    for option in reversed(options):
        f = option(f)
    return with_kafka(f)


def run_worker(base: Settings, **flags: Any) -> None:
    from streams.app.service import run_worker as run  # noqa: PLC0415 - Faust is heavy

    terms = Terms(allowed_lateness_days=flags.pop("allowed_lateness"),
                  alerts_from_days=flags.pop("alerts_from_days"))
    gemeente = flags.pop("metrics_gemeente")
    run(live(base, terms=terms, metrics_gemeente=gemeente, **flags))
