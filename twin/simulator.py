"""The Simulator: runs many replicas of a compiled plant with the Warp kernels.

Every launch advances all replicas by a chunk of steps; the host launches one kernel per chunk
(for progress and interruption), never one per step.
"""

from __future__ import annotations

import math
import time

import numpy as np
import warp as wp

from . import __version__
from .equipment import cluster_tool, robot
from .errors import SimulationError, TwinError
from .maintenance import compiled as maintenance
from .maintenance.compiled import SensorLog
from .kernels import engine
from .kernels import record as kernels_record
from .model import Model, compile_plant
from .progress import Progress
from .recording import Recorded, Recording
from .results import Results
from .state import new_state, state_nbytes, to_numpy

PROGRESS_CHUNKS = 50


class StudyError(TwinError, ValueError):
    """Invalid study parameters (replicas, horizon, warm-up, seed)."""


def _positive_int(value, key: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise StudyError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _seconds(value, key: str, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)) or value < 0 or (value == 0 and not allow_zero):
        need = "a non-negative" if allow_zero else "a positive"
        raise StudyError(f"{key} must be {need} number of seconds, got {value!r}")
    return float(value)


class Simulator:
    """Runs ``replicas`` independent replicas of ``model`` in one batch."""

    def __init__(self, model: Model, replicas: int):
        self.model = model
        self.replicas = _positive_int(replicas, "replicas")

    def run(self, horizon: float, warmup: float = 0.0, seed: int = 0, progress: bool | None = None,
            chunks: int = PROGRESS_CHUNKS, record: Recording | None = None, policy=None,
            sensor_log: SensorLog | None = None) -> Results:
        """Simulates [0, horizon] seconds (warm-up included) and returns the statistics of
        [warmup, horizon]; with ``record``, also the frames of one replica (``results.recording``).
        ``policy``: the maintenance policy (a twin.maintenance.Policy, or a dict of them by
        "element.component"); ``sensor_log``: keep sensor readings (``results.sensors``)."""
        model = self.model
        horizon = _seconds(horizon, "horizon", allow_zero=False)
        warmup = _seconds(warmup, "warmup", allow_zero=True)
        if warmup >= horizon:
            raise StudyError(f"warmup ({warmup:g} s) must be shorter than the horizon ({horizon:g} s)")
        seed = _positive_int(seed, "seed", minimum=0)
        horizon_step, warmup_step = model.steps(horizon), model.steps(warmup)
        if horizon_step >= 2 ** 61:
            raise StudyError(f"horizon {horizon:g} s is {horizon_step} steps of dt = {model.dt:g} s; "
                             "use a larger dt")
        if warmup_step >= horizon_step:
            raise StudyError(f"warmup and horizon round to the same step at dt = {model.dt:g} s")

        device = model.device
        t0 = time.perf_counter()
        kernels = engine.for_kinds(model.kernel_kinds)  # specialised to the plant's kinds
        wp.load_module(kernels.advance.module, device=device)
        if record is not None:
            wp.load_module(kernels_record, device=device)
        compile_s = time.perf_counter() - t0

        policies = maintenance.resolve_policies(model.plant, policy)
        kmodel = model.kernel_view(seed=seed, warmup_step=warmup_step, horizon_step=horizon_step,
                                   policies=policies, sensor_log=sensor_log)
        try:
            state = new_state(model, self.replicas, kmodel)
        except Exception as err:  # out of device memory, typically
            raise SimulationError(f"cannot allocate {state_nbytes(model, self.replicas) / 2**20:.0f} MiB of state "
                                  f"for {self.replicas} replicas on {device}: {err}") from None
        recorder = Recorder(model, record, horizon, self.replicas) if record is not None else None
        bar = Progress(f"{model.plant.name}: {self.replicas} replicas", horizon_step, enabled=progress)
        t1 = time.perf_counter()
        wp.launch(kernels.start_replicas, dim=self.replicas, inputs=[kmodel, state], device=device)
        edges = np.linspace(0, horizon_step, max(int(chunks), 1) + 1).round().astype(np.int64)
        if recorder is not None:
            edges = np.concatenate([edges, recorder.steps])
        for step_end in np.unique(edges)[1:]:
            wp.launch(kernels.advance, dim=self.replicas, inputs=[kmodel, state, wp.int64(int(step_end))],
                      device=device)
            if recorder is not None:
                recorder.snapshot(kmodel, state, int(step_end))
            if bar.enabled:
                wp.synchronize_device(device)
                bar.update(float(step_end))
        wp.launch(kernels.close_statistics, dim=self.replicas, inputs=[kmodel, state], device=device)
        wp.synchronize_device(device)
        wall_s = time.perf_counter() - t1
        bar.close()

        arrays = to_numpy(state)
        self._check_overflow(arrays)
        meta = {
            "device": device,
            "replicas": self.replicas,
            "horizon_s": horizon,
            "warmup_s": warmup,
            "dt_s": model.dt,
            "seed": seed,
            "steps": horizon_step,
            "twin_version": __version__,
            "warp_version": wp.config.version,
            "wall_time_s": wall_s,
            "compile_time_s": compile_s,
        }
        if model.n_components:
            meta["policy"] = {f"{h}.{c.name}": p.label
                              for (h, c), p in zip(model.plant.health_components(), policies)}
        results = Results.from_arrays(model, arrays, meta)
        if sensor_log is not None:
            results.sensors = maintenance.SensorRecords.from_arrays(model, arrays, sensor_log.replicas)
        results.recording = recorder.finish() if recorder is not None else None
        return results

    def _check_overflow(self, arrays: dict) -> None:
        from .kernels.layout import R_OVERFLOW
        flags = arrays["rep64"][:, R_OVERFLOW]
        bad = np.flatnonzero(flags)
        if bad.size:
            i = int(flags[bad[0]]) - 1
            name = self.model.names[i]
            raise SimulationError(
                f"element '{name}': this unbounded {self.model.kinds[i]} outgrew its storage of "
                f"{self.model.plant.unbounded_storage} parts in {bad.size} of {self.replicas} replicas "
                f"(first: replica {bad[0]}); the line is probably unstable (parts arrive faster than "
                "they can be processed). Check the rates, or raise Plant(unbounded_storage=...)")


class Recorder:
    """Collects the frames of one replica during a run (see twin.recording)."""

    def __init__(self, model: Model, spec: Recording, horizon: float, replicas: int):
        self.model, self.spec = model, spec
        self.steps = spec.frame_steps(model, horizon, replicas)
        self.index = {int(k): i for i, k in enumerate(self.steps)}
        dev, n_frames, n = model.device, len(self.steps), model.n_elements
        conv = [i for i, k in enumerate(model.kinds) if k == "conveyor"]
        col = np.full(n, -1, np.int32)
        steps_to_m = np.zeros(n, np.float64)
        width = 0
        for i in conv:
            el = model.plant[model.names[i]]
            col[i] = width
            width += int(model.capacity[i])
            steps_to_m[i] = el.length / max(1, round(el.transit_time / model.dt))
        self.conv = conv
        self.status = wp.zeros((n_frames, n), dtype=wp.int8, device=dev)
        self.held = wp.zeros((n_frames, n), dtype=wp.int32, device=dev)
        self.conveyor_pos = wp.zeros((n_frames, max(width, 1)), dtype=wp.float32, device=dev)
        self.conveyor_col = wp.array(col, dtype=wp.int32, device=dev)
        self.steps_to_m = wp.array(steps_to_m, dtype=wp.float64, device=dev)
        self.equipment = {kind.KIND: kind.Recorder(model, self.steps) for kind in (robot, cluster_tool)}

    def snapshot(self, kmodel, state, step: int) -> None:
        frame = self.index.get(step)
        if frame is None:
            return
        wp.launch(kernels_record.snapshot, dim=self.model.n_elements, device=self.model.device,
                  inputs=[kmodel, state, self.spec.replica, frame, wp.int64(step), self.steps_to_m, self.status,
                          self.held, self.conveyor_pos, self.conveyor_col])
        for rec in self.equipment.values():
            rec.snapshot(kmodel, state, self.spec.replica, frame, step)

    def finish(self) -> Recorded:
        model = self.model
        pos = self.conveyor_pos.numpy()
        col = self.conveyor_col.numpy()
        conveyors = {model.names[i]: pos[:, col[i]: col[i] + int(model.capacity[i])] for i in self.conv}
        return Recorded(self.spec.replica, self.steps * model.dt, list(model.names), list(model.kinds),
                        self.status.numpy(), self.held.numpy(), conveyors,
                        robots=self.equipment[robot.KIND].finish(), tools=self.equipment[cluster_tool.KIND].finish())


def simulate(plant, replicas: int = 100, horizon: float = 8 * 3600.0, warmup: float = 0.0, seed: int = 0,
             device=None, dt: float | None = None, progress: bool | None = None,
             record: Recording | None = None, policy=None, sensor_log: SensorLog | None = None) -> Results:
    """Compiles ``plant`` and runs ``replicas`` replicas over ``horizon`` seconds (warm-up included).

    Statistics cover [warmup, horizon]. ``device``: "cpu", "cuda", "cuda:1", or None for cuda if
    present else cpu. ``dt``: the time step in seconds (default: ``plant.default_dt()``).
    ``record``: a twin.Recording to keep the frames of one replica (``results.recording``).
    ``policy``: maintenance policy of the health components (default: run to failure);
    ``sensor_log``: a twin.maintenance.SensorLog to keep sensor readings (``results.sensors``).
    """
    return Simulator(compile_plant(plant, device=device, dt=dt), replicas).run(
        horizon, warmup=warmup, seed=seed, progress=progress, record=record, policy=policy,
        sensor_log=sensor_log)
