"""A one-line progress bar on stderr, for long runs and studies."""

from __future__ import annotations

import sys
import time

_open_lines: set = set()  # streams where a bar was drawn and its line not yet ended


def end_line() -> None:
    """Ends a bar's unfinished line (before a message such as 'interrupted')."""
    for stream in list(_open_lines):
        try:
            stream.write("\n")
            stream.flush()
        except (OSError, ValueError):
            pass
    _open_lines.clear()


class Progress:
    def __init__(self, label: str, total: float, unit: str = "", enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else bool(enabled)
        self.label, self.total, self.unit = label, float(total), unit
        self.start = time.perf_counter()
        self._last = -1.0

    def update(self, done: float) -> None:
        if not self.enabled:
            return
        frac = min(max(done / self.total, 0.0), 1.0) if self.total > 0 else 1.0
        now = time.perf_counter()
        if frac < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        elapsed = now - self.start
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        bar = "#" * int(30 * frac) + "." * (30 - int(30 * frac))
        self.stream.write(f"\r{self.label} [{bar}] {100 * frac:5.1f}%  {elapsed:6.1f}s"
                          f"  eta {eta:5.1f}s ")
        self.stream.flush()
        _open_lines.add(self.stream)

    def close(self) -> None:
        if self.enabled:
            self.update(self.total)
            self.stream.write("\n")
            self.stream.flush()
            _open_lines.discard(self.stream)
