"""Belt conveyors (kernels/conveyor.py): transit, saturated flow, accumulation, energy, conservation."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin


def belt_line(*elements: twin.Element) -> twin.Plant:
    """The elements in a chain, then a sink."""
    p = twin.Plant("belt")
    p.add(*elements, twin.Sink("out"))
    p.line(*(e.name for e in elements), "out")
    return p


@pytest.mark.parametrize("accumulating", [True, False])
def test_single_item_transit_time(device, accumulating):
    """One part enters at t = 100 s and reaches the sink after length / speed, within dt."""
    belt = twin.Conveyor("belt", length=7.3, speed=0.45, pitch=0.5, accumulating=accumulating)
    p = belt_line(twin.Source("in", interarrival=twin.Deterministic(100.0)), belt)
    res = twin.simulate(p, replicas=2, horizon=150.0, device=device)
    assert res.per_replica["parts_out"].tolist() == [1, 1]
    assert abs(res.cycle_time.mean - 7.3 / 0.45) <= res.meta["dt_s"]


@pytest.mark.parametrize("accumulating", [True, False])
@pytest.mark.parametrize("length", [4.2, 4.0])
def test_saturated_throughput(device, accumulating, length):
    """Saturated, the belt takes an item every pitch / speed seconds unless its capacity
    floor(L / p) binds first: throughput = min(v / p, floor(L / p) * v / L). With L = 4.2 m
    (12 pitches) that is v / p; with L = 4.0 m (11.4 pitches) the 11-item capacity limits it."""
    v, p = 0.8, 0.35
    belt = twin.Conveyor("belt", length=length, speed=v, pitch=p, accumulating=accumulating)
    res = twin.simulate(belt_line(twin.Source("raw"), belt), replicas=3, horizon=3600.0, warmup=100.0,
                        device=device)
    rate = min(v / p, belt.capacity * v / length)
    expected = 3500.0 * rate
    # Items leave at a fixed interval (up to rounding to steps): the count is right within one.
    assert np.all(np.abs(res.per_replica["parts_out"] - expected) <= 1.0 + expected * 1e-4)
    assert res.element("belt")["queue"].mean == pytest.approx(rate * length / v, rel=0.01)  # Little's law


def test_energy_per_item_from_motor_load(device):
    """Free flow at saturation: L/p items ride the belt, so the motor draws idle + per-item x L/p
    watts, and each item costs that power times one pitch interval."""
    belt = twin.Conveyor("belt", length=6.0, speed=0.5, pitch=0.4, idle_power=120.0, power_per_item=15.0)
    res = twin.simulate(belt_line(twin.Source("raw"), belt), replicas=2, horizon=1800.0, warmup=60.0,
                        device=device)
    power = 120.0 + 15.0 * 6.0 / 0.4
    el = res.element("belt")
    assert el["power_w"].mean == pytest.approx(power, rel=0.005)
    assert el["energy_per_item_j"].mean == pytest.approx(power * 0.4 / 0.5, rel=0.005)
    assert el["running"].mean == 1.0 and el["blocked"].mean == 0.0


def positions_ok(frames: np.ndarray, length: float, pitch: float, tol: float):
    """Every frame: items ordered front to back, inside the belt, at least one pitch apart."""
    for row in frames:
        x = row[~np.isnan(row)]
        assert np.all(x >= -tol) and np.all(x <= length + tol)
        assert np.all(np.diff(x) <= -(pitch - tol)), x


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.floats(1.0, 12.0), speed=st.floats(0.1, 2.0), pitch_frac=st.floats(0.05, 0.9),
       block=st.floats(2.0, 8.0), accumulating=st.booleans())
def test_blocked_outlet_items_keep_pitch_and_never_overlap(length, speed, pitch_frac, block, accumulating):
    """Random belts, a saturated feed (an item whenever the belt takes one) and an outlet machine
    slower than the belt's transit: items never come closer than a pitch, and while the outlet is
    blocked an accumulating belt fills up at exactly pitch spacing from the end."""
    pitch = max(pitch_frac * length, 0.02)
    belt = twin.Conveyor("belt", length=length, speed=speed, pitch=pitch, accumulating=accumulating)
    transit = length / speed
    slow = twin.Machine("slow", process=twin.Deterministic(block * transit))
    p = belt_line(twin.Source("in"), belt, slow)
    horizon = 4 * block * transit + 2 * transit
    res = twin.simulate(p, replicas=1, horizon=horizon, device="cpu", dt=min(p.default_dt(), 0.01),
                        record=twin.Recording(every=horizon / 400))
    frames = res.recording.conveyors["belt"]
    tol = 2 * speed * res.meta["dt_s"] + 1e-4 * length
    positions_ok(frames, length, pitch, tol)
    if accumulating:
        # pitch / speed is a whole number of steps, so each gap may be off by half a step of travel
        queued = np.array([length - i * pitch for i in range(belt.capacity)])
        tol_queue = tol + np.arange(belt.capacity) * speed * res.meta["dt_s"]
        assert any(np.all(np.abs(row - queued) < tol_queue) for row in frames), \
            "a blocked accumulating belt never filled up at pitch spacing from the end"


def test_non_accumulating_belt_stops_whole(device):
    """While the front item waits at the end, no item on the belt moves (an item may still be put
    on at the start if the last one is a pitch in); running, items keep the 2-pitch spacing they
    entered with."""
    belt = twin.Conveyor("belt", length=5.0, speed=0.5, pitch=0.5, accumulating=False)
    slow = twin.Machine("slow", process=twin.Deterministic(60.0))
    p = belt_line(twin.Source("in", interarrival=twin.Deterministic(2.0)), belt, slow)
    res = twin.simulate(p, replicas=1, horizon=600.0, device=device, record=twin.Recording(every=1.0))
    frames = res.recording.conveyors["belt"]
    status = res.recording.status[:, res.recording.names.index("belt")]
    stopped = np.flatnonzero(status == 2)
    assert stopped.size > 100
    for a, b in zip(stopped, stopped[1:]):
        if b == a + 1:
            on_belt = ~np.isnan(frames[a])
            np.testing.assert_array_equal(frames[a][on_belt], frames[b][on_belt])  # frozen while stopped
    for i in stopped:
        assert frames[i][0] == pytest.approx(5.0)  # the front item waits at the end
    first_stop = stopped[0]
    for row in frames[:first_stop]:  # before the first stop, items entered every 2 s = 1 m apart
        x = row[~np.isnan(row)]
        np.testing.assert_allclose(np.diff(x), -1.0, atol=1e-6)


def test_conservation_in_every_replica(device):
    """In = out + on the belt, per replica, exactly (integers)."""
    belt = twin.Conveyor("belt", length=3.0, speed=0.3, pitch=0.25)
    m = twin.Machine("m", process=twin.LogNormal(1.1, 0.9), failures=twin.Failures(twin.Exponential(300),
                                                                                 twin.Exponential(40)))
    p = belt_line(twin.Source("in", interarrival=twin.Exponential(1.2)), belt, m)
    p.unbounded_storage = 10
    res = twin.simulate(p, replicas=32, horizon=3000.0, device=device)
    pr = res.per_replica
    into_belt = pr["elements"]["in"]["throughput_per_hour"] * 3000.0 / 3600.0
    out_of_belt = pr["elements"]["belt"]["throughput_per_hour"] * 3000.0 / 3600.0
    np.testing.assert_allclose(into_belt - out_of_belt, pr["held_at_end"]["belt"], atol=1e-6)
    held = sum(pr["held_at_end"][n] for n in ("belt", "m"))
    np.testing.assert_array_equal(pr["parts_in"] - pr["parts_out"], held)
    assert np.all(pr["held_at_end"]["belt"] <= belt.capacity)


def test_conveyor_input_errors():
    for kwargs, fragment in (({"speed": -1, "pitch": 0.5, "length": 3}, "speed"),
                             ({"speed": 1, "pitch": 4, "length": 3}, "pitch 4 m is longer than the belt"),
                             ({"speed": 1, "pitch": 0.5}, "needs a length"),
                             ({"speed": 1, "pitch": 0.5, "length": 3, "path": [[0, 0, 0], [2, 0, 0]]},
                              "does not match the path"),
                             ({"speed": 1, "pitch": 0.5, "accumulating": "yes", "length": 3}, "accumulating")):
        with pytest.raises(twin.PlantError, match=fragment) as info:
            twin.Conveyor("c7", **kwargs)
        assert "element 'c7'" in str(info.value)
    c = twin.Conveyor("c", speed=1.0, pitch=0.4, path=[[0, 0, 0], [3, 0, 0], [3, 4, 0]])
    assert c.length == pytest.approx(7.0) and c.capacity == 17 and math.isclose(c.transit_time, 7.0)
