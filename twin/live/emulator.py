"""An emulated line: one replica of a plant, advanced event by event, that reports what a real
line would (states, times in state, parts, elapsed process and repair times).

The kernels keep remaining times, not elapsed ones, so the emulator stops at every event step
and notes when each server started its part, each machine went down or came back, each source's
clock restarted: its ``snapshot()`` then has both (``observed()`` drops the remaining times).
``twin emulate`` serves it over OPC UA and MQTT (twin.live.server).
"""

from __future__ import annotations

import numpy as np
import warp as wp

from ..kernels import engine, layout
from ..model import compile_plant
from ..state import new_state
from .snapshot import Snapshot, SnapshotError, SUPPORTED, from_arrays, machine_state

NEVER = int(layout.NEVER)
HORIZON_S = 10 * 365 * 24 * 3600.0  # the emulator's clock never reaches this


class Emulator:
    """One replica of ``plant`` (seed ``seed``) on the CPU, from empty at time 0."""

    def __init__(self, plant, seed: int = 0, dt: float | None = None, device: str = "cpu"):
        for name in plant.elements:
            if plant[name].kind not in SUPPORTED:
                raise SnapshotError(f"element '{name}': kind {plant[name].kind} cannot be emulated yet "
                                    f"(supported: {', '.join(SUPPORTED)})")
        if plant.health_components():
            raise SnapshotError(f"plant '{plant.name}' has health components: it cannot be emulated yet")
        self.model = m = compile_plant(plant, device=device, dt=dt)
        horizon_step = m.steps(HORIZON_S)
        wp.load_module(engine, device=m.device)
        self.kmodel = m.arrays
        self.state = new_state(m, 1, m.control(seed=seed, warmup_step=0, horizon_step=horizon_step))
        wp.launch(engine.start_replicas, dim=1, inputs=[self.kmodel, self.state], device=m.device)
        self.step = 0
        self.target = wp.zeros(1, dtype=wp.int64, device=m.device)  # advance's end step
        self.timed = np.flatnonzero([k in ("source", "machine") for k in m.kinds])
        n, slots = m.n_elements, max(m.n_slots, 1)
        self.work_start = np.zeros(slots, np.int64)   # step a server's part last (re)started work
        self.worked = np.zeros(slots, np.int64)       # steps worked before its last pause
        self.down_since = np.zeros(n, np.int64)
        self.up_since = np.zeros(n, np.int64)
        self.work_at_up = np.zeros(n, np.int64)       # operating clock at the last repair
        self.clock_since = np.zeros(n, np.int64)      # source: its interarrival clock restarted
        self.state_since = np.zeros(n, np.int64)
        self._read()
        self._prev = self._copy()
        self._states = self._machine_states()

    # ---- stepping ---------------------------------------------------------------------------------
    def _read(self) -> None:
        self.a = {k: getattr(self.state, k).numpy()[0] for k in ("el64", "el32", "s64", "s32", "rep64")}

    def _copy(self) -> dict:
        return {k: v.copy() for k, v in self.a.items()}

    @property
    def time_s(self) -> float:
        return self.step * self.model.dt

    @property
    def parts_out(self) -> int:
        """Parts that reached a sink since time 0."""
        return int(self.a["rep64"][layout.R_EXITED])

    def advance_to(self, t_s: float) -> None:
        """Runs the line to time ``t_s`` (seconds since its start), stopping at every event."""
        target = self.model.steps(t_s)
        while True:
            nxt = int(self.a["el64"][self.timed, layout.E_NEXT].min()) if self.timed.size else NEVER
            if nxt >= target:
                break
            self.target.fill_(nxt + 1)
            wp.launch(engine.advance, dim=1, inputs=[self.kmodel, self.state, self.target], device=self.model.device)
            self._read()
            self._track(nxt)
        self.step = max(self.step, target)

    def _machine_states(self) -> dict:
        out = {}
        for i, kind in enumerate(self.model.kinds):
            if kind == "machine":
                st = self.a["s32"][self._slots(i), layout.S_STATUS]
                down = bool(self.a["el32"][i, layout.E_DOWN])
                out[i] = "down" if down else "processing" if (st == int(layout.BUSY)).any() else \
                    "blocked" if (st == int(layout.DONE)).any() else "starved"
        return out

    def _slots(self, i: int) -> np.ndarray:
        s = int(self.model.slot_start[i])
        return np.arange(s, s + int(self.model.capacity[i]))

    def _track(self, k: int) -> None:
        """Notes what changed at event step k."""
        a, p = self.a, self._prev
        for i, kind in enumerate(self.model.kinds):
            if kind == "source":
                if a["el32"][i, layout.E_COUNT] == 0 and a["el64"][i, layout.E_NEXT] != p["el64"][i, layout.E_NEXT]:
                    self.clock_since[i] = k
            elif kind == "machine":
                for slot in self._slots(i):
                    st, was = a["s32"][slot, layout.S_STATUS], p["s32"][slot, layout.S_STATUS]
                    if st == int(layout.BUSY):
                        if was == int(layout.PAUSED):
                            self.work_start[slot] = k
                        elif was != int(layout.BUSY) or a["s64"][slot, layout.S_STEP] != p["s64"][slot, layout.S_STEP]:
                            self.worked[slot], self.work_start[slot] = 0, k
                    elif st == int(layout.PAUSED) and was == int(layout.BUSY):
                        self.worked[slot] += k - self.work_start[slot]
                down, was_down = a["el32"][i, layout.E_DOWN], p["el32"][i, layout.E_DOWN]
                if down and not was_down:
                    self.down_since[i] = k
                elif was_down and not down:
                    self.up_since[i] = k
                    self.work_at_up[i] = self._work(i, k)
        states = self._machine_states()
        for i, s in states.items():
            if s != self._states[i]:
                self.state_since[i] = k
        self._states = states
        self._prev = self._copy()

    def _work(self, i: int, k: int) -> int:
        """Machine i's operating clock (steps busy since the start) at step k."""
        w = int(self.a["el64"][i, layout.E_WORK])
        if self.a["el32"][i, layout.E_BUSY] > 0:
            w += k - int(self.a["el64"][i, layout.E_STAT])
        return w

    # ---- what the line reports -----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The line now, with elapsed times (and the exact remaining ones: ``observed()`` drops them)."""
        m, k, dt = self.model, self.step, self.model.dt
        arrays = {key: v[None] for key, v in self.a.items()}
        snap = from_arrays(m, arrays, 0, k)
        for i, name in enumerate(m.names):
            st, el = snap.elements[name], m.plant[name]
            if st.kind == "source" and not el.saturated and not st.parts:
                st.arrival_elapsed_s = (k - int(self.clock_since[i])) * dt
            elif st.kind == "machine":
                busy_slots = [s for s in self._slots(i) if self.a["s32"][s, layout.S_STATUS] != int(layout.IDLE)]
                for part, slot in zip(st.parts, busy_slots):
                    if part.status == "processing":
                        part.elapsed_s = (int(self.worked[slot]) + k - int(self.work_start[slot])) * dt
                    elif part.status == "paused":
                        part.elapsed_s = int(self.worked[slot]) * dt
                st.time_in_state_s = (k - int(self.state_since[i])) * dt
                if st.state == "down":
                    st.repair_elapsed_s = (k - int(self.down_since[i])) * dt
                elif el.failures is not None:
                    st.up_elapsed_s = (k - int(self.up_since[i])) * dt if el.failures.mode == "time" else \
                        (self._work(i, k) - int(self.work_at_up[i])) * dt
                assert st.state == machine_state(st.parts, st.state == "down")
        return snap
