"""Recordings: what one replica did over a time window, frame by frame (for animations and
traces). Opt-in and bounded: pass ``record=Recording(...)`` to ``simulate`` or ``Simulator.run``.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TwinError

MAX_FRAMES = 100_000
STATUS_NAMES = ("idle", "busy", "blocked", "down")  # codes of Recorded.status
# The file key of the belt positions in a saved recording ("conveyor:NAME"), and the former name
# of ``Recorded.belts`` (``Recorded.conveyors``): both kept from when only conveyors had a belt, so
# recordings saved before still load and scripts still run. Which elements have a belt their
# element class says (``belt_metres_per_step``), not their kind.
BELT_FILE_KEY = "conveyor"


def recorded_kinds() -> list:
    """The Python modules of the registered kinds that record frames of their own, in registry
    order: each exports ``Recorder`` (``Recorder(model, steps)``, ``.snapshot(kmodel, state,
    replica, frame, step)``, ``.finish()`` -> element name -> field -> [F, ...] array),
    ``RECORDED`` (its key in ``Recorded.equipment``) and ``RECORDED_FILE_KEY`` (the prefix of its
    arrays in a saved recording, ``KEY:NAME:FIELD``). Found through kernels/registry.py, so no
    central module names a kind."""
    from .kernels.registry import KINDS  # plain data, no Warp
    out = []
    for module in dict.fromkeys(e.module for e in KINDS if e.module):
        mod = importlib.import_module(module)
        if hasattr(mod, "RECORDED"):
            out.append(mod)
    return out


@dataclass(frozen=True)
class Recording:
    """Record replica ``replica`` every ``every`` seconds from ``start`` to ``end`` (seconds;
    ``end=None``: the horizon). At most MAX_FRAMES frames."""

    replica: int = 0
    start: float = 0.0
    end: float | None = None
    every: float = 1.0

    def frame_steps(self, model, horizon: float, replicas: int) -> np.ndarray:
        end = horizon if self.end is None else self.end
        if isinstance(self.replica, bool) or not isinstance(self.replica, int) or not 0 <= self.replica < replicas:
            raise TwinError(f"recording: replica must be an integer in [0, {replicas - 1}], got {self.replica!r}")
        if not (math.isfinite(self.every) and self.every > 0):
            raise TwinError(f"recording: every must be a positive number of seconds, got {self.every!r}")
        if not (0 <= self.start < end <= horizon):
            raise TwinError(f"recording: need 0 <= start < end <= horizon ({horizon:g} s), got start {self.start:g}, "
                            f"end {end:g}")
        n = int(math.floor((end - self.start) / self.every + 1e-9)) + 1
        if n > MAX_FRAMES:
            raise TwinError(f"recording: {n} frames is more than {MAX_FRAMES}; record a shorter window or less often")
        steps = np.unique(np.array([model.steps(self.start + i * self.every) for i in range(n)], dtype=np.int64))
        return steps[steps > 0]


@dataclass(init=False)
class Recorded:
    """The frames of one replica.

    ``times`` [F] seconds; ``names``/``kinds`` [E]; ``status`` [F, E] codes (STATUS_NAMES:
    machines idle/busy/blocked/down, other kinds idle = empty, busy = holding parts, belts
    blocked = front item waiting at the end); ``held`` [F, E] parts held; ``belts``: name ->
    [F, capacity] item positions in metres from the belt's start, NaN where no item is, for every
    element whose element class has a belt (``belt_metres_per_step``; ``conveyors``: its former name);
    ``equipment``: the frames the kinds record themselves (:func:`recorded_kinds`), by the kind's
    ``RECORDED`` name -> element name -> field -> array: ``equipment["robots"]`` (``robots``)
    name -> {"joints": [F, J] radians, "links": [F, J + 1, 3] joint origins in plant coordinates
    (metres, base first), "holding": [F] 0/1}; ``equipment["tools"]`` (``tools``) name ->
    {"chambers": [F, C] chamber status codes, ...} (see twin.equipment.cluster_tool).
    ``robots=`` / ``tools=`` still fill those two groups (scripts written before).
    """

    replica: int
    times: np.ndarray
    names: list
    kinds: list
    status: np.ndarray
    held: np.ndarray
    belts: dict
    equipment: dict

    def __init__(self, replica: int, times, names, kinds, status, held, belts: dict | None = None,
                 equipment: dict | None = None, *, robots: dict | None = None, tools: dict | None = None):
        self.replica, self.times, self.names, self.kinds = replica, times, names, kinds
        self.status, self.held = status, held
        self.belts = {} if belts is None else belts
        self.equipment = dict(equipment or {})
        for group, frames in (("robots", robots), ("tools", tools)):
            if frames is not None:
                self.equipment[group] = frames

    @property
    def robots(self) -> dict:
        """``equipment["robots"]`` (kept for scripts and renderers written before ``equipment``)."""
        return self.equipment.get("robots", {})

    @property
    def tools(self) -> dict:
        """``equipment["tools"]`` (kept for scripts and renderers written before ``equipment``)."""
        return self.equipment.get("tools", {})

    def element_frames(self, name: str) -> dict | None:
        """What element ``name``'s kind recorded of it itself (field -> [F, ...] array), or None:
        its entry in whichever ``equipment`` group holds it (element names are unique), so a
        reader needs no kind's group name. The fields are the kind's (its look says what draws
        them: twin/look.py)."""
        for group in self.equipment.values():
            if name in group:
                return group[name]
        return None

    @property
    def frames(self) -> int:
        return len(self.times)

    @property
    def conveyors(self) -> dict:
        """``belts`` under its former name (kept for scripts: BELT_FILE_KEY)."""
        return self.belts

    def save(self, path) -> Path:
        path = Path(path)
        file_keys = {m.RECORDED: m.RECORDED_FILE_KEY for m in recorded_kinds()}
        unknown = sorted(set(self.equipment) - set(file_keys))
        if unknown:
            raise TwinError(f"recording: no registered kind records {unknown} (known: {sorted(file_keys)})")
        nested = {f"{file_keys[g]}:{n}:{k}": v for g, group in self.equipment.items()
                  for n, d in group.items() for k, v in d.items()}
        np.savez_compressed(path, replica=self.replica, times=self.times, names=np.array(self.names),
                            kinds=np.array(self.kinds), status=self.status, held=self.held,
                            **{f"{BELT_FILE_KEY}:{k}": v for k, v in self.belts.items()}, **nested)
        return path

    @classmethod
    def load(cls, path) -> "Recorded":
        d = np.load(path)
        belts = {k.split(":", 1)[1]: d[k] for k in d.files if k.startswith(f"{BELT_FILE_KEY}:")}
        groups = {m.RECORDED_FILE_KEY: m.RECORDED for m in recorded_kinds()}
        equipment: dict = {g: {} for g in groups.values()}
        for key in d.files:
            prefix, _, rest = key.partition(":")
            if prefix in groups:
                name, _, field_name = rest.rpartition(":")
                equipment[groups[prefix]].setdefault(name, {})[field_name] = d[key]
        return cls(int(d["replica"]), d["times"], list(d["names"]), list(d["kinds"]), d["status"], d["held"], belts,
                   equipment)
