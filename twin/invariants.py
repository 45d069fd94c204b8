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


def _server_time_failure(elements, kinds, acc, capacity, window):
    """The first element (in element order) whose server time does not add up (see check_run), as
    (index, wrong replicas, totals), or None: one numpy pass per kind and its server-time columns."""
    groups: dict = {}
    for i, el in enumerate(elements):
        if el.server_time:
            groups.setdefault((kinds[i], tuple(el.server_time)), []).append(i)
    first = None
    for (kind, parts), rows in groups.items():
        cols = [layout.ACC_TABLE.index(col, kind=kind) for col in parts]
        total = acc[:, rows][:, :, cols].sum(axis=2)  # [R, elements of the group]
        wrong = total != capacity[rows] * window
        bad = np.flatnonzero(wrong.any(axis=0))
        if bad.size and (first is None or rows[bad[0]] < first[0]):
            first = (rows[bad[0]], wrong[:, bad[0]], total[:, bad[0]])
    return first


def _kpi_rule_broken(key: str, v: np.ndarray, capacity, defined) -> tuple[str, np.ndarray] | None:
    """The first rule an element KPI ``key`` breaks, as (rule, where), else None. ``v``: its values
    (one element's, or every element's stacked, elements first); ``capacity`` and ``defined``
    (its kind defines every KPI: NaN is wrong) broadcast against ``v``. Rules, in order:
    "infinite", "nan", "fraction" (outside [0, 1]), "queue" (outside [0, capacity]), "negative"."""
    inf = np.isinf(v)
    if inf.any():
        return "infinite", inf
    if key not in MAYBE_NAN:
        nan = np.isnan(v) & defined
        if nan.any():
            return "nan", nan
    with np.errstate(invalid="ignore"):
        if is_fraction(key):
            rule, wrong = "fraction", (v < -TOLERANCE) | (v > 1 + TOLERANCE)
        elif key == "queue":
            rule, wrong = "queue", (v < -TOLERANCE) | (v > capacity * (1 + TOLERANCE))
        elif key.endswith("per_hour"):
            rule, wrong = "negative", v < 0
        else:
            return None
    return (rule, wrong) if wrong.any() else None


def _kpis_clean(names, elements, per_replica, capacity) -> bool:
    """Whether no element KPI breaks a rule (``_kpi_rule_broken``), one numpy pass per KPI name
    over every element that has it."""
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
        column = (-1,) + (1,) * (v.ndim - 1)  # one value per element, against its row of v
        defined = np.array([elements[i].kpis_defined for i in idx], dtype=bool).reshape(column)
        if _kpi_rule_broken(key, v, capacity[idx].reshape(column), defined) is not None:
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

    # server time adds up exactly (integers), for kinds that say which columns share it (a machine's)
    failure = _server_time_failure(elements, kinds, acc, capacity, window)
    if failure is not None:
        i, wrong, total = failure
        _fail(f"element '{names[i]}': {' + '.join(elements[i].server_time)} is not 100% of its server time "
              f"({capacity[i]} x {window} steps)", wrong, total)

    # element KPIs: one pass per KPI name, then the element loop only to name the first wrong one
    broken = {"infinite": "is infinite", "nan": "is not a number", "fraction": "is outside [0, 1]",
              "negative": "is negative"}
    for i, name in enumerate([] if _kpis_clean(names, elements, per_replica, capacity) else names):
        for key, values in per_replica["elements"][name].items():
            v = np.asarray(values, dtype=np.float64)
            found = _kpi_rule_broken(key, v, capacity[i], elements[i].kpis_defined)
            if found is not None:
                rule, wrong = found
                what = f"is outside [0, {capacity[i]}]" if rule == "queue" else broken[rule]
                _fail(f"element '{name}': {key} {what}", wrong, v)

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
