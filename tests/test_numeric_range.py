"""The step clock's range (issue 11, items 2-4): durations too long for the clock, time integrals
that would overflow int64, loops of zero-time elements, and runs that Ctrl-C must stop.

Durations of 2^61 steps or more saturate to 2^61 steps ("not within this run": no horizon is that
long), so a machine that "practically never" fails gives exactly the numbers of one that never
fails: its failure stream is its own (RNG_TBF), so the process and arrival streams, and thus every
KPI, are bit-identical.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import twin
from twin import (Buffer, Conveyor, Deterministic, Exponential, Failures, Machine, Plant, PlantError, Sink, Source,
                  Uniform, simulate)
from twin import simulator as simulator_module
from twin.model import compile_plant
from twin.stepclock import INT64_LIMIT


def line(machine: Machine, interarrival=Exponential(100.0), capacity=5) -> Plant:
    p = Plant("p")
    p.add(Source("s", interarrival=interarrival), Buffer("b", capacity=capacity), machine, Sink("o"))
    p.line("s", "b", "m", "o")
    return p


def conserved(res) -> np.ndarray:
    """parts in - parts out - parts inside at the end, per replica (0 without a warm-up)."""
    inside = sum(v for name, v in res.per_replica["held_at_end"].items() if name not in ("s", "o"))
    return res.per_replica["parts_in"] - res.per_replica["parts_out"] - inside


@pytest.mark.parametrize("tbf", [Exponential(1e18), Deterministic(1e18), Uniform(1e17, 1e300)])
@pytest.mark.parametrize("mode", ["time", "operation"])
def test_practically_never_failing_machine_never_fails(tbf, mode):
    """tbf = 1e18 s is 2e19 steps at dt = 0.05 s (beyond int64): before, the cast wrapped to a
    negative step and the machine 'failed' at once (utilisation 2750%, throughput 0)."""
    kw = dict(replicas=8, horizon=8 * 3600.0, device="cpu", dt=0.05, seed=3)
    failing = simulate(line(Machine("m", process=Exponential(60.0),
                                    failures=Failures(tbf, Deterministic(60.0), mode))), **kw)
    never = simulate(line(Machine("m", process=Exponential(60.0))), **kw)
    m = failing.per_replica["elements"]["m"]
    assert np.all(m["down"] == 0.0)
    assert np.all((m["utilization"] >= 0) & (m["utilization"] <= 1))
    np.testing.assert_array_equal(m["utilization"] + m["blocked"] + m["starved"], 1.0)
    for key in ("throughput_per_hour", "wip", "cycle_time_s", "parts_in", "parts_out"):
        np.testing.assert_array_equal(failing.per_replica[key], never.per_replica[key])
    assert failing.per_replica["parts_out"].sum() > 0


def test_astronomical_process_time_keeps_its_parts():
    """process = 1e300 s: before, the cast wrapped and parts vanished. Now the first part stays on
    the machine for the whole run: nothing leaves, the buffer fills, every part is accounted for."""
    res = simulate(line(Machine("m", process=Deterministic(1e300))), replicas=4, horizon=8 * 3600.0, device="cpu")
    assert np.all(res.per_replica["parts_out"] == 0)
    assert np.all(res.per_replica["parts_in"] == 6)  # one on the machine, 5 in the buffer, then the source blocks
    np.testing.assert_array_equal(conserved(res), 0)
    m = res.per_replica["elements"]["m"]
    assert np.all(m["utilization"] <= 1) and np.all(m["utilization"] > 0.99)
    assert np.all(res.per_replica["held_at_end"]["b"] == 5)


def test_microsecond_machine_before_a_3e10_second_machine_ends():
    """A 1e-6 s machine gives a default dt of 1e-9 s, so a 1e10 s machine is 1e19 steps: this
    hung. One part goes into the slow machine, the next waits finished on the fast one (blocked);
    the slow machine works from its first part's arrival (one step of 1e-6 s in) to the end."""
    p = Plant("p")
    p.add(Source("s"), Machine("m1", process=Deterministic(1e-6)), Machine("m2", process=Deterministic(1e10)),
          Sink("o"))
    p.line("s", "m1", "m2", "o")
    t = time.perf_counter()
    res = simulate(p, replicas=2, horizon=3600.0, device="cpu")
    assert time.perf_counter() - t < 120
    assert res.meta["dt_s"] == pytest.approx(1e-9)
    window = 3600.0 / 1e-9
    els = res.per_replica["elements"]
    np.testing.assert_allclose(els["m2"]["utilization"], (window - 1000) / window, rtol=0, atol=1e-15)
    np.testing.assert_allclose(els["m1"]["blocked"], (window - 2000) / window, rtol=0, atol=1e-15)
    assert np.all(res.per_replica["parts_out"] == 0) and np.all(res.per_replica["parts_in"] == 2)


def test_conveyor_slower_than_any_horizon_compiles_and_holds_its_items():
    """transit = 2e300 s: the host's round() gave an integer too large for int64 (OverflowError)."""
    p = Plant("p")
    p.add(Source("s", interarrival=Exponential(10.0)), Conveyor("c", speed=1e-300, pitch=1.0, length=2.0), Sink("o"))
    p.line("s", "c", "o")
    res = simulate(p, replicas=2, horizon=3600.0, device="cpu", dt=0.01)
    assert np.all(res.per_replica["parts_out"] == 0)
    assert np.all(res.per_replica["held_at_end"]["c"] == 1)  # the second item never gets one pitch behind
    np.testing.assert_array_equal(conserved(res), 0)


# ---- time integrals ------------------------------------------------------------------------------
def issue_plant() -> Plant:
    return line(Machine("m", process=Deterministic(10.0)), interarrival=Deterministic(1.0), capacity=5000)


def test_time_integrals_that_could_overflow_are_refused_before_the_run():
    """The issue's case: 30 days at dt = 1e-9 s is 2.592e15 steps; x 5,000 parts > 2^63, and gave
    WIP -2121 with exit 0. Now one line naming the buffer and the smallest dt that fits."""
    with pytest.raises(PlantError) as info:
        simulate(issue_plant(), replicas=2, horizon=30 * 86400.0, device="cpu", dt=1e-9)
    msg = str(info.value)
    assert "element 'b'" in msg and "2^63" in msg and "use dt >" in msg and "\n" not in msg
    # the suggested dt is right: at it, the same horizon passes the bound (exact integer arithmetic)
    suggested = float(msg.split("use dt > ")[1].split(" s")[0]) * 1.01
    model = compile_plant(issue_plant(), device="cpu", dt=suggested)
    model.integral_bound(model.steps(30 * 86400.0))


def test_integral_bound_is_exact_at_the_edge():
    """held: source 1 + buffer 5000 + machine 1 + sink 1 (at least one each) = 5003 parts; the
    largest horizon in steps with horizon x 5003 < 2^63 passes, one step more fails."""
    model = compile_plant(issue_plant(), device="cpu", dt=1e-9)
    total = 5003
    edge = (INT64_LIMIT - 1) // total
    model.integral_bound(edge)
    with pytest.raises(PlantError, match="element 'b'"):
        model.integral_bound(edge + 1)


# ---- loops with no time on them -----------------------------------------------------------------
def buffer_loop(routing: str) -> Plant:
    p = Plant("p")
    p.add(Source("s", interarrival=Exponential(10.0)), Buffer("b1", capacity=2),
          Buffer("b2", capacity=2, routing=routing), Machine("m", process=Exponential(5.0)), Sink("o"))
    p.line("s", "b1", "b2")
    if routing == "probability":
        p.connect("b2", "m", probability=0.5)
        p.connect("b2", "b1", probability=0.5)
    else:
        p.connect("b2", "m")
        p.connect("b2", "b1")
    p.connect("m", "o")
    return p


@pytest.mark.parametrize("routing", ["first_available", "probability"])
def test_loop_of_buffers_is_refused_naming_the_loop(routing):
    """source -> b1 -> b2 -> {m, b1} spun forever inside one launch; now validation refuses it."""
    with pytest.raises(PlantError) as info:
        buffer_loop(routing).validate()
    msg = str(info.value)
    assert "b1 -> b2 -> b1" in msg and "no time passing" in msg
    assert buffer_loop(routing).zero_time_loop() == ["b1", "b2"]


def test_loop_through_a_machine_is_accepted():
    p = Plant("p")
    p.add(Source("s", interarrival=Exponential(10.0)), Buffer("q"), Machine("m", process=Exponential(5.0)),
          Machine("check", process=Deterministic(1.0)), Sink("o"))
    p.line("s", "q", "m", "check")
    p.connect("check", "o", probability=0.9)
    p.connect("check", "q", probability=0.1)
    assert p.validate().zero_time_loop() is None
    res = simulate(p, replicas=4, horizon=3600.0, device="cpu")
    np.testing.assert_array_equal(conserved(res), 0)


def test_twin_check_refuses_a_scene_with_a_buffer_loop(tmp_path):
    scene = tmp_path / "loop.toml"
    scene.write_text(textwrap.dedent("""
        lines = [["s", "b1", "b2", "m", "o"]]
        [plant]
        name = "loop"
        [elements.s]
        kind = "source"
        interarrival = { dist = "exponential", mean = "10 s" }
        [elements.b1]
        kind = "buffer"
        capacity = 2
        [elements.b2]
        kind = "buffer"
        capacity = 2
        routing = "first_available"
        [elements.m]
        kind = "machine"
        process = { dist = "exponential", mean = "5 s" }
        [elements.o]
        kind = "sink"
        [[connect]]
        from = "b2"
        to = "b1"
        """))
    p = subprocess.run([sys.executable, "-m", "twin", "check", str(scene)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2, p.stderr
    assert "b1 -> b2 -> b1" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


# ---- launches: a split that never changes numbers, and Ctrl-C within a second ----------------------
def test_how_the_horizon_is_split_into_launches_never_changes_a_result(monkeypatch):
    p = line(Machine("m", process=Exponential(50.0), failures=Failures(Exponential(900.0), Exponential(60.0))),
             interarrival=Exponential(60.0))
    kw = dict(replicas=6, horizon=2000.0, warmup=100.0, device="cpu", dt=0.05, seed=11)
    counts = []
    original = simulator_module.Launches.advance

    def counting(self, *args):
        original(self, *args)
        counts.append(self.count)

    monkeypatch.setattr(simulator_module.Launches, "advance", counting)
    base = simulate(p, **kw)
    n_base = counts[-1]
    monkeypatch.setattr(simulator_module, "LAUNCH_WALL_S", 1e-9)  # every launch one step long
    tiny = simulate(p, **kw)
    n_tiny = counts[-1]
    assert n_tiny >= 39_000 > n_base  # 2000 s / 0.05 s = 40,000 steps, one launch each
    for key in ("throughput_per_hour", "wip", "cycle_time_s", "parts_in", "parts_out"):
        np.testing.assert_array_equal(tiny.per_replica[key], base.per_replica[key])
    for name, kpis in base.per_replica["elements"].items():
        for k, v in kpis.items():
            np.testing.assert_array_equal(tiny.per_replica["elements"][name][k], v)


# Python's own Ctrl-C handling in the child, whatever it inherits: a process started from a
# background job of a non-interactive shell (a CI script's `cmd &`) has SIGINT ignored, and Python
# then installs no handler, so the child would never see the signal (this failed two CI runs).
CHILD = textwrap.dedent("""
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import sys, time, twin
    from twin import Deterministic, Machine, Plant, Sink, Source
    p = Plant("busy")
    p.add(Source("s"), Machine("m", process=Deterministic(1.0)), Sink("o"))
    p.line("s", "m", "o")
    twin.simulate(p, replicas=2, horizon=10.0, device="cpu", dt=0.1)  # compiled and warm
    print("READY", flush=True)
    try:
        twin.simulate(p, replicas=64, horizon=1e12, device="cpu", dt=0.1)  # hours of work
        print("FINISHED", flush=True)
    except KeyboardInterrupt:
        print("INTERRUPTED", repr(time.time()), flush=True)
        raise
""")


def test_ctrl_c_stops_a_long_run_within_a_second():
    """Before, the horizon was cut into 50 launches of 2e13 steps each: SIGINT waited for minutes.
    Now the run is interrupted within a second (measured: 0.07-0.2 s); the process then exits
    (interpreter and Warp shutdown, about a second more on a busy machine)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout.readline().strip() == "READY"
        time.sleep(2.0)  # well inside the long run's launches
        assert proc.poll() is None
        sent = time.time()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        exited = time.time() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out, err = proc.stdout.read(), proc.stderr.read()
    assert "KeyboardInterrupt" in err and "FINISHED" not in out
    interrupted = float(out.split("INTERRUPTED")[1].split()[0]) - sent
    assert 0 <= interrupted < 1.0, f"the run took {interrupted:.2f} s to stop"
    assert exited < 10.0


@pytest.mark.parametrize("middle", [[], ["b"], ["b", "b2"]])
def test_saturated_source_with_no_time_on_the_way_to_a_sink_is_refused(middle):
    """A saturated source -> (buffers) -> sink releases parts forever inside one step (found by
    tests/test_fuzz.py: the run never ended)."""
    p = Plant("p")
    p.add(Source("s"), *[Buffer(n, capacity=3) for n in middle], Sink("o"))
    p.line("s", *middle, "o")
    with pytest.raises(PlantError) as info:
        p.validate()
    msg = str(info.value)
    assert "element 's'" in msg and " -> ".join(["s", *middle, "o"]) in msg and "interarrival" in msg
    # the same with a machine on the way, or an interarrival time, is a valid plant
    q = Plant("q")
    q.add(Source("s", interarrival=Exponential(5.0)), *[Buffer(n, capacity=3) for n in middle], Sink("o"))
    q.line("s", *middle, "o")
    assert q.validate().zero_time_leak() is None
    res = simulate(q, replicas=2, horizon=600.0, device="cpu")
    np.testing.assert_array_equal(conserved(res), 0)


# ---- the other kernels' conversions: equipment health and cluster tools --------------------------------
def test_repair_longer_than_any_run_keeps_the_machine_down_to_the_end():
    """repair = 1e300 s (kernels/health.py samples it with sample_steps): the machine fails once,
    at its Weibull life, and stays down to the horizon; down = (horizon - failure) / horizon."""
    from twin.maintenance import Crew, HealthComponent, SensorModel, WeibullLife
    c = HealthComponent("spindle", WeibullLife(1.0, 2 * 3600.0), clock="calendar", repair=1e300, service=1.0,
                        sensors=SensorModel(period=600.0))
    p = Plant("host", crew=Crew(1))
    p.add(Source("raw"), Machine("m", process=Deterministic(60.0), health=[c]), Sink("out"))
    p.line("raw", "m", "out")
    horizon = 8 * 3600.0
    res = simulate(p, replicas=16, horizon=horizon, seed=5, device="cpu")
    comp = res.per_replica["maintenance"]["components"]["m.spindle"]
    failed = ~np.isnan(comp["first_failure_h"])
    assert failed.sum() >= 10  # P(life > 8 h) = e^-4: most replicas fail
    assert np.all(comp["failures"][failed] == 1) and np.all(comp["failures"][~failed] == 0)
    down = res.per_replica["elements"]["m"]["down"]
    expected = np.where(failed, (horizon - comp["first_failure_h"] * 3600.0) / horizon, 0.0)
    np.testing.assert_allclose(down, expected, rtol=0, atol=res.meta["dt_s"] / horizon * 2)
    np.testing.assert_array_equal(conserved_named(res, ("raw", "out")), 0)


def test_weibull_life_and_sensor_period_beyond_the_clock_never_fail():
    """A Weibull life of scale 1e300 s (kernels/health.py schedule_update: ceil(life - age) cast to
    int64) and a sensor period of 1e300 s (host: round(period / dt)): the component never fails
    and the machine's numbers are those of a machine without it (its own random stream)."""
    from twin.maintenance import HealthComponent, SensorModel, WeibullLife
    c = HealthComponent("board", WeibullLife(1.5, 1e300), clock="calendar", repair=60.0, service=1.0,
                        sensors=SensorModel(period=1e300))
    kw = dict(replicas=4, horizon=4 * 3600.0, seed=2, device="cpu", dt=0.05)
    with_c = simulate(line(Machine("m", process=Exponential(50.0), health=[c])), **kw)
    without = simulate(line(Machine("m", process=Exponential(50.0))), **kw)
    assert np.all(with_c.per_replica["maintenance"]["components"]["m.board"]["failures"] == 0)
    for key in ("throughput_per_hour", "wip", "cycle_time_s"):
        np.testing.assert_array_equal(with_c.per_replica[key], without.per_replica[key])


def test_cluster_tool_recipe_longer_than_any_run_keeps_its_wafers():
    """A recipe of 1e300 s (kernels/cluster_tool.py tool_sample): no FOUP ever leaves, none is
    lost, every fraction stays in [0, 1] (the invariant check runs on every run)."""
    from twin import ClusterTool, ProcessStep
    tool = ClusterTool("tool", steps=[ProcessStep(1, Deterministic(1e300))], vtm_robot="single", load_ports=2)
    p = Plant("cell")
    p.add(Source("foups", interarrival=Exponential(600.0)), tool, Sink("out"))
    p.line("foups", "tool", "out")
    res = simulate(p, replicas=2, horizon=4 * 3600.0, device="cpu", dt=0.01)
    assert np.all(res.per_replica["parts_out"] == 0)
    np.testing.assert_array_equal(conserved_named(res, ("foups", "out")), 0)
    k = res.per_replica["elements"]["tool"]
    assert np.all(k["wafers_per_hour"] == 0)
    assert np.all((k["chamber_utilization"] > 0.9) & (k["chamber_utilization"] <= 1))


def conserved_named(res, outside) -> np.ndarray:
    inside = sum(v for name, v in res.per_replica["held_at_end"].items() if name not in outside)
    return res.per_replica["parts_in"] - res.per_replica["parts_out"] - inside
