"""The exception types of twin.

Every message says where the problem is (file, element, key), what is wrong and what is
allowed, so that a user can fix a plant or a scene file without reading a traceback.
"""

from __future__ import annotations

import difflib


class TwinError(Exception):
    """Base class of every error twin raises on purpose."""


class PlantError(TwinError, ValueError):
    """A plant (or a scene file describing one) is invalid.

    Raised before any kernel runs. ``element`` and ``key`` locate the problem; ``file`` is set
    when the plant came from a scene file.
    """

    def __init__(self, message: str, *, element: str | None = None, key: str | None = None,
                 file: str | None = None):
        self.problem = message
        self.element = element
        self.key = key
        self.file = file
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.element is not None:
            where.append(f"element '{self.element}'")
        if self.key is not None:
            where.append(f"key '{self.key}'")
        return (", ".join(where) + ": " if where else "") + self.problem

    def located(self, *, element: str | None = None, key_prefix: str | None = None,
                file: str | None = None) -> "PlantError":
        """The same error with missing location parts filled in (inner parts win)."""
        key = self.key
        if key_prefix:
            key = f"{key_prefix}.{key}" if key else key_prefix
        return type(self)(self.problem, element=self.element if self.element is not None else element,
                          key=key, file=self.file or file)

    def __str__(self) -> str:  # keep str() in sync with located() copies
        return self._compose()


class SceneError(PlantError):
    """A scene file cannot be read: bad TOML, unknown keys, wrong types or units."""


class UnitError(TwinError, ValueError):
    """A quantity or duration cannot be read (``twin.units``): not a number with a unit of the
    right dimension. Callers add the location (scene file, element, key; command-line option)."""


class SimulationError(TwinError, RuntimeError):
    """A run finished in a state whose statistics cannot be trusted (for example an unbounded
    buffer that outgrew its storage, which means the line is unstable)."""


class DeadlockError(SimulationError):
    """Replicas locked for good: a loop of finite capacity filled with parts that each wait for
    the next element (twin/deadlock.py). ``deadlocks``: one ``twin.deadlock.Deadlock`` per locked
    replica; ``results``: the run's Results, for inspection only (their throughput is not valid)."""

    def __init__(self, message: str, deadlocks=(), results=None):
        super().__init__(message)
        self.deadlocks = list(deadlocks)
        self.results = results


class CapacityLoopWarning(UserWarning):
    """The plant has a loop whose elements all have finite capacity: it can deadlock."""


def nearest(word: str, allowed) -> str:
    """' (did you mean 'x'?)' for the closest allowed word, or '' when nothing is close."""
    match = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""
