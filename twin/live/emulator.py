"""An emulated line: one replica of a plant, advanced event by event, that reports what a real
line would (states, times in state, parts, elapsed process and repair times).

The kernels keep remaining times, not elapsed ones, so the emulator stops at every event step
and lets each kind note what changed (its snapshot hooks' ``track``, which sees the common State
arrays and the kind's own, SnapshotHooks ``arrays``: when a server started its part, a machine
went down, a source's clock restarted, a chamber's recipe began); its ``snapshot()`` then has both, each
kind adding what it noted (``observe``; ``observed()`` drops the remaining times). Any kind whose
kernel module declares live fields (kernels/hooks.py ``SnapshotHooks.wire``) can be emulated;
this module names no kind. ``twin emulate`` serves it over OPC UA and MQTT (twin.live.service).
"""

from __future__ import annotations

import numpy as np
import warp as wp

from ..kernels import engine, layout
from ..kernels.registry import entry
from ..model import compile_plant
from ..state import new_state
from .restart import HEALTH_ARRAYS, kind_arrays, struct_array
from .snapshot import CaptureView, Snapshot, SnapshotError, from_arrays, kind_hooks

NEVER = int(layout.NEVER)
HORIZON_S = 10 * 365 * 24 * 3600.0  # the emulator's clock never reaches this


class Emulator:
    """One replica of ``plant`` (seed ``seed``) on the CPU, from empty at time 0."""

    def __init__(self, plant, seed: int = 0, dt: float | None = None, device: str = "cpu"):
        for name in plant.elements:
            if not kind_hooks(name, plant[name].kind).wire:
                raise SnapshotError(f"element '{name}': kind {plant[name].kind} cannot be emulated yet (its kernel "
                                    "module declares no live fields)")
        self.model = m = compile_plant(plant, device=device, dt=dt)
        horizon_step = m.steps(HORIZON_S)
        wp.load_module(engine, device=m.device)
        self.kmodel = m.arrays
        self.state = new_state(m, 1, m.control(seed=seed, warmup_step=0, horizon_step=horizon_step))
        wp.launch(engine.start_replicas, dim=1, inputs=[self.kmodel, self.state], device=m.device)
        self.step = 0
        self.dt = m.dt
        self.timed = np.flatnonzero([entry(k).timed for k in m.kinds])  # the elements that keep E_NEXT
        if m.n_components:  # the crew: an internal element after the plant's, timed
            self.timed = np.append(self.timed, m.n_elements)
        self.hooks = [kind_hooks(name, m.kinds[i]) for i, name in enumerate(m.names)]
        self.tables = kind_arrays(m)  # the kinds' own State arrays ("robot.i32"), read like el64
        if m.n_components:  # the crew's (its capture reads them: wear, clocks, queue, jobs)
            self.tables += [f"health.{k}" for k in HEALTH_ARRAYS if f"health.{k}" not in self.tables]
        self._notes = [{} for _ in m.names]
        self.target = engine.end_step(0, m.device)  # advance's end step
        self._read()
        self.prev = None  # the start: each kind sets up its notes
        self._track(0)

    # ---- what the kinds' track / observe hooks see (kernels/hooks.py SnapshotHooks) ---------------------
    def notes(self, e: int) -> dict:
        """Element e's notes, kept by its kind."""
        return self._notes[e]

    def slots(self, e: int) -> np.ndarray:
        s = int(self.model.slot_start[e])
        return np.arange(s, s + int(self.model.capacity[e]))

    def spec(self, e: int):
        return self.model.plant[self.model.names[e]]

    param = CaptureView.param  # a Model column by name ("tool.p32")

    def seconds(self, steps) -> float:
        return float(int(steps) * self.dt)

    # ---- stepping ---------------------------------------------------------------------------------
    def _read(self) -> None:
        self.now = {k: getattr(self.state, k).numpy()[0] for k in ("el64", "el32", "s64", "s32", "rep64")}
        self.now.update({k: struct_array(self.state, k).numpy()[0] for k in self.tables})

    @property
    def time_s(self) -> float:
        return self.step * self.model.dt

    @property
    def parts_out(self) -> int:
        """Parts that reached a sink since time 0."""
        return int(self.now["rep64"][layout.R_EXITED])

    def advance_to(self, t_s: float) -> None:
        """Runs the line to time ``t_s`` (seconds since its start), stopping at every event."""
        target = self.model.steps(t_s)
        while True:
            nxt = int(self.now["el64"][self.timed, layout.E_NEXT].min()) if self.timed.size else NEVER
            if nxt >= target:
                break
            self.target.fill_(nxt + 1)
            wp.launch(engine.advance, dim=1, inputs=[self.kmodel, self.state, self.target], device=self.model.device)
            self._read()
            self._track(nxt)
        self.step = max(self.step, target)

    def _track(self, k: int) -> None:
        """Lets every kind note what changed at event step k (``self.prev``: before it)."""
        for e, hooks in enumerate(self.hooks):
            if hooks.track is not None:
                hooks.track(self, e, k)
        self.prev = {key: v.copy() for key, v in self.now.items()}

    # ---- what the line reports -----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The line now, with elapsed times (and the exact remaining ones: ``observed()`` drops them)."""
        m, k = self.model, self.step
        snap = from_arrays(m, {key: v[None] for key, v in self.now.items()}, 0, k)
        for e, name in enumerate(m.names):
            if self.hooks[e].observe is not None:
                self.hooks[e].observe(self, e, snap.elements[name], k)
        return snap
