"""A one-line progress bar for long imports, drawn only on a terminal."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """Call with (done, total); redraws at most ten times a second, finish() ends the line."""

    def __init__(self, stream: TextIO, *, label: str, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
