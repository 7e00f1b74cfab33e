"""The engine's terms and grace periods (product.md §4), with the standard's defaults."""

from __future__ import annotations

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
