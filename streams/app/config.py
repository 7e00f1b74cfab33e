"""The live service's settings: one frozen object, built by the CLI from flags or
KETENLINK_* variables (click names the variable in --help); nothing here reads the
environment."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path

from streams.core.config import Terms
from streams.core.frozen import record
from streams.settings import Settings

MAX_RECORD = 8 << 20  # bytes: an outbox entry holds a whole input's state changes

@record
class Topics:
    """Topic names: one prefix, so that several deployments can share a cluster."""

    prefix: str = "ketenlink"

    def name(self, what: str) -> str:
        return f"{self.prefix}.{what}"

    @property
    def input(self) -> str:
        return self.name("input")

    @property
    def links(self) -> str:
        return self.name("links")

    @property
    def trajectories(self) -> str:
        return self.name("trajectories")

    @property
    def alerts(self) -> str:
        return self.name("alerts")

    @property
    def process_times(self) -> str:
        return self.name("process-times")

    @property
    def dead_letter(self) -> str:
        return self.name("dead-letter")


@record
class LiveSettings:
    base: Settings
    bootstrap: str = "localhost:9092"
    topics: Topics = field(default_factory=Topics)
    partitions: int = 12  # of the input topic (and so of the state changelog)
    replication: int = 1
    app_id: str = "ketenlink"
    data_dir: Path = Path("state")
    web_host: str = "0.0.0.0"  # a container's probes and Prometheus must reach it
    web_port: int = 6066
    tick_seconds: float = 60.0  # wall-clock ticks into every partition; 0: none
    caught_up_lag: int = 100  # a partition at most this far behind is caught up
    confirm_every: int = 500  # outbox entries are dropped after this many inputs
    batch_max: int = 200  # inputs of a partition committed as one outbox entry, at most
    batch_seconds: float = 0.05  # the longest an input waits for others to join its batch
    metrics_gemeente: bool = True  # gemeente label on alert and process-time metrics
    terms: Terms = field(default_factory=Terms)
    log_level: str = "info"
    # input waiting and no committed offset moved this long: the worker exits (EXIT_STALLED)
    # for its supervisor to start it again; 0: never
    stall_seconds: float = 300.0
