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
from .deadlock import deadlock_message, find_deadlocks
from .errors import DeadlockError, SimulationError, TwinError
from .invariants import check_run
from .maintenance import compiled as maintenance
from .maintenance.compiled import SensorLog
from .kernels import engine
from .kernels import record as kernels_record
from .model import Model, compile_plant
from .progress import Progress
from .recording import Recorded, Recording
from .results import Results
from .state import new_state, state_nbytes, to_numpy
from .stepclock import HORIZON_LIMIT, whole_steps

PROGRESS_CHUNKS = 50
LAUNCH_WALL_S = 0.2  # wall time of one kernel launch: Ctrl-C stops a run within about this

# The study defaults of simulate() and of `twin run` (the CLI reads them here): 100 replicas of an
# 8-hour shift, no warm-up (a start-up transient is the plant's own: set ``warmup``, e.g. a scene's
# [study] warmup = "1 h" as in every bundled scene), seed 0.
DEFAULT_STUDY = {"replicas": 100, "horizon": 8 * 3600.0, "warmup": 0.0, "seed": 0}


class StudyError(TwinError, ValueError):
    """Invalid study parameters (replicas, horizon, warm-up, seed)."""


def _positive_int(value, key: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise StudyError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _seconds(value, key: str, allow_zero: bool) -> float:
    if isinstance(value, str):  # "8h", "30 min": the units of scene files
        from .scene import quantity
        try:
            value = quantity(value, "time", key=key)
        except TwinError as err:
            raise StudyError(str(err)) from None
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

    def run(self, horizon: float | str, warmup: float | str = DEFAULT_STUDY["warmup"], seed: int = DEFAULT_STUDY["seed"], progress: bool | None = None,
            chunks: int = PROGRESS_CHUNKS, record: Recording | None = None, policy=None,
            sensor_log: SensorLog | None = None, start=None) -> Results:
        """Simulates [0, horizon] seconds (warm-up included) and returns the statistics of
        [warmup, horizon]; with ``record``, also the frames of one replica (``results.recording``).
        ``policy``: the maintenance policy (a twin.maintenance.Policy, or a dict of them by
        "element.component"); ``sensor_log``: keep sensor readings (``results.sensors``).
        ``start``: a twin.live.Snapshot to start every replica from (step 0 is its moment)."""
        model = self.model
        if start is not None:  # a twin.live.Snapshot, or a list of them (one per replica, cycled)
            for snap in ([start] if hasattr(start, "check") else start):
                snap.check(model.plant)  # before any kernel runs
        horizon = _seconds(horizon, "horizon", allow_zero=False)
        warmup = _seconds(warmup, "warmup", allow_zero=True)
        if warmup >= horizon:
            raise StudyError(f"warmup ({warmup:g} s) must be shorter than the horizon ({horizon:g} s)")
        seed = _positive_int(seed, "seed", minimum=0)
        horizon_step, warmup_step = model.steps(horizon), model.steps(warmup)
        if horizon_step >= HORIZON_LIMIT:
            raise StudyError(f"horizon {horizon:g} s is {horizon_step} steps of dt = {model.dt:g} s; "
                             "use a larger dt")
        if warmup_step >= horizon_step:
            raise StudyError(f"warmup and horizon round to the same step at dt = {model.dt:g} s")
        model.integral_bound(horizon_step)

        device = model.device
        t0 = time.perf_counter()
        wp.load_module(engine, device=device)
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
        inside_at_start = 0
        if start is None:
            wp.launch(engine.start_replicas, dim=self.replicas, inputs=[kmodel, state], device=device)
        else:  # twin.live: the snapshot's state, then the elements pull parts at step 0
            from .kernels import snapshot as kernels_snapshot
            from .live.restart import write_start
            inside_at_start = write_start(model, state, start, self.replicas, seed)
            wp.launch(kernels_snapshot.resume_replicas, dim=self.replicas, inputs=[kmodel, state], device=device)
        edges = np.linspace(0, horizon_step, max(int(chunks), 1) + 1).round().astype(np.int64)
        if recorder is not None:
            edges = np.concatenate([edges, recorder.steps])
        launches = Launches()
        for step_end in np.unique(edges)[1:]:
            launches.advance(kmodel, state, self.replicas, device, int(step_end))
            if recorder is not None:
                recorder.snapshot(kmodel, state, int(step_end))
            if bar.enabled:
                bar.update(float(step_end))
        wp.launch(engine.close_statistics, dim=self.replicas, inputs=[kmodel, state], device=device)
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
        if start is None:
            check_run(model, arrays, results.per_replica, warmup_step, horizon_step)
        else:  # parts were inside at step 0
            check_run(model, arrays, results.per_replica, warmup_step, horizon_step, inside_at_start)
        from .live.snapshot import FinalState
        results.final_state = FinalState(model, arrays, horizon_step)  # for results.snapshot (twin.live)
        if sensor_log is not None:
            results.sensors = maintenance.SensorRecords.from_arrays(model, arrays, sensor_log.replicas)
        results.recording = recorder.finish() if recorder is not None else None
        _check_deadlocks(model, arrays, results)  # the error keeps the results (and a recording of the lock)
        return results

    def _check_overflow(self, arrays: dict) -> None:
        from .kernels.layout import R_OVERFLOW
        flags = arrays["rep64"][:, R_OVERFLOW]
        bad = np.flatnonzero(flags)
        if bad.size:
            name = self.model.names[int(flags[bad[0]]) - 1]
            raise SimulationError(
                f"element '{name}': this unbounded buffer outgrew its storage of "
                f"{self.model.plant.unbounded_storage} parts in {bad.size} of {self.replicas} replicas "
                f"(first: replica {bad[0]}); the line is probably unstable (parts arrive faster than "
                "they can be processed). Check the rates, or raise Plant(unbounded_storage=...)")


class Launches:
    """Launches ``engine.advance`` in pieces of about LAUNCH_WALL_S seconds of wall time.

    Ctrl-C (and any Python signal handler) only runs between launches, and the wall time of a
    fixed number of steps is unbounded (an event every step, a long horizon): so the pieces are
    sized by measured wall time, starting at one step and growing at most 2x per launch. Where
    a piece ends never changes a result: ``advance`` handles every event before its end step and
    none after, whatever the split (tests/test_numeric_range.py checks this)."""

    def __init__(self, wall_s: float = None):
        self.wall_s = LAUNCH_WALL_S if wall_s is None else wall_s
        self.span = 1  # steps of the next piece
        self.step = 0  # the replicas are simulated up to here
        self.count = 0

    def advance(self, kmodel, state, replicas: int, device, step_end: int) -> None:
        """Advances every replica to ``step_end``."""
        while self.step < step_end:
            end = min(step_end, self.step + self.span)
            t = time.perf_counter()
            wp.launch(engine.advance, dim=replicas, inputs=[kmodel, state, wp.int64(end)], device=device)
            wp.synchronize_device(device)
            wall = time.perf_counter() - t
            self.count += 1
            if end - self.step == self.span:  # a full piece: resize from its wall time
                factor = min(2.0, max(0.25, self.wall_s / max(wall, 1e-6)))
                self.span = max(1, int(self.span * factor))
            self.step = end


def _check_deadlocks(model: Model, arrays: dict, results: Results) -> None:
    """Raises DeadlockError when a replica ended locked (a loop full of parts waiting on each other)."""
    locks = find_deadlocks(model, arrays)
    if locks:
        raise DeadlockError(deadlock_message(model.plant.name, locks, len(arrays["rep64"])), locks, results)


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
            steps_to_m[i] = el.length / whole_steps(el.transit_time / model.dt)
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


def simulate(plant, replicas: int = DEFAULT_STUDY["replicas"], horizon: float | str = DEFAULT_STUDY["horizon"],
             warmup: float | str = DEFAULT_STUDY["warmup"], seed: int = DEFAULT_STUDY["seed"],
             device=None, dt: float | str | None = None, progress: bool | None = None,
             record: Recording | None = None, policy=None, sensor_log: SensorLog | None = None,
             start=None) -> Results:
    """Compiles ``plant`` and runs ``replicas`` replicas over ``horizon`` seconds (warm-up included).

    Statistics cover [warmup, horizon]. Durations are seconds or strings with a unit ("8h",
    "30 min"). The defaults are DEFAULT_STUDY's, the same as `twin run`'s. ``device``: "cpu",
    "cuda", "cuda:1", or None for cuda if present else cpu. ``dt``: the time step (default:
    ``plant.default_dt()``).
    ``record``: a twin.Recording to keep the frames of one replica (``results.recording``).
    ``policy``: maintenance policy of the health components (default: run to failure);
    ``sensor_log``: a twin.maintenance.SensorLog to keep sensor readings (``results.sensors``).
    ``start``: a twin.live.Snapshot: every replica starts from it instead of empty (twin.live).
    """
    if isinstance(dt, str):
        dt = _seconds(dt, "dt", allow_zero=False)
    return Simulator(compile_plant(plant, device=device, dt=dt), replicas).run(
        horizon, warmup=warmup, seed=seed, progress=progress, record=record, policy=policy,
        sensor_log=sensor_log, start=start)
