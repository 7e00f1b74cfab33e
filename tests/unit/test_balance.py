"""The share of parsing the engine's process takes over: chosen so that it and its
workers spend the same CPU time per batch, from what each measured."""

from __future__ import annotations

import pytest

from streams.replay.balance import Balance


def _run(balance: Balance, parse_w: float, plan_w: float, work: float, parse_e: float,
         batches: int = 400) -> float:
    """Batches as a worker would send them at the current share; returns the share."""
    owed = 0.0
    for _ in range(batches):
        owed += balance.share.value
        if owed >= 1.0:
            owed -= 1.0
            balance.observe(False, plan_w, work, parse_e)
        else:
            balance.observe(True, parse_w, work, 0.0)
    return float(balance.share.value)


def _cpu_per_batch(x: float, n: int, parse_w: float, plan_w: float, work: float,
                   parse_e: float) -> tuple[float, float]:
    """(a worker's CPU per batch of its own, the engine's per n batches)."""
    return (1 - x) * parse_w + x * plan_w, n * (work + x * parse_e)


@pytest.mark.parametrize(("workers", "parse_w", "plan_w", "work", "parse_e"), [
    (1, 0.080, 0.003, 0.020, 0.070),  # little state: the engine outruns its parser
    (1, 0.080, 0.000, 0.045, 0.080),
    (2, 0.150, 0.006, 0.040, 0.075),  # two workers, each parsing every second batch
])
def test_a_slower_worker_hands_off_until_both_spend_the_same(
        workers: int, parse_w: float, plan_w: float, work: float, parse_e: float) -> None:
    x = _run(Balance(workers), parse_w, plan_w, work, parse_e)
    assert 0 < x < 1
    worker, engine = _cpu_per_batch(x, workers, parse_w, plan_w, work, parse_e)
    assert worker == pytest.approx(engine, rel=0.02)


def test_a_slower_engine_takes_nothing_over() -> None:
    assert _run(Balance(1), parse_w=0.06, plan_w=0.003, work=0.09, parse_e=0.06) == 0.0


def test_the_share_follows_the_run_as_the_engine_slows_down() -> None:
    balance = Balance(1)
    early = _run(balance, parse_w=0.08, plan_w=0.003, work=0.02, parse_e=0.07, batches=3000)
    later = _run(balance, parse_w=0.08, plan_w=0.003, work=0.06, parse_e=0.07, batches=3000)
    assert early > 0.3
    assert later == pytest.approx((0.08 - 0.06) / (0.08 - 0.003 + 0.07), abs=0.01)


def test_the_engine_s_checkpoints_count_in_its_work() -> None:
    """Applying takes 0.05 s a batch, and every 400th batch a checkpoint adds 10 s: 0.075
    a batch on average, more than the worker's 0.07 for parsing one. The engine's
    process has no time for parsing, also between checkpoints (a mean over the last 20
    batches saw 0.05 there, and handed a fifth of the batches to it)."""
    balance = Balance(1)
    owed, handed = 0.0, 0
    for n in range(1, 4001):
        owed += balance.share.value
        work = 0.05 + (10.0 if n % 400 == 0 else 0.0)
        if owed >= 1.0:
            owed -= 1.0
            handed += n > 2000
            balance.observe(False, 0.003, work, 0.07)
        else:
            balance.observe(True, 0.07, work, 0.0)
    assert handed < 20  # of the last 2000 batches


def test_before_the_engine_has_parsed_it_counts_on_the_worker_s_speed() -> None:
    balance = Balance(1)
    balance.observe(True, 0.08, 0.02, 0.0)
    assert balance.share.value == pytest.approx((0.08 - 0.02) / (0.08 + 0.08))


def test_a_fixed_share_does_not_move() -> None:
    balance = Balance(2, fixed=0.5)
    _run(balance, parse_w=0.06, plan_w=0.003, work=0.09, parse_e=0.06)
    assert balance.share.value == 0.5
