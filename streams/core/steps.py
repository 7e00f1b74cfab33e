"""Process times (product.md §5): kept in the store under `t/{metric}|{subject}`, so the
final state is one record per measured step; an event goes out when a value is new or
changes (a correction), and a withdrawn measurement is removed. (retour_time is the
exception: the heenbericht's record holds it, streams/core/retours.py.)"""

from __future__ import annotations

from datetime import date
from typing import Literal

from streams.core.chain import Chain
from streams.core.context import Context
from streams.core.events import Event, StepMeasured, StepWithdrawn


def measure(ctx: Context, metric: str, subject: str, value: int,
            unit: Literal["werkdagen", "days"], domain: str, gemeente: str, aanbieder: str,
            msg: str, *, first: bool = False) -> list[Event]:
    """Keep the step; an event when it is new or changed. `first`: the caller knows it was
    never measured before (saves a state read)."""
    step = StepMeasured(metric, subject, value, unit, domain, gemeente, aanbieder, msg)
    key = f"t/{metric}|{subject}"
    if not first and ctx.store.get(key) == step:
        return []
    ctx.store.put(key, step)
    return [step]


def completing(awaited: tuple[date, str], other: tuple[date, str]) -> str:
    """product.md §6 `msg`, "the message that completed the measurement": of the two
    messages a step needs, (received date, message_key) each, the one received last; on
    the same day the awaited one (the start, the stop, the retour, the answer). By receipt,
    not by reading order, so a replay in any order names the same message."""
    return other[1] if other[0] > awaited[0] else awaited[1]


def forget(ctx: Context, chain: Chain, metric: str, subject: str) -> list[Event]:
    """Remove a measurement; an event when there was one (the live topic drops it too)."""
    key = f"t/{metric}|{subject}"
    if ctx.store.get(key) is None:
        return []
    ctx.store.delete(key)
    return [StepWithdrawn(metric, subject, chain.domain, chain.gemeente, chain.aanbieder)]
