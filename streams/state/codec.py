"""Pickling of the core's state records, fast.

Slotted dataclasses (state records, and parsed messages on their way from a parser
process) pickle through a generic, Python-level __getstate__ that looks up the
fields on every call; a state store pickles thousands of them per second. Registering a
reducer that reads all fields with one C-level attrgetter and rebuilds with the
constructor keeps the core's dataclasses as they are and makes pickling several times
cheaper. Only for the engine's own state: the state directory is never input.
"""

from __future__ import annotations

import copyreg
import pickle
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any

from streams.core import chain, events, model, retours
from streams.core.alerts import Party
from streams.core.engine import Clock

_STATE_MODULES = (chain, events, model, retours)  # model: records between processes


def _reducer(cls: type) -> Callable[[Any], tuple[type, tuple[Any, ...]]]:
    names = [f.name for f in fields(cls)]
    get = attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))


def register() -> None:
    """Register every dataclass of the state modules (idempotent)."""
    classes = {Party, Clock}
    for module in _STATE_MODULES:
        classes |= {c for c in vars(module).values()
                    if isinstance(c, type) and is_dataclass(c) and c.__module__ == module.__name__}
    fast_pickling(*classes)


def fast_pickling(*classes: type) -> None:
    """Pickle these dataclasses the fast way (records that travel between processes)."""
    for cls in classes:
        copyreg.pickle(cls, _reducer(cls))


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def loads(raw: bytes) -> Any:
    return pickle.loads(raw)  # our own state (module docstring)


register()
