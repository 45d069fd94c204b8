"""The Delay kind (twin/equipment/delay.py, twin/kernels/delay.py) against closed forms.

Deterministic cases are exact within one step: with periodic entries every T seconds and a window
that is a whole number of periods, the time-average number of parts in a delay of D seconds is
exactly D / T (each period contributes D part-seconds), and T, D, the warm-up and the horizon are
whole steps. The random case checks Little's law on a saturated delay line with a stated
statistical tolerance.
"""

import pytest

import twin
from checks import assert_matches
from twin.equipment.delay import Delay


def machine_then_delay(T: float, D, capacity=None) -> twin.Plant:
    p = twin.Plant("machine then delay")
    p.add(twin.Source("in"), twin.Machine("m", process=twin.Deterministic(T)),
          Delay("hop", delay=D, capacity=capacity), twin.Sink("out"))
    p.line("in", "m", "hop", "out")
    return p


def test_unlimited_delay_after_a_fixed_machine_holds_d_over_t_parts(device):
    T, D = 10.0, 35.0
    res = twin.simulate(machine_then_delay(T, twin.Deterministic(D)), replicas=3, horizon=3600.0, warmup=1000.0,
                        dt=1.0, device=device)
    hop = res.element("hop")
    assert res.throughput.mean == pytest.approx(3600.0 / T, abs=1e-9)       # 1/T: the delay never blocks
    assert hop["throughput_per_hour"].mean == pytest.approx(3600.0 / T, abs=1e-9)
    assert hop["queue"].mean == pytest.approx(D / T, abs=1e-12)             # Little: WIP = (1/T) x D
    assert hop["in_delay"].mean == pytest.approx(D / T, abs=1e-12)
    assert hop["waiting"].mean == 0.0
    assert res.cycle_time.mean == pytest.approx(T + D, abs=1e-9)


def test_saturated_delay_line_obeys_littles_law(device):
    """Source (saturated) -> Delay(c, exponential mean d) -> Sink: the delay is always full
    (WIP = c at every step after the first) and Little's law gives throughput = c / d.
    Tolerance: 4 standard errors over 40 replicas (checks.assert_matches) plus 0.2% for the
    rounding of exponential durations to 0.1 s steps (mean 20 s)."""
    c, d = 4, 20.0
    p = twin.Plant("saturated delay")
    p.add(twin.Source("in"), Delay("rack", delay=twin.Exponential(d), capacity=c), twin.Sink("out"))
    p.line("in", "rack", "out")
    res = twin.simulate(p, replicas=40, horizon=20_000.0, warmup=100.0, dt=0.1, seed=5, device=device)
    rack = res.element("rack")
    assert rack["queue"].mean == pytest.approx(c, abs=1e-12)
    assert rack["utilization"].mean == pytest.approx(1.0, abs=1e-12)
    exact = 3600.0 * c / d
    assert_matches(res.throughput, exact, bias=0.002 * exact, what="throughput = c / d")
    assert_matches(res.cycle_time, d, bias=0.002 * d, what="time in the delay = d")


def test_a_full_successor_blocks_the_delay(device):
    """Delay(2, 10 s) before a 20 s machine: the machine sets the pace (1/20 s); the delay refills
    as soon as a part leaves, so it always holds 2 parts, one or both waiting."""
    p = twin.Plant("blocked delay")
    p.add(twin.Source("in"), Delay("rack", delay=twin.Deterministic(10.0), capacity=2),
          twin.Machine("m", process=twin.Deterministic(20.0)), twin.Sink("out"))
    p.line("in", "rack", "m", "out")
    res = twin.simulate(p, replicas=2, horizon=4000.0, warmup=1000.0, dt=1.0, device=device)
    rack = res.element("rack")
    assert res.throughput.mean == pytest.approx(3600.0 / 20.0, abs=1e-9)
    assert rack["queue"].mean == pytest.approx(2.0, abs=1e-12)
    # per 20 s period: one part in its delay for 10 s, the other waiting 20 s, the refill waiting 10 s
    assert rack["in_delay"].mean == pytest.approx(0.5, abs=1e-12)
    assert rack["waiting"].mean == pytest.approx(1.5, abs=1e-12)


def test_an_unlimited_delay_that_outgrows_its_storage_is_an_error():
    p = twin.Plant("unstable delay", unbounded_storage=50)
    p.add(twin.Source("in"), Delay("rack", delay=twin.Deterministic(100.0)),
          twin.Machine("m", process=twin.Deterministic(10.0)), twin.Sink("out"))
    p.line("in", "rack", "m", "out")
    with pytest.raises(twin.SimulationError, match="element 'rack'.*unstable"):
        twin.simulate(p, replicas=2, horizon=1000.0, device="cpu")


SCENE = """
lines = [["in", "m", "hop", "out"]]

[plant]
name = "agv hop"
time_unit = "s"

[elements.in]
kind = "source"
[elements.m]
kind = "machine"
process = {dist = "deterministic", value = "10 s"}
[elements.hop]
kind = "delay"
delay = {dist = "deterministic", value = "35 s"}
[elements.out]
kind = "sink"
"""


def test_scene_files_find_the_delay_through_the_registry(tmp_path):
    path = tmp_path / "hop.toml"
    path.write_text(SCENE)
    scene = twin.load_scene(path)
    plant = getattr(scene, "plant", scene)
    hop = plant["hop"]
    assert isinstance(hop, Delay) and hop.capacity is None and hop.delay.mean == 35.0
    res = twin.simulate(plant, replicas=2, horizon=3600.0, warmup=1000.0, dt=1.0, device="cpu")
    assert res.element("hop")["queue"].mean == pytest.approx(3.5, abs=1e-12)


def test_a_bad_delay_key_names_the_element_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SCENE.replace('kind = "delay"', 'kind = "delay"\ncapacity = 0'))
    with pytest.raises(twin.TwinError, match="hop.*capacity"):
        twin.load_scene(path)


def test_a_registered_kind_is_a_top_level_name():
    """Every registered kind's element class is reachable as twin.<Class> without a line in
    twin/__init__.py (the registry is the one list), and unknown names still fail."""
    assert twin.Delay is Delay
    with pytest.raises(AttributeError):
        twin.NoSuchKind
