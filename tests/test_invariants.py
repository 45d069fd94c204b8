"""The invariant check after every run (twin/invariants.py): a corrupted accumulator, count or KPI
is a SimulationError naming the element and the KPI, never a silent number.

Each test runs a small plant once, keeps the State arrays the simulator passed to the check, then
corrupts one number the way an overflow or a kernel bug would and checks the error.
"""

import numpy as np
import pytest

from twin import (Buffer, Deterministic, Exponential, Failures, Machine, Plant, SimulationError, Sink, Source,
                  simulate)
from twin import simulator as simulator_module
from twin.invariants import check_run, is_fraction
from twin.kernels import layout
from twin.kernels.buffer import BF_FULL
from twin.results import Results


def plant() -> Plant:
    p = Plant("cell")
    p.add(Source("s", interarrival=Exponential(60.0)), Buffer("b", capacity=4),
          Machine("m", process=Exponential(50.0), failures=Failures(Exponential(2000.0), Exponential(100.0))),
          Sink("o"))
    p.line("s", "b", "m", "o")
    return p


def capture(warmup: float = 0.0, **kw):
    """Runs the plant; returns (model, arrays, warmup_step, horizon_step, results) as checked."""
    seen = {}
    original = simulator_module.check_run

    def keep(model, arrays, per_replica, warmup_step, horizon_step):
        seen.update(model=model, arrays={k: v.copy() for k, v in arrays.items()}, w=warmup_step, h=horizon_step)
        original(model, arrays, per_replica, warmup_step, horizon_step)

    simulator_module.check_run = keep
    try:
        res = simulate(plant(), replicas=6, horizon=4 * 3600.0, warmup=warmup, device="cpu", dt=0.1, seed=2, **kw)
    finally:
        simulator_module.check_run = original
    return seen["model"], seen["arrays"], seen["w"], seen["h"], res


@pytest.fixture(scope="module")
def run():
    return capture()


def recheck(run, corrupt):
    """Applies ``corrupt(arrays)`` to a copy of the run's arrays and checks them again."""
    model, arrays, w, h, res = run
    a = {k: v.copy() for k, v in arrays.items()}
    corrupt(a)
    meta = dict(res.meta)
    per_replica = Results.from_arrays(model, a, meta).per_replica
    check_run(model, a, per_replica, w, h)


def fails(run, corrupt, *fragments):
    with pytest.raises(SimulationError) as info:
        recheck(run, corrupt)
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def test_a_clean_run_passes_and_the_check_is_always_called(run):
    model, arrays, w, h, res = run
    recheck(run, lambda a: None)  # the uncorrupted arrays pass
    assert w == 0 and h == 4 * 36000
    assert res.per_replica["parts_out"].sum() > 0


def test_negative_integral_is_refused(run):
    m = run[0].index("m")

    def corrupt(a):
        a["acc"][3, m, layout.A_HELD] = -5

    fails(run, corrupt, "element 'm'", "negative", "replica 3")


def test_fraction_above_one_is_refused(run):
    b = run[0].index("b")
    window = run[3] - run[2]

    def corrupt(a):
        a["acc"][1, b, BF_FULL] = 2 * window  # full 200% of the time

    fails(run, corrupt, "element 'b'", "full is outside [0, 1]", "replica 1")


def test_machine_server_time_must_add_up(run):
    """The issue's 'utilisation 2750%' had busy + starved + down far from 100%."""
    m = run[0].index("m")

    def corrupt(a):
        a["acc"][0, m, layout.A_DOWN] += 7

    fails(run, corrupt, "element 'm'", "not 100% of its server time", "replica 0")


def test_lost_part_breaks_conservation(run):
    """The issue's 'process = 1e300 makes parts vanish'."""
    b = run[0].index("b")

    def corrupt(a):
        a["el32"][2, b, layout.E_COUNT] = max(0, a["el32"][2, b, layout.E_COUNT] - 1)
        if a["el32"][2, b, layout.E_COUNT] == 0:
            a["rep64"][2, layout.R_ENTERED] += 1  # a part entered and is nowhere

    fails(run, corrupt, "plant", "parts were lost or created", "replica 2")


def test_negative_cycle_time_sum_is_refused(run):
    """The issue's 'cycle time -21694 s' came from a wrapped int64 sum."""
    def corrupt(a):
        a["rep64"][4, layout.R_CT_SUM] = -(2 ** 62)

    fails(run, corrupt, "plant", "cycle times is negative", "replica 4")


def test_held_beyond_capacity_is_refused(run):
    b = run[0].index("b")

    def corrupt(a):
        a["el32"][5, b, layout.E_COUNT] = 5  # capacity 4

    fails(run, corrupt, "element 'b'", "outside [0, 4]", "replica 5")


def test_infinite_kpi_is_refused(run):
    model, arrays, w, h, res = run
    per_replica = Results.from_arrays(model, arrays, dict(res.meta)).per_replica
    per_replica["wip"] = per_replica["wip"].copy()
    per_replica["wip"][1] = np.inf
    with pytest.raises(SimulationError, match="plant: wip is negative or not finite"):
        check_run(model, arrays, per_replica, w, h)
    per_replica = Results.from_arrays(model, arrays, dict(res.meta)).per_replica
    per_replica["elements"]["m"]["utilization"] = per_replica["elements"]["m"]["utilization"].copy()
    per_replica["elements"]["m"]["utilization"][0] = -np.inf
    with pytest.raises(SimulationError, match="element 'm': utilization is infinite"):
        check_run(model, arrays, per_replica, w, h)


def test_with_a_warmup_conservation_is_bounded_by_the_plants_capacity():
    """With a warm-up the parts inside at its start are unknown but between 0 and the capacity
    (buffer 4 + machine 1 = 5); a gap of 6 cannot be."""
    run = capture(warmup=1800.0)
    assert run[2] == 18000
    recheck(run, lambda a: None)

    def corrupt(a):
        a["rep64"][0, layout.R_EXITED] += 6 + (a["rep64"][0, layout.R_ENTERED] - a["rep64"][0, layout.R_EXITED]
                                               - a["el32"][0, :, layout.E_COUNT][[1, 2]].sum())

    fails(run, corrupt, "plant", "[0, 5]")


def test_which_kpis_are_fractions():
    for key in ("utilization", "blocked", "starved", "down", "service", "full", "empty", "running",
                "chamber_utilization", "chamber_blocked", "vtm_stopped"):
        assert is_fraction(key)
    for key in ("queue", "throughput_per_hour", "power_w", "wafers_in_tool"):
        assert not is_fraction(key)


def test_a_violation_during_a_run_is_an_error_not_a_result(monkeypatch):
    """The simulator calls the check on every run: a corrupting kernel would raise, not return."""
    original = simulator_module.check_run

    def corrupted(model, arrays, per_replica, w, h):
        arrays["acc"][0, model.index("m"), layout.A_BUSY] = -1
        original(model, arrays, per_replica, w, h)

    monkeypatch.setattr(simulator_module, "check_run", corrupted)
    p = Plant("p")
    p.add(Source("s"), Machine("m", process=Deterministic(10.0)), Sink("o"))
    p.line("s", "m", "o")
    with pytest.raises(SimulationError, match="element 'm'"):
        simulate(p, replicas=2, horizon=100.0, device="cpu")


@pytest.mark.parametrize("name, key, value, message", [
    ("m", "utilization", np.nan, "element 'm': utilization is not a number"),
    ("b", "queue", 4.5, "element 'b': queue is outside [0, 4]"),
    ("m", "throughput_per_hour", -1.0, "element 'm': throughput_per_hour is negative"),
    ("b", "full", 1.5, "element 'b': full is outside [0, 1]"),
])
def test_every_element_kpi_rule_names_the_element_and_the_kpi(run, name, key, value, message):
    """Each rule of the element-KPI pass (check_run checks all elements per KPI name at once, then
    names the first wrong one): one impossible value in one replica is found and named."""
    model, arrays, w, h, res = run
    per_replica = Results.from_arrays(model, arrays, dict(res.meta)).per_replica
    assert key in per_replica["elements"][name]
    values = np.array(per_replica["elements"][name][key], dtype=np.float64)
    values[2] = value
    per_replica["elements"][name][key] = values
    with pytest.raises(SimulationError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        check_run(model, arrays, per_replica, w, h)
    assert "replica 2" in str(info.value)
