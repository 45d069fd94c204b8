"""The Simulator: runs many replicas of a compiled plant with the Warp kernels.

Every launch advances all replicas by a chunk of steps; the host launches one kernel per chunk
(for progress and interruption), never one per step. On CUDA that launch is captured once in a
CUDA graph and the graph replayed for every piece (``Launches``; TWIN_CUDA_GRAPH=0 turns it off).
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import numpy as np
import warp as wp

from . import __version__
from .deadlock import deadlock_message, find_deadlocks
from .errors import DeadlockError, SimulationError, TwinError
from .interrupts import DeferredInterrupt
from .invariants import check_run
from .maintenance import compiled as maintenance
from .maintenance.compiled import SensorLog
from .kernels import engine
from .kernels import record as kernels_record
from .model import Model, compile_plant
from . import progress as progress_bars
from .recording import Recorded, Recording, recorded_kinds
from .results import Results
from .kernels.tables import LAYOUTS
from .state import bytes_per_replica, new_state, state_nbytes, to_numpy
from .stepclock import HORIZON_LIMIT

PROGRESS_CHUNKS = 50
GRAPH_ENV = "TWIN_CUDA_GRAPH"  # "0": launch the kernel per piece on CUDA too, no graph
BLOCK_DIM_ENV = "TWIN_CUDA_BLOCK_DIM"  # threads per block of the engine's CUDA launches (default Warp's 256)
LAUNCH_WALL_S = 0.2  # wall time of one kernel launch: Ctrl-C stops a run within about this

# The study defaults of simulate() and of `twin run` (the CLI reads them here): 100 replicas of an
# 8-hour shift, no warm-up (a start-up transient is the plant's own: set ``warmup``, e.g. a scene's
# [study] warmup = "1 h" as in every bundled scene), seed 0.
DEFAULT_STUDY = {"replicas": 100, "horizon": 8 * 3600.0, "warmup": 0.0, "seed": 0}


class StudyError(TwinError, ValueError):
    """Invalid study parameters (replicas, horizon, warm-up, seed)."""


MAX_SEED = 2 ** 63  # seeds are in [0, 2**63): larger ones would be reduced and collide silently


def _positive_int(value, key: str, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise StudyError(f"{key} must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise StudyError(f"{key} must be an integer from {minimum} to {maximum}, got {value!r}")
    return int(value)


def _number(value):
    """A numpy scalar as the Python number the user wrote: np.float32(0.1) -> 0.1 (its shortest
    repr), not 0.10000000149011612; anything else unchanged."""
    if isinstance(value, np.floating) and not isinstance(value, np.float64):
        return float(str(value))
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        return value.item()
    return value


def _seconds(value, key: str, allow_zero: bool) -> float:
    if isinstance(value, str):  # "8h", "30 min": the units of scene files
        from .units import api_quantity
        try:
            value = api_quantity(value, "time", key=key)
        except TwinError as err:
            raise StudyError(str(err)) from None
    value = _number(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)) or value < 0 or (value == 0 and not allow_zero):
        need = "a non-negative" if allow_zero else "a positive"
        raise StudyError(f"{key} must be {need} number of seconds, got {value!r}")
    return float(value)


class Simulator:
    """Runs ``replicas`` independent replicas of ``model``: on the CPU in blocks, one per thread
    (``threads``, default: every core), on CUDA in one launch.

    ``layout`` (internal): the memory layout of the State tables, "replica_major" or
    "replica_minor" (twin/state.py; None: replica-minor on CUDA, replica-major on CPU). Results
    do not depend on it (tests/test_state.py).

    ``graph`` (internal): replay the chunk's launch from a captured graph (``Launches``); None:
    on CUDA unless the environment sets TWIN_CUDA_GRAPH=0; True on the CPU replays through
    Warp's CPU graph (the tests' way to run that path without a GPU). Results do not depend on
    it (tests/test_cuda_graph.py)."""

    def __init__(self, model: Model, replicas: int, layout: str | None = None, graph: bool | None = None):
        self.model = model
        self.replicas = _positive_int(replicas, "replicas")
        if layout is not None and layout not in LAYOUTS:
            raise StudyError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self.layout = layout
        self.graph = graph
        self.graphs = 0  # blocks of the last run that replayed a captured graph
        self.first_replica = 0  # index in the run of replica 0 (twin.live re-runs one replica of a run)

    def run(self, horizon: float | str, warmup: float | str = DEFAULT_STUDY["warmup"], seed: int = DEFAULT_STUDY["seed"], progress=None,
            chunks: int | None = None, record: Recording | None = None, policy=None,
            sensor_log: SensorLog | None = None, threads: int | None = None,
            start=None, probe=None) -> Results:
        """Simulates [0, horizon] seconds (warm-up included) and returns the statistics of
        [warmup, horizon]; with ``record``, also the frames of one replica (``results.recording``).
        ``policy``: the maintenance policy (a twin.maintenance.Policy, or a dict of them by
        "element.component"); ``sensor_log``: keep sensor readings (``results.sensors``);
        ``threads``: CPU threads (default: every core), see ``simulate``. ``progress``:
        None/True/False (a bar on stderr, twin.progress) or a function of the fraction done, called per chunk.
        ``chunks``: the run's progress updates (default: PROGRESS_CHUNKS where a bar or a function
        watches, else one: every update stops each block's launches, which costs a launch).
        ``start``: a twin.live.Snapshot (or a list, one per replica, cycled) to start every replica
        from (step 0 is its moment; written block by block, keyed by replica: bit-identical
        for any thread count). ``probe``: an object with ``steps`` (int64 steps where the run
        stops, besides its chunk edges) and ``read(first, state, step)``, called by each block
        after each of them (twin.live.forecast reads the sinks' counts for order finish times)."""
        model = self.model
        if start is not None:  # a twin.live.Snapshot, or a list of them (one per replica, cycled)
            for snap in ([start] if hasattr(start, "check") else start):
                snap.check(model.plant)  # before any kernel runs
        horizon = _seconds(horizon, "horizon", allow_zero=False)
        warmup = _seconds(warmup, "warmup", allow_zero=True)
        if warmup >= horizon:
            raise StudyError(f"warmup ({warmup:g} s) must be shorter than the horizon ({horizon:g} s)")
        seed = _positive_int(seed, "seed", minimum=0, maximum=MAX_SEED - 1)
        threads = default_threads() if threads is None else _positive_int(threads, "threads")
        horizon_step, warmup_step = model.steps(horizon), model.steps(warmup)
        if horizon_step >= HORIZON_LIMIT:
            raise StudyError(f"horizon {horizon:g} s is {horizon_step} steps of dt = {model.dt:g} s; "
                             "use a larger dt")
        if warmup_step >= horizon_step:
            raise StudyError(f"warmup and horizon round to the same step at dt = {model.dt:g} s")
        model.integral_bound(horizon_step)

        device = model.device
        threads_per_block = block_dim(device)  # checked before any kernel compiles
        t0 = time.perf_counter()
        kernels = engine.for_kinds(model.kernel_kinds)  # specialised to the plant's kinds
        wp.load_module(kernels.advance.module, device=device, block_dim=threads_per_block)
        if record is not None:
            wp.load_module(kernels_record, device=device)
        compile_s = time.perf_counter() - t0

        blocks = []
        for first, count in split_replicas(self.replicas, threads if wp.get_device(device).is_cpu else 1):
            first += self.first_replica
            # each block its own kernel struct (its first replica keys the random streams: the
            # numbers of a replica do not depend on the split) and its own State; the kinds fill
            # their own parts of the Control from the run's inputs (the crew: policy, sensor log)
            control = model.control(seed=seed, warmup_step=warmup_step, horizon_step=horizon_step,
                                    replica0=first, replicas=count, policy=policy, sensor_log=sensor_log)
            try:
                state = new_state(model, count, control, self.layout)
            except Exception as err:  # out of device memory, typically
                raise SimulationError(f"cannot allocate {state_nbytes(model, self.replicas, control) / 2**20:.0f} MiB "
                                      f"of state ({bytes_per_replica(model, control) / 1024:.1f} KiB per replica) for "
                                      f"{self.replicas} replicas on {device}: {err}") from None
            blocks.append(Block(first, count, model.arrays, state))  # one Model for every block and run
        recorder = Recorder(model, record, horizon, self.replicas) if record is not None else None
        bar = progress_bars.for_run(progress, f"{model.plant.name}: {self.replicas} replicas", horizon_step)
        if chunks is None:
            chunks = PROGRESS_CHUNKS if bar.enabled else 1
        t1 = time.perf_counter()
        edges = np.unique(np.linspace(0, horizon_step, max(int(chunks), 1) + 1).round().astype(np.int64))[1:]
        for b in blocks:
            if recorder is not None and b.first <= record.replica < b.first + b.count:
                recorder.row = record.replica - b.first  # the recorded replica's row in its block
                b.recorder = recorder
                b.edges = np.unique(np.concatenate([edges, recorder.steps]))
            else:
                b.edges = edges
            if probe is not None:
                b.probe = probe
                b.edges = np.unique(np.concatenate([b.edges, np.asarray(probe.steps, np.int64)]))
        inside_at_start = 0
        if start is not None:  # twin.live: the snapshot's state, then the elements pull parts at step 0
            from .kernels import snapshot as kernels_snapshot
            from .live.restart import write_start
            inside_at_start = np.concatenate([write_start(model, b.state, start, seed, b.first) for b in blocks])
            for b in blocks:
                b.resume = kernels_snapshot.resume_replicas
        graph = use_graph(device, self.graph)
        for b in blocks:  # here, one after the other: see Block.prepare
            b.kernels = kernels  # the engine built for the plant's kinds
            b.prepare(device, graph, threads_per_block)
        self.graphs = sum(b.launches.graph is not None for b in blocks)
        run_blocks(blocks, device, bar)
        wall_s = time.perf_counter() - t1
        bar.close()

        arrays = merge_blocks([to_numpy(b.state) for b in blocks], [b.count for b in blocks],
                              sensor_log.replicas if sensor_log is not None else 0)
        self._check_overflow(arrays)
        meta = {
            "device": device,
            "replicas": self.replicas,
            "threads": len(blocks),
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
            meta["policy"] = {f"{h}.{c.name}": p.label for (h, c), p in
                              zip(model.plant.health_components(), maintenance.resolve_policies(model.plant, policy))}
        results = Results.from_arrays(model, arrays, meta)
        if start is None:
            check_run(model, arrays, results.per_replica, warmup_step, horizon_step)
        else:  # parts were inside at step 0
            check_run(model, arrays, results.per_replica, warmup_step, horizon_step, inside_at_start)
        from .live.snapshot import FinalState
        results.final_state = FinalState(model, arrays, horizon_step,  # for results.snapshot (twin.live)
                                         dict(seed=seed, warmup=warmup, policy=policy, start=start,
                                              first_replica=self.first_replica, simulator=type(self)))
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
            i = int(flags[bad[0]]) - 1
            name = self.model.names[i]
            raise SimulationError(
                f"element '{name}': this unbounded {self.model.kinds[i]} outgrew its storage of "
                f"{self.model.plant.unbounded_storage} parts in {bad.size} of {self.replicas} replicas "
                f"(first: replica {bad[0]}); the line is probably unstable (parts arrive faster than "
                "they can be processed). Check the rates, or raise Plant(unbounded_storage=...)")


def use_graph(device, graph: bool | None = None) -> bool:
    """Whether the chunk loop replays a captured graph: ``graph`` if given, else on CUDA unless
    TWIN_CUDA_GRAPH=0 (the CPU launch has no driver overhead for a graph to save)."""
    if graph is not None:
        return bool(graph)
    return wp.get_device(device).is_cuda and os.environ.get(GRAPH_ENV, "1").strip() != "0"


def block_dim(device) -> int:
    """Threads per block of the engine's launches. On the CPU always Warp's default, 256 (a CPU
    launch has no blocks, and Warp compiles a module once per block size). On CUDA, the
    TWIN_CUDA_BLOCK_DIM variable if set: each replica is one thread, so 10,000 replicas in blocks
    of 256 fill only 40 blocks, fewer than an H200 has multiprocessors (132); smaller blocks spread
    them over every one (benchmarks/gpu_bench.py --sweep-block-dims measures which is faster)."""
    text = os.environ.get(BLOCK_DIM_ENV, "").strip()
    if not text or not wp.get_device(device).is_cuda:
        return 256
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 32 or value > 1024 or value % 32:
        raise StudyError(f"{BLOCK_DIM_ENV}={text!r}: threads per block must be a multiple of 32 from 32 to 1024")
    return value


def default_threads() -> int:
    """Every core of the machine (the blocks of replicas run in parallel on the CPU)."""
    return os.cpu_count() or 1


def split_replicas(replicas: int, threads: int) -> list[tuple[int, int]]:
    """(first replica, count) of each block: ``threads`` contiguous blocks, as equal as can be
    (never an empty one), in replica order."""
    n = max(1, min(threads, replicas))
    edges = [replicas * i // n for i in range(n + 1)]
    return [(a, b - a) for a, b in zip(edges[:-1], edges[1:])]


class Block:
    """A contiguous range of replicas: the kernel Model (shared), its State (carrying its
    Control, ``replica0`` = ``first``), the steps where it stops (chunk edges, and the frames if it holds the recorded replica)."""

    def __init__(self, first: int, count: int, kmodel, state):
        self.first, self.count, self.kmodel, self.state = first, count, kmodel, state
        self.edges = np.zeros(0, np.int64)
        self.recorder = None
        self.probe = None  # Simulator.run's probe
        self.step = 0  # simulated up to here (progress)
        self.launches = None  # Launches, from prepare
        self.threads_per_block = 256  # the run's block_dim, from prepare

    def prepare(self, device, graph: bool = False, threads_per_block: int = 256) -> None:
        """Starts the block's replicas and readies its launches (with ``graph``: captures the
        chunk's launch), every launch in blocks of ``threads_per_block`` (the run's block_dim).
        Called for every block in one thread before any runs: a CPU capture records every launch
        on the device, whatever thread makes it."""
        self.threads_per_block = threads_per_block
        first = getattr(self, "resume", None) or self.kernels.start_replicas  # twin.live: from a snapshot
        wp.launch(first, dim=self.count, inputs=[self.kmodel, self.state], device=device,
                  block_dim=threads_per_block)
        self.launches = Launches(self.kernels.advance, self.kmodel, self.state, self.count, device, graph=graph,
                                 threads_per_block=threads_per_block)

    def run(self, device, stop: threading.Event | None = None, on_step=None) -> None:
        """Simulates the block's replicas (started by ``prepare``) to the horizon, chunk by chunk."""
        launches = self.launches
        launches.stop = stop
        for step_end in self.edges:
            launches.advance(int(step_end))
            if self.recorder is not None:
                self.recorder.snapshot(self.kmodel, self.state, int(step_end))
            if self.probe is not None:
                self.probe.read(self.first, self.state, int(step_end))
            self.step = int(step_end)
            if on_step is not None:
                on_step(float(step_end))
        wp.launch(self.kernels.close_statistics, dim=self.count, inputs=[self.kmodel, self.state], device=device,
                  block_dim=self.threads_per_block)
        wp.synchronize_device(device)


class _Stopped(Exception):
    """A block was asked to stop (another block failed, or Ctrl-C in the main thread)."""


def run_blocks(blocks: list[Block], device, bar) -> None:
    """Runs the blocks: one in this thread, several in parallel threads (Warp's CPU launch
    releases the GIL). The main thread only watches: it shows progress, and on Ctrl-C or an
    error in a block it stops the others between two launches and raises."""
    if len(blocks) == 1:
        blocks[0].run(device, on_step=bar.update if bar.enabled else None)
        return
    stop = threading.Event()
    lock = threading.Lock()

    def chunk_done(_step: float) -> None:  # from a block's thread: progress per chunk of the slowest
        with lock:
            bar.update(float(min(b.step for b in blocks)))

    with ThreadPoolExecutor(len(blocks), thread_name_prefix="twin-block") as pool, DeferredInterrupt(stop) as ctrl_c:
        futures = []
        try:  # from the first submit on: a Ctrl-C between two submits must stop the block started
            futures += [pool.submit(b.run, device, stop, chunk_done if bar.enabled else None) for b in blocks]
            pending = set(futures)
            while pending and not ctrl_c.caught:
                done, pending = wait(pending, timeout=0.05, return_when=FIRST_EXCEPTION)
                if any(f.exception() is not None for f in done):
                    break
        finally:
            stop.set()  # no-op for finished blocks; stops the others after their current launch
            wait(futures)
    errors = [f.exception() for f in futures if f.exception() is not None and not isinstance(f.exception(), _Stopped)]
    if errors:
        raise errors[0]


PER_RUN = {"ct_hist"}  # State arrays of the whole block, not one row per replica: summed over blocks
LOGGED = ("health.log_step", "health.log_value", "health.log_n")  # rows of the logged replicas only


def merge_blocks(parts: list[dict], counts: list[int], logged: int) -> dict:
    """The State arrays of the blocks as those of one run: rows concatenated in replica order
    (bit for bit what one block would hold), cycle-time histograms summed (integer counts), the
    sensor logs of the ``logged`` first replicas concatenated."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for name in parts[0]:
        if name in PER_RUN:
            out[name] = np.sum([p[name] for p in parts], axis=0, dtype=parts[0][name].dtype)
        elif name in LOGGED:
            rows = [p[name][:max(0, min(logged - first, n))]
                    for p, first, n in zip(parts, np.cumsum([0] + counts[:-1]), counts)]
            rows = [r for r in rows if r.shape[0]]  # a block with no logged replica may be shaped apart
            out[name] = np.concatenate(rows) if logged else parts[0][name]
        else:
            for p, n in zip(parts, counts):
                if p[name].shape[0] != n:  # a new per-run array must be listed in PER_RUN
                    raise SimulationError(f"internal: state array {name} has {p[name].shape[0]} rows in a block "
                                          f"of {n} replicas; cannot merge the blocks")
            out[name] = np.concatenate([p[name] for p in parts])
    return out


class Launches:
    """Launches the plant's ``advance`` kernel over a block's replicas in pieces of about
    LAUNCH_WALL_S seconds of wall time.

    Ctrl-C (and any Python signal handler) only runs between launches, and the wall time of a
    fixed number of steps is unbounded (an event every step, a long horizon): so the pieces are
    sized by measured wall time, starting at one step and growing at most 2x per launch. Where
    a piece ends never changes a result: ``advance`` handles every event before its end step and
    none after, whatever the split (tests/test_numeric_range.py checks this).

    A piece is "write its end step into the device array ``target`` (engine.end_step), launch
    ``advance``", which reads its end from there, on every device alike. With ``graph`` the
    launch is captured once (``wp.ScopedCapture``: on CUDA a CUDA graph, on the CPU Warp's own)
    and replayed per piece: a graph freezes the values of a launch's arguments, not the contents
    of the arrays they point to. The capture is made with the target at the current step, so
    where the capture also runs the launch (the CPU) it changes nothing."""

    def __init__(self, advance, kmodel, state, replicas: int, device, graph: bool = False,
                 wall_s: float = None, stop: threading.Event | None = None, threads_per_block: int = 256):
        self.kernel = advance  # the plant's engine.advance (engine.for_kinds)
        self.inputs, self.replicas, self.device = [kmodel, state], replicas, device
        self.wall_s = LAUNCH_WALL_S if wall_s is None else wall_s
        self.stop = stop  # set: raise _Stopped before the next launch
        self.span = 1  # steps of the next piece
        self.step = 0  # the replicas are simulated up to here
        self.count = 0
        self.target = engine.end_step(self.step, device)  # the end step of the launch (engine.end_step)
        self.block_dim = threads_per_block  # the run's block_dim, the block size its module was loaded for
        self.graph = self._capture() if graph else None

    def _launch(self) -> None:
        wp.launch(self.kernel, dim=self.replicas, inputs=[*self.inputs, self.target], device=self.device,
                  block_dim=self.block_dim)

    def _capture(self):
        """The graph of one launch (made with the target at the current step: a no-op if run)."""
        try:
            with wp.ScopedCapture(self.device, force_module_load=False) as capture:
                self._launch()
        except Exception as err:
            raise SimulationError(f"cannot capture the simulation's launch in a graph on {self.device}: {err}; "
                                  f"set {GRAPH_ENV}=0 to launch without a graph") from None
        return capture.graph

    def advance(self, step_end: int) -> None:
        """Advances every replica to ``step_end``."""
        while self.step < step_end:
            if self.stop is not None and self.stop.is_set():
                raise _Stopped()
            end = min(step_end, self.step + self.span)
            t = time.perf_counter()
            self.target.fill_(end)
            if self.graph is not None:
                wp.capture_launch(self.graph)
            else:
                self._launch()
            wp.synchronize_device(self.device)
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
        self.row = spec.replica  # the replica's row in the State it is recorded from (its block's)
        dev, n_frames, n = model.device, len(self.steps), model.n_elements
        belt = {i: model.plant[nm].belt_metres_per_step(model.dt) for i, nm in enumerate(model.names)}
        on_belts = [i for i, v in belt.items() if v is not None]  # elements whose items are tracked along a belt
        col = np.full(n, -1, np.int32)
        steps_to_m = np.zeros(n, np.float64)
        width = 0
        for i in on_belts:
            col[i] = width
            width += int(model.capacity[i])
            steps_to_m[i] = belt[i]
        self.on_belts = on_belts
        self.status = wp.zeros((n_frames, n), dtype=wp.int8, device=dev)
        self.held = wp.zeros((n_frames, n), dtype=wp.int32, device=dev)
        self.belt_pos = wp.zeros((n_frames, max(width, 1)), dtype=wp.float32, device=dev)
        self.belt_col = wp.array(col, dtype=wp.int32, device=dev)
        self.steps_to_m = wp.array(steps_to_m, dtype=wp.float64, device=dev)
        # the kinds that record frames of their own (robots, cluster tools), found through the registry
        self.equipment = {kind.RECORDED: kind.Recorder(model, self.steps) for kind in recorded_kinds()}

    def snapshot(self, kmodel, state, step: int) -> None:
        frame = self.index.get(step)
        if frame is None:
            return
        wp.launch(kernels_record.snapshot, dim=self.model.n_elements, device=self.model.device,
                  inputs=[kmodel, state, self.row, frame, wp.int64(step), self.steps_to_m, self.status,
                          self.held, self.belt_pos, self.belt_col])
        for rec in self.equipment.values():
            rec.snapshot(kmodel, state, self.row, frame, step)

    def finish(self) -> Recorded:
        model = self.model
        pos = self.belt_pos.numpy()
        col = self.belt_col.numpy()
        belts = {model.names[i]: pos[:, col[i]: col[i] + int(model.capacity[i])] for i in self.on_belts}
        return Recorded(self.spec.replica, self.steps * model.dt, list(model.names), list(model.kinds),
                        self.status.numpy(), self.held.numpy(), belts,
                        {group: rec.finish() for group, rec in self.equipment.items()})


def simulate(plant, replicas: int = DEFAULT_STUDY["replicas"], horizon: float | str = DEFAULT_STUDY["horizon"],
             warmup: float | str = DEFAULT_STUDY["warmup"], seed: int = DEFAULT_STUDY["seed"],
             device=None, dt: float | str | None = None, progress: bool | None = None,
             record: Recording | None = None, policy=None, sensor_log: SensorLog | None = None,
             threads: int | None = None, start=None) -> Results:
    """Compiles ``plant`` and runs ``replicas`` replicas over ``horizon`` seconds (warm-up included).

    Statistics cover [warmup, horizon]. Durations are seconds or strings with a unit ("8h",
    "30 min"). The defaults are DEFAULT_STUDY's, the same as `twin run`'s. ``device``: "cpu",
    "cuda", "cuda:1", or None for the CPU (model.resolve_device says why). ``dt``: the time step (default:
    ``plant.default_dt()``).
    ``record``: a twin.Recording to keep the frames of one replica (``results.recording``).
    ``policy``: maintenance policy of the health components (default: run to failure);
    ``sensor_log``: a twin.maintenance.SensorLog to keep sensor readings (``results.sensors``).
    ``threads``: on the CPU, blocks of replicas run in parallel threads (default: every core,
    ``os.cpu_count()``); results are bit-identical for any number of threads.
    ``start``: a twin.live.Snapshot: every replica starts from it instead of empty (twin.live).
    """
    from .plant import Plant
    if not isinstance(plant, Plant):
        hint = (f"; to run a scene file, use twin.load_scene({plant!r}).simulate(...)"
                if isinstance(plant, (str, bytes)) or hasattr(plant, "__fspath__") else "")
        raise TwinError(f"simulate() needs a twin.Plant, got {type(plant).__name__} {plant!r:.60}{hint}")
    dt = _number(dt)
    if isinstance(dt, str):
        dt = _seconds(dt, "dt", allow_zero=False)
    return Simulator(compile_plant(plant, device=device, dt=dt), replicas).run(
        horizon, warmup=warmup, seed=seed, progress=progress, record=record, policy=policy,
        sensor_log=sensor_log, threads=threads, start=start)
