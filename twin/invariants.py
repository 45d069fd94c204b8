"""Checks every run's statistics before anyone sees them: a number that cannot be right is a
SimulationError naming the element and the KPI, never an output.

Cheap (a few numpy passes over arrays of replicas x elements) and always on: ``check_run`` is
called by the Simulator after every run. What is checked, per replica:

* no time integral, count or cycle-time sum is negative (int64 accumulators never wrapped);
* every fraction of time (utilization, blocked, starved, down, service, full, empty, running, and
  the equipment kinds' ``*_utilization``, ``*_blocked``, ``*_stopped``) lies in [0, 1], and a
  machine's server-time adds up exactly: busy + blocked + idle + down + service = servers x window;
* parts held at the end lie in [0, capacity]; time-average queues in [0, capacity];
* no KPI is infinite; plant throughput and WIP are finite and >= 0, the mean cycle time too
  (NaN only when no part left);
* conservation: parts that entered = parts that left + parts inside at the end, exactly when the
  statistics start at step 0; with a warm-up, the difference is the parts inside at the warm-up,
  so it must lie in [0, the plant's capacity].
"""

from __future__ import annotations

import numpy as np

from .errors import SimulationError
from .kernels import layout

FRACTIONS = ("utilization", "blocked", "starved", "down", "service", "full", "empty", "running")
FRACTION_SUFFIXES = ("_utilization", "_blocked", "_stopped")
MAYBE_NAN = ("energy_per_item_j",)
TOLERANCE = 1e-9  # ratios of int64 integrals: exact to rounding


def is_fraction(key: str) -> bool:
    return key in FRACTIONS or key.endswith(FRACTION_SUFFIXES)


def _fail(what: str, replicas: np.ndarray, value) -> None:
    bad = np.flatnonzero(replicas)
    r = int(bad[0])
    v = value[r] if np.ndim(value) else value
    raise SimulationError(f"{what} (replica {r}, {bad.size} of {len(replicas)} replicas: value {v!r}); "
                          "the statistics of this run cannot be trusted. This is a bug in twin or a plant "
                          "beyond the step clock's range: please report it with the scene file")


def _server_time_clean(elements, kinds, acc, capacity, window) -> bool:
    """Whether every element's server time adds up (see check_run), one numpy pass per kind."""
    groups: dict = {}
    for i, el in enumerate(elements):
        if el.server_time:
            groups.setdefault((kinds[i], tuple(el.server_time)), []).append(i)
    for (kind, parts), rows in groups.items():
        cols = [layout.ACC_TABLE.index(col, kind=kind) for col in parts]
        total = acc[:, rows][:, :, cols].sum(axis=2)
        if (total != capacity[rows] * window).any():
            return False
    return True


def _kpis_clean(names, elements, per_replica, capacity) -> bool:
    """Whether no element KPI is impossible (the rules of check_run's element loop), one numpy
    pass per KPI name over every element that has it."""
    by_key: dict = {}
    for i, name in enumerate(names):
        for key, values in per_replica["elements"][name].items():
            by_key.setdefault(key, []).append((i, values))
    for key, rows in by_key.items():
        idx = np.array([i for i, _ in rows])
        try:
            v = np.stack([np.asarray(values, dtype=np.float64) for _, values in rows])
        except ValueError:  # values of different shapes: let the element loop judge them
            return False
        if np.isinf(v).any():
            return False
        if key not in MAYBE_NAN:
            defined = np.array([elements[i].kpis_defined for i in idx], dtype=bool)
            if np.isnan(v[defined]).any():
                return False
        with np.errstate(invalid="ignore"):
            if is_fraction(key):
                wrong = (v < -TOLERANCE) | (v > 1 + TOLERANCE)
            elif key == "queue":
                wrong = (v < -TOLERANCE) | (v > capacity[idx].reshape((-1,) + (1,) * (v.ndim - 1)) * (1 + TOLERANCE))
            elif key.endswith("per_hour"):
                wrong = v < 0
            else:
                continue
        if wrong.any():
            return False
    return True


def check_run(model, arrays: dict, per_replica: dict, warmup_step: int, horizon_step: int,
              inside_at_start: int = 0) -> None:
    """Raises SimulationError for the first impossible number of a run (see the module doc).
    ``arrays``: the State as numpy arrays (twin.state.to_numpy); ``per_replica``: the Results'.
    ``inside_at_start``: parts inside at step 0 (a run started from a twin.live snapshot)."""
    n = model.n_elements
    names, kinds = model.names, model.kinds
    elements = [model.plant[nm] for nm in names]
    window = horizon_step - warmup_step
    if window <= 0:
        raise SimulationError(f"plant: the statistics window has {window} steps")
    acc, el64, el32, rep = arrays["acc"], arrays["el64"], arrays["el32"], arrays["rep64"]
    capacity = model.capacity.astype(np.int64)

    # raw integrals and counts: never negative (a wrapped int64 is); one pass over the whole
    # tables, then the element loop only to name the first wrong one
    counts = el32[:, :n, layout.E_COUNT]
    clean = not ((acc[:, :n, :] < 0).any() or (el64[:, :n, layout.E_OUT] < 0).any()
                 or (counts < 0).any() or (counts > capacity[:n]).any())
    for i in range(0 if clean else n):
        low = (acc[:, i, :] < 0).any(axis=1)
        if low.any():
            col = int(np.argmax((acc[:, i, :] < 0).any(axis=0)))
            _fail(f"element '{names[i]}': time integral {col} is negative", low, acc[:, i, col])
        if (el64[:, i, layout.E_OUT] < 0).any():
            _fail(f"element '{names[i]}': parts out is negative", el64[:, i, layout.E_OUT] < 0,
                  el64[:, i, layout.E_OUT])
        held = el32[:, i, layout.E_COUNT]
        wrong = (held < 0) | (held > capacity[i])
        if wrong.any():
            _fail(f"element '{names[i]}': holds parts outside [0, {capacity[i]}] at the end", wrong, held)
    for col, what in ((layout.R_ENTERED, "parts in"), (layout.R_EXITED, "parts out"),
                      (layout.R_CT_SUM, "the sum of cycle times")):
        if (rep[:, col] < 0).any():
            _fail(f"plant: {what} is negative", rep[:, col] < 0, rep[:, col])

    # server time adds up exactly (integers), for kinds that say which columns share it (a machine's):
    # one pass per kind, then the element loop only to name the first wrong one
    for i in range(0 if _server_time_clean(elements, kinds, acc, capacity, window) else n):
        parts = elements[i].server_time
        if not parts:
            continue
        total = sum(layout.ACC_TABLE.column(acc[:, i, :], col, kind=kinds[i]) for col in parts)
        wrong = total != capacity[i] * window
        if wrong.any():
            _fail(f"element '{names[i]}': {' + '.join(parts)} is not 100% of its server time "
                  f"({capacity[i]} x {window} steps)", wrong, total)

    # element KPIs: one pass per KPI name, then the element loop only to name the first wrong one
    for i, name in enumerate([] if _kpis_clean(names, elements, per_replica, capacity) else names):
        for key, values in per_replica["elements"][name].items():
            v = np.asarray(values, dtype=np.float64)
            if np.isinf(v).any():
                _fail(f"element '{name}': {key} is infinite", np.isinf(v), v)
            if elements[i].kpis_defined and key not in MAYBE_NAN and np.isnan(v).any():
                _fail(f"element '{name}': {key} is not a number", np.isnan(v), v)
            with np.errstate(invalid="ignore"):
                if is_fraction(key):
                    wrong = (v < -TOLERANCE) | (v > 1 + TOLERANCE)
                    if wrong.any():
                        _fail(f"element '{name}': {key} is outside [0, 1]", wrong, v)
                elif key == "queue":
                    wrong = (v < -TOLERANCE) | (v > capacity[i] * (1 + TOLERANCE))
                    if wrong.any():
                        _fail(f"element '{name}': queue is outside [0, {capacity[i]}]", wrong, v)
                elif key.endswith("per_hour"):
                    wrong = v < 0
                    if wrong.any():
                        _fail(f"element '{name}': {key} is negative", wrong, v)

    # plant KPIs
    for key in ("throughput_per_hour", "wip", "parts_in", "parts_out"):
        v = np.asarray(per_replica[key], dtype=np.float64)
        wrong = ~np.isfinite(v) | (v < 0)
        if wrong.any():
            _fail(f"plant: {key} is negative or not finite", wrong, v)
    ct = np.asarray(per_replica["cycle_time_s"], dtype=np.float64)
    wrong = np.isinf(ct) | (ct < 0) | (np.isnan(ct) & (np.asarray(per_replica["parts_out"]) > 0))
    if wrong.any():
        _fail("plant: the mean cycle time is negative or not finite", wrong, ct)

    # conservation of parts
    inside = np.zeros(len(rep), np.int64)
    room = 0
    for i in range(n):
        if elements[i].has_inputs and elements[i].has_outputs:  # not the plant's ends
            inside += el32[:, i, layout.E_COUNT]
            room += int(capacity[i])
    gap = rep[:, layout.R_EXITED] + inside - rep[:, layout.R_ENTERED] - inside_at_start  # at the warm-up
    wrong = gap != 0 if warmup_step == 0 else (gap < 0) | (gap > room)
    if wrong.any():
        allowed = "0" if warmup_step == 0 else f"[0, {room}] (parts inside at the warm-up)"
        _fail(f"plant: parts out + parts inside at the end - parts in is not {allowed}: parts were lost or "
              "created", wrong, gap)
