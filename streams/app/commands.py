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
        click.option("--wall-clock-days", default=_TERMS.wall_clock_days,
                     show_default=True, envvar=_env("WALL_CLOCK_DAYS"), show_envvar=True,
                     help="Wall-clock ticks drive the engine only while the newest received "
                          "date is at most this many days old (else: an archive, the "
                          "watermark)."),
        click.option("--log-level", default="info", show_default=True,
                     envvar=_env("LOG_LEVEL"), show_envvar=True),
        click.option("--stall-seconds", default=_LIVE.stall_seconds, show_default=True,
                     type=click.FloatRange(min=0), envvar=_env("STALL_SECONDS"),
                     show_envvar=True,
                     help="Input waits and no committed offset moved this long: the worker "
                          "exits with code 75, for its supervisor to start it again (0: "
                          "never)."),
    ]
    for option in reversed(options):
        f = option(f)
    return with_kafka(term_options(f))


_TERM_FLAGS = {  # option → (Terms field, what it is)
    "term_retour": ("retour", "Werkdagen for a retour after receipt (OP090)."),
    "term_answer": ("answer", "Werkdagen for an answer to a request (OP274, OP346)."),
    "term_start": ("start", "Werkdagen of grace before start_missing (OP271)."),
    "term_start_late": ("start_late", "Werkdagen to report a start (OP271)."),
    "term_stop": ("stop", "Werkdagen to report a stop (OP272)."),
    "term_unlinked": ("unlinked", "Werkdagen before a unit that links to nothing is unlinked."),
    "undecided_days": ("undecided_days", "Days for a final answer after 'in onderzoek'."),
    "allowed_lateness": ("allowed_lateness_days",
                         "Days the watermark trails the newest received date."),
    "alerts_from_days": ("alerts_from_days",
                         "No alerts due earlier than this many days after the first message."),
}


def term_options(f: Any) -> Any:
    """The terms and the werkdagen calendar (product.md §4: configuration with the
    standard's defaults), for the replay and the worker alike."""
    dates = click.DateTime(formats=["%Y-%m-%d"])
    options = [click.option(f"--{name.replace('_', '-')}", default=getattr(_TERMS, field),
                            type=click.IntRange(min=0), show_default=True,
                            envvar=_env(name.upper()), show_envvar=True, help=text)
               for name, (field, text) in _TERM_FLAGS.items()]
    options += [
        click.option("--extra-holiday", "extra_holidays", multiple=True, type=dates,
                     envvar=_env("EXTRA_HOLIDAYS"), show_envvar=True,
                     help="A closing day besides the Algemene termijnenwet's (repeatable; "
                          "the variable takes dates separated by spaces)."),
        click.option("--not-holiday", "not_holidays", multiple=True, type=dates,
                     envvar=_env("NOT_HOLIDAYS"), show_envvar=True,
                     help="A Termijnenwet holiday that counts as a werkdag after all."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def terms_from(flags: dict[str, Any]) -> Terms:
    """The Terms of `term_options`' flags, which it takes out of `flags`."""
    values = {field: flags.pop(name) for name, (field, _) in _TERM_FLAGS.items()}
    return Terms(**values, wall_clock_days=flags.pop("wall_clock_days", _TERMS.wall_clock_days),
                 extra_holidays=tuple(sorted(d.date() for d in flags.pop("extra_holidays"))),
                 not_holidays=tuple(sorted(d.date() for d in flags.pop("not_holidays"))))


def run_worker(base: Settings, **flags: Any) -> None:
    from streams.app.service import run_worker as run  # noqa: PLC0415 - Faust is heavy

    terms = terms_from(flags)
    gemeente = flags.pop("metrics_gemeente")
    run(live(base, terms=terms, metrics_gemeente=gemeente, **flags))
