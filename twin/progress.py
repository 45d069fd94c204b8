"""Progress bars for long runs and studies, drawn by tqdm.

One small API for every caller (the simulator, maintenance studies, animations): ``Progress(label,
total, unit, enabled)``, ``update(done)`` with the amount done so far, ``close()``; ``end_line()``
ends any unfinished bar line before a message such as "interrupted". By default a bar shows only
where someone watches it: on a terminal (stderr is a tty) or in a Jupyter kernel (a widget via
``tqdm.auto`` when ipywidgets is installed); logs and pipes get nothing unless ``enabled=True``
(the CLI's ``--progress``). ``for_run`` also lets a caller pass a function of the fraction done,
so an outer bar (a study over several runs) can advance with each chunk of each run.
"""

from __future__ import annotations

import sys
import weakref
from typing import Callable

_open_bars: "weakref.WeakSet[Progress]" = weakref.WeakSet()  # bars drawn and not yet closed


def end_line() -> None:
    """Closes every open bar, so its line ends and the next message starts on a clean line."""
    for bar in list(_open_bars):
        bar.close(finish=False)


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where stderr is no tty but a bar is still watched)."""
    shell = sys.modules.get("IPython")
    try:
        ip = shell.get_ipython() if shell is not None else None
        return ip is not None and "IPKernelApp" in ip.config
    except Exception:  # an odd IPython: no bar rather than an error
        return False


class Progress:
    """A bar for ``total`` units of work labelled ``label``; ``unit`` (e.g. "policies", "frames")
    shows the count done, otherwise the percentage. ``enabled``: None = when ``stream`` (default
    stderr) is a terminal or in a notebook; True/False force it. ``stream``: where the bar goes."""

    def __init__(self, label: str, total: float, unit: str = "", enabled: bool | None = None, stream=None):
        self.label, self.total, self.unit = label, float(total), unit
        self.stream = stream
        out = stream if stream is not None else sys.stderr
        notebook = stream is None and _in_notebook()
        if enabled is None:
            enabled = notebook or _isatty(out)
        self.enabled = bool(enabled)
        self.done = 0.0
        self._bar = None
        if not self.enabled:
            return
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        count = "{n:.4g}/{total:.4g} " + unit if unit else "{percentage:5.1f}%"
        self._bar = tqdm(total=self.total, desc=label, file=None if notebook else out, leave=True,
                         dynamic_ncols=True, mininterval=0.1,
                         bar_format="{desc}: " + count + " |{bar}| {elapsed}<{remaining}")
        _open_bars.add(self)

    def update(self, done: float) -> None:
        """Sets the amount done so far (not an increment); going backwards is ignored."""
        if self._bar is None:
            return
        done = min(float(done), self.total)
        if done > self.done:
            self._bar.update(done - self.done)
            self.done = done

    def close(self, finish: bool = True) -> None:
        """Ends the bar (its line stays); ``finish``: first fill it to the total."""
        if self._bar is None:
            return
        if finish:
            self.update(self.total)
        bar, self._bar = self._bar, None
        _open_bars.discard(self)
        try:
            bar.close()
        except (OSError, ValueError):  # a closed stream: nothing more to draw
            pass


class _Callback:
    """Progress-like adapter that reports the fraction done to ``fn`` at each update."""

    enabled = True

    def __init__(self, fn: Callable[[float], object], total: float):
        self.fn, self.total, self.last = fn, float(total), 0.0

    def update(self, done: float) -> None:
        frac = min(max(float(done) / self.total, 0.0), 1.0) if self.total > 0 else 1.0
        if frac > self.last:
            self.last = frac
            self.fn(frac)

    def close(self) -> None:
        self.update(self.total)


def for_run(progress, label: str, total: float, unit: str = ""):
    """The bar of one run or study: ``progress`` is None/True/False (a bar of our own, see
    :class:`Progress`) or a function called with the fraction done (0 to 1, increasing)."""
    if callable(progress):
        return _Callback(progress, total)
    return Progress(label, total, unit=unit, enabled=progress)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False
