"""Property-based fuzzing of whole runs (issue 11): random plants, built in Python or written as
scene files, with random kinds, sizes, routings, loops and distributions whose means span from
1e-6 s to 1e300 s.

Every example must end in one of two ways:
* a TwinError before any kernel runs (bad parameters, a loop with no time on it, a horizon or
  integrals beyond the step clock), or
* a run that finishes within a bounded wall time with every KPI finite where it must be and in
  range: fractions in [0, 1] (a machine's adding up to 1), WIP, queues and cycle times >= 0,
  queues <= capacity, and parts conserved exactly (without a warm-up; with one, up to the parts
  inside at its start). Two errors are allowed after a run: an unbounded buffer outgrowing its
  storage (the line was unstable), and a DeadlockError in a plant with a loop of finite capacity
  (the generator draws such loops on purpose, and one that fills with parts that each wait for the
  next element is locked for good: e.g. a saturated source into e1 (one server) -> e2 (a buffer of
  1) -> back to e1 locks at once). The deadlock itself is checked: the cycle is a loop of the
  plant of elements of finite capacity, its machines and buffers end full, and the run's KPIs
  still pass the range and conservation checks.

The horizon is a random multiple (5 to 500) of the shortest mean duration, so a run has a bounded
number of events whatever the scales. CI runs TWIN_FUZZ_EXAMPLES (default 100) derandomized
examples; set TWIN_FUZZ_EXAMPLES=10000 for a long random campaign.

Which 100 examples are drawn depends on the modules imported before the test: Hypothesis mixes
the literals of every local (non-test, non-site-packages) module in sys.modules into its draws,
so `pytest tests/test_fuzz.py` alone, the full suite and e.g. `pytest tests/study tests/test_fuzz.py`
each run a different fixed set. Each set is reproducible with the same command; a failing example
is printed, and is pinned below with @example so that every order runs it.
"""

from __future__ import annotations

import faulthandler
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import warp as wp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from twin import (Buffer, Conveyor, DeadlockError, Failures, Machine, Plant, SimulationError, Sink, Source, TwinError,
                  load_scene)
from twin.deadlock import element_capacity, finite_cycles
from twin.invariants import is_fraction
from twin.model import compile_plant
from twin.simulator import Simulator

EXAMPLES = int(os.environ.get("TWIN_FUZZ_EXAMPLES", "100"))
LONG_CAMPAIGN = "TWIN_FUZZ_EXAMPLES" in os.environ
WALL_LIMIT_S = 60.0     # one example's run; a hang is killed by the watchdog below
WATCHDOG_S = 300.0      # faulthandler exits the process (with tracebacks) if one example takes this long
REPLICAS = 3

# ---- strategies --------------------------------------------------------------------------------
EXTREMES = [1e-6, 1e10, 1e15, 1e18, 1e100, 1e300]
scales = st.one_of(st.floats(-6.0, 9.0).map(lambda e: 10.0 ** e), st.sampled_from(EXTREMES))


@st.composite
def distributions(draw):
    """A distribution table (scene-file form, seconds)."""
    mean = draw(scales)
    kind = draw(st.sampled_from(["deterministic", "exponential", "uniform", "triangular", "lognormal", "gamma",
                                 "erlang", "weibull", "truncated_normal", "empirical"]))
    if kind == "deterministic":
        return {"dist": kind, "value": mean}
    if kind == "exponential":
        return {"dist": kind, "mean": mean}
    if kind == "uniform":
        return {"dist": kind, "low": mean * draw(st.floats(0.0, 0.99)), "high": mean * draw(st.floats(1.01, 2.0))}
    if kind == "triangular":
        return {"dist": kind, "low": mean * 0.5, "mode": mean * draw(st.floats(0.5, 1.5)), "high": mean * 1.5}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean": mean, "cv": draw(st.floats(0.05, 3.0))}
    if kind == "erlang":
        return {"dist": kind, "k": draw(st.integers(1, 8)), "mean": mean}
    if kind == "truncated_normal":
        return {"dist": kind, "mu": mean, "sigma": mean * draw(st.floats(0.05, 2.0)), "low": 0.0}
    if kind == "empirical":
        return {"dist": kind, "samples": [mean * draw(st.floats(0.1, 10.0)) for _ in range(draw(st.integers(1, 5)))]}
    return {"dist": kind, "shape": draw(st.floats(0.3, 5.0)), "scale": mean}


@st.composite
def elements(draw, name: str):
    kind = draw(st.sampled_from(["machine", "machine", "buffer", "buffer", "conveyor"]))
    spec = {"kind": kind}
    if kind == "machine":
        spec["process"] = draw(distributions())
        spec["servers"] = draw(st.integers(1, 3))
        if draw(st.booleans()):
            spec["failures"] = {"tbf": draw(distributions()), "ttr": draw(distributions()),
                                "mode": draw(st.sampled_from(["time", "operation"]))}
    elif kind == "buffer":
        cap = draw(st.one_of(st.none(), st.integers(1, 20)))
        if cap is not None:
            spec["capacity"] = cap
    else:
        pitch = draw(st.floats(0.1, 2.0))
        spec["pitch"] = pitch
        spec["length"] = pitch * draw(st.integers(1, 6))
        spec["speed"] = pitch / draw(scales)  # pitch time spans the same scales as the durations
        spec["accumulating"] = draw(st.booleans())
    return spec


@st.composite
def plants(draw):
    """(elements by name, edges, routing by name, study): a connected plant with random loops."""
    n_src, n_mid, n_sink = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 2))
    els = {}
    for i in range(n_src):
        els[f"src{i}"] = {"kind": "source"}
        if draw(st.booleans()):
            els[f"src{i}"]["interarrival"] = draw(distributions())
    mids = [f"e{i}" for i in range(n_mid)]
    for m in mids:
        els[m] = draw(elements(m))
    sinks = [f"out{i}" for i in range(n_sink)]
    for k in sinks:
        els[k] = {"kind": "sink", "scrap": draw(st.booleans())}
    edges = [("src0", "e0")] + [(f"src{i}", draw(st.sampled_from(mids))) for i in range(1, n_src)]
    edges += list(zip(mids, mids[1:])) + [(mids[-1], sinks[0])]
    edges += [(draw(st.sampled_from(mids)), k) for k in sinks[1:] if (mids[-1], k) not in edges]
    for _ in range(draw(st.integers(0, 4))):  # forward, backward (loops) or to a sink
        a = draw(st.sampled_from(mids))
        b = draw(st.sampled_from(mids + sinks))
        if a != b and (a, b) not in edges:
            edges.append((a, b))
    routing, probs = {}, {}
    for name in els:
        succ = [b for a, b in edges if a == name]
        if len(succ) > 1:
            routing[name] = draw(st.sampled_from(["probability", "first_available"]))
            if routing[name] == "probability":
                w = [draw(st.floats(0.05, 1.0)) for _ in succ]
                p = [x / sum(w) for x in w]
                p[-1] = 1.0 - sum(p[:-1])
                probs.update({(name, b): q for b, q in zip(succ, p)})
    for name, r in routing.items():
        els[name]["routing"] = r
    study = {"horizon_factor": draw(st.floats(5.0, 500.0)), "warmup_share": draw(st.sampled_from([0.0, 0.0, 0.3])),
             "dt_divisor": draw(st.sampled_from([None, 10.0, 1e4])), "seed": draw(st.integers(0, 2 ** 32)),
             "storage": draw(st.integers(20, 200)), "as_scene": draw(st.booleans())}
    return els, edges, probs, study


# ---- building: in Python, or through a scene file --------------------------------------------
def build(els, edges, probs, storage) -> Plant:
    from twin.elements import KINDS
    p = Plant("fuzz", unbounded_storage=storage)
    for name, spec in els.items():
        kw = {k: v for k, v in spec.items() if k != "kind"}
        if "failures" in kw:
            kw["failures"] = Failures(**kw["failures"])
        p.add(KINDS[spec["kind"]](name, **kw))
    for a, b in edges:
        p.connect(a, b, probability=probs.get((a, b)))
    return p


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, int) else repr(float(v))
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def scene_text(els, edges, probs, storage) -> str:
    lines = [f"[plant]", 'name = "fuzz"', 'time_unit = "s"', 'length_unit = "m"', f"unbounded_storage = {storage}"]
    for name, spec in els.items():
        lines.append(f"[elements.{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in spec.items()]
    for a, b in edges:
        lines += ["[[connect]]", f'from = "{a}"', f'to = "{b}"']
        if (a, b) in probs:
            lines.append(f"probability = {toml_value(probs[(a, b)])}")
    return "\n".join(lines) + "\n"


class LaunchCounter:
    """Counts kernel launches (to check that an error came before any kernel ran)."""

    def __enter__(self):
        self.count, self.original = 0, wp.launch

        def counting(*args, **kwargs):
            self.count += 1
            return self.original(*args, **kwargs)

        wp.launch = counting
        return self

    def __exit__(self, *exc):
        wp.launch = self.original


def check_deadlock(err: DeadlockError, plant: Plant, model, horizon: float, warmup: float) -> None:
    """A DeadlockError is a correct end only for a plant with a loop of finite capacity, naming
    locked replicas whose cycle is such a loop, full where the kind can be full."""
    assert "\n" not in str(err)
    assert finite_cycles(plant), f"a deadlock in a plant without a loop of finite capacity: {err}"
    replicas = [d.replica for d in err.deadlocks]
    assert replicas and len(set(replicas)) == len(replicas) and all(0 <= r < REPLICAS for r in replicas), replicas
    held = err.results.per_replica["held_at_end"]
    for d in err.deadlocks:
        assert d.cycle and set(d.cycle) <= set(d.elements), d
        for a, b in zip(d.cycle, d.cycle[1:] + d.cycle[:1]):
            assert plant.graph.has_edge(a, b), (d, a, b)  # each waits for the next: a part of a goes to b
        for name in d.cycle:
            cap = element_capacity(plant, name)
            assert math.isfinite(cap), (d, name)
            h = int(held[name][d.replica])
            if plant[name].kind in ("machine", "buffer"):
                assert h == cap, (d, name, h, cap)   # every server busy, the buffer full
            else:
                assert h >= 1, (d, name, h)          # a belt that cannot take a part holds one
        assert 0.0 <= d.since_s <= horizon * (1 + 1e-9), (d, horizon)
    check_results(err.results, model, horizon, warmup)


# A plant the generator drew (when tests/study was collected first, see the module docstring) and
# its shrunk form: e1 (1 server, fed by a saturated source) <-> e2 (a buffer of 1) locks at once.
DEADLOCKING_PLANT = (
    {"src0": {"kind": "source", "interarrival": {"dist": "deterministic", "value": 1.0}}, "src1": {"kind": "source"},
     "e0": {"kind": "buffer"}, "e1": {"kind": "machine", "process": {"dist": "deterministic", "value": 1.0}, "servers": 1},
     "e2": {"kind": "buffer", "capacity": 1, "routing": "probability"},
     "e3": {"kind": "machine", "process": {"dist": "deterministic", "value": 1.0}, "servers": 1},
     "e4": {"kind": "buffer"}, "out0": {"kind": "sink", "scrap": False}},
    [("src0", "e0"), ("src1", "e1"), ("e0", "e1"), ("e1", "e2"), ("e2", "e3"), ("e3", "e4"), ("e4", "out0"),
     ("e2", "e1")],
    {("e2", "e3"): 0.5, ("e2", "e1"): 0.5},
    {"horizon_factor": 5.0, "warmup_share": 0.0, "dt_divisor": None, "seed": 0, "storage": 20, "as_scene": False})
DEADLOCKING_BELT = (
    {"src0": {"kind": "source", "interarrival": {"dist": "exponential", "mean": 406.3967763342673}},
     "src1": {"kind": "source"}, "e0": {"kind": "buffer", "capacity": 14},
     "e1": {"kind": "conveyor", "pitch": 1.4376642310277523, "length": 1.4376642310277523,
            "speed": 83.34233856062839, "accumulating": False},
     "e2": {"kind": "buffer", "capacity": 1, "routing": "probability"},
     "e3": {"kind": "machine", "process": {"dist": "deterministic", "value": 1.0}, "servers": 2,
            "routing": "first_available"},
     "e4": {"kind": "buffer", "capacity": 7}, "out0": {"kind": "sink", "scrap": False}},
    [("src0", "e0"), ("src1", "e1"), ("e0", "e1"), ("e1", "e2"), ("e2", "e3"), ("e3", "e4"), ("e4", "out0"),
     ("e3", "e1"), ("e2", "e1")],
    {("e2", "e3"): 0.6, ("e2", "e1"): 0.4},
    {"horizon_factor": 262.186981617411, "warmup_share": 0.0, "dt_divisor": None, "seed": 592270, "storage": 92,
     "as_scene": False})


# ---- the property --------------------------------------------------------------------------------
def check_results(res, model, horizon: float, warmup: float) -> None:
    pr = res.per_replica
    for name, kpis in pr["elements"].items():
        kind = res.element_kinds[name]
        cap = float(model.capacity[model.index(name)])
        for key, v in kpis.items():
            v = np.asarray(v, dtype=np.float64)
            assert not np.isinf(v).any(), (name, key, v)
            if kind in ("machine", "buffer", "sink") or (kind == "conveyor" and key != "energy_per_item_j"):
                assert not np.isnan(v).any(), (name, key, v)
            if is_fraction(key):
                assert np.all((v[~np.isnan(v)] >= 0) & (v[~np.isnan(v)] <= 1 + 1e-9)), (name, key, v)
            if key == "queue":
                assert np.all((v >= 0) & (v <= cap * (1 + 1e-9))), (name, key, v)
            if key == "throughput_per_hour":
                assert np.all(v >= 0), (name, key, v)
        if kind == "machine":
            total = kpis["utilization"] + kpis["blocked"] + kpis["starved"] + kpis["down"] + kpis["service"]
            np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-9)
    wip, ct = pr["wip"], pr["cycle_time_s"]
    assert np.all(np.isfinite(wip) & (wip >= 0)), wip
    assert np.all(np.isfinite(pr["throughput_per_hour"]) & (pr["throughput_per_hour"] >= 0))
    assert np.all(np.isnan(ct) == (pr["parts_out"] == 0)), (ct, pr["parts_out"])
    done = ~np.isnan(ct)
    assert np.all((ct[done] >= 0) & (ct[done] <= horizon * (1 + 1e-9))), ct
    inside = sum(v for name, v in pr["held_at_end"].items() if res.element_kinds[name] not in ("source", "sink"))
    gap = pr["parts_out"] + inside - pr["parts_in"]
    if warmup == 0:
        assert np.all(gap == 0), gap  # every part that entered left or is still inside
    else:
        room = sum(float(model.capacity[i]) for i, k in enumerate(model.kinds) if k not in ("source", "sink"))
        assert np.all((gap >= 0) & (gap <= room)), gap


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_CAMPAIGN, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(plants())
@example(DEADLOCKING_PLANT)
@example(DEADLOCKING_BELT)
def test_random_plants_fail_clearly_or_run_within_range(spec):
    els, edges, probs, study = spec
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)  # a hang kills the run loudly
    try:
        with LaunchCounter() as launches:
            try:
                if study["as_scene"]:
                    with tempfile.TemporaryDirectory() as d:
                        path = Path(d) / "fuzz.toml"
                        path.write_text(scene_text(els, edges, probs, study["storage"]))
                        plant = load_scene(path).plant
                else:
                    plant = build(els, edges, probs, study["storage"])
                plant.validate()
                shortest = plant.shortest_mean_duration()
                dt = None if study["dt_divisor"] is None else shortest / study["dt_divisor"]
                horizon = shortest * study["horizon_factor"]
                warmup = horizon * study["warmup_share"]
                model = compile_plant(plant, device="cpu", dt=dt)
                before = launches.count
                t = time.perf_counter()
                res = Simulator(model, REPLICAS).run(horizon, warmup=warmup, seed=study["seed"], progress=False)
                wall = time.perf_counter() - t
            except DeadlockError as err:
                check_deadlock(err, plant, model, horizon, warmup)  # a loop of finite capacity that filled
                return
            except SimulationError as err:
                assert "outgrew its storage" in str(err), str(err)  # the other error a run may end with
                return
            except TwinError as err:
                assert launches.count == 0 or "before" in locals() and launches.count == before, \
                    f"a TwinError after a kernel ran: {err}"
                assert "\n" not in str(err)
                return
        assert wall < WALL_LIMIT_S, f"one run took {wall:.1f} s"
        check_results(res, model, horizon, warmup)
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_fuzz_strategies_reach_the_interesting_cases():
    """The generator does produce loops of buffers, extreme means and scene files (a fuzz test
    whose generator never reaches them would pass vacuously)."""
    seen = {"buffer_loop": False, "extreme": False, "scene": False, "first_available": False}

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(plants())
    def look(spec):
        els, edges, probs, study = spec
        p = build(els, edges, probs, study["storage"])
        seen["buffer_loop"] |= p.zero_time_loop() is not None
        seen["extreme"] |= any(d.mean >= 1e18 for el in p for d in el.durations().values())
        seen["scene"] |= study["as_scene"]
        seen["first_available"] |= any(getattr(el, "routing", "") == "first_available" for el in p)

    try:
        look()
    except TwinError:
        pass
    assert all(seen.values()), seen
