"""The engine's terms, grace periods and calendar (product.md §4), with the standard's
defaults; every one is configuration (`--term-*`, `--extra-holiday`, … and KETENLINK_*)."""

from __future__ import annotations

from datetime import date

from streams.core.frozen import record


@record
class Terms:
    retour: int = 3  # OP090: werkdagen after receipt
    answer: int = 5  # OP274/OP346: a 301 or 319 answers a request
    undecided_days: int = 56  # OP274/OP346: final answer within 8 weeks of the Dagtekening
    start: int = 20  # OP271 (control R65186): grace before start_missing
    start_late: int = 5  # OP271
    stop: int = 5  # OP272/OP288
    unlinked: int = 5  # TR019/TR355
    allowed_lateness_days: int = 2  # replay watermark = newest received date − this
    alerts_from_days: int = 30  # after the first received date of the run
    # live: the wall clock drives the engine only while the stream's newest received date
    # is at most this many days old; older input is an archive worked through (§4 Clock)
    wall_clock_days: int = 7
    extra_holidays: tuple[date, ...] = ()  # closing days besides the Termijnenwet's
    not_holidays: tuple[date, ...] = ()  # Termijnenwet days that count as werkdagen after all
