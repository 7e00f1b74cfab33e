"""The replay progress bar (tqdm): inputs, inputs/s and the event-time watermark."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from tqdm import tqdm

from streams.core.engine import Clock

_EVERY = 500  # refresh the watermark shown every this many inputs


class Progress:
    def __init__(self, enabled: bool, position: int) -> None:
        self.bar: tqdm[Any] | None = None
        if enabled:
            self.bar = tqdm(initial=position, unit=" msg", unit_scale=True, smoothing=0.1,
                            dynamic_ncols=True, desc="replay")
        self.count = 0

    def advance(self, clock: Clock | None) -> None:
        if self.bar is None:
            return
        self.count += 1
        if self.count % _EVERY == 0:
            self.bar.update(_EVERY)
            if clock is not None:
                self.bar.set_postfix_str(f"watermark {clock.today.isoformat()}", refresh=False)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.update(self.count % _EVERY)
            self.bar.close()
