"""Blocks of replicas on CPU threads: replica r's numbers are keyed by its index in the run, so
the results do not depend on how the replicas are split (bit-identical for any thread count)."""

import json
import threading
import time

import numpy as np
import pytest
import warp as wp

import twin
from twin import simulator
from twin.maintenance import Crew, GammaWear, HealthComponent, SensorLog, SensorModel
from twin.simulator import StudyError, merge_blocks, split_replicas

HOUR = 3600.0


def line() -> twin.Plant:
    """Random arrivals, routing-free flow, lognormal and triangular times, failures on both
    machines and a health component with sensors: every random stream kind is drawn."""
    wear = HealthComponent("drive", GammaWear(1 / (20 * HOUR), 0.2 / np.sqrt(20 * HOUR)), repair=600.0,
                           service=300.0, sensors=SensorModel(period=HOUR))
    p = twin.Plant("blocks", crew=Crew(1))
    p.add(twin.Source("in", interarrival=twin.Exponential(50)), twin.Buffer("B1", capacity=4),
          twin.Machine("M1", process=twin.LogNormal(40, 0.5), failures=twin.Failures(
              twin.Exponential(3000), twin.Gamma(200, 0.7)), health=[wear]),
          twin.Buffer("B2", capacity=2), twin.Machine("M2", process=twin.Triangular(20, 35, 60), servers=2,
                                                      failures=twin.Failures(twin.Exponential(5000),
                                                                             twin.Exponential(300))),
          twin.Sink("out"))
    p.line("in", "B1", "M1", "B2", "M2", "out")
    return p


def flat(res: twin.Results) -> dict:
    out = {k: v for k, v in res.per_replica.items() if k not in ("elements", "held_at_end", "maintenance")}
    for name, kpis in res.per_replica["elements"].items():
        for k, v in kpis.items():
            out[f"{name}.{k}"] = v
    return out


def without_timing(d: dict) -> dict:
    d = json.loads(json.dumps(d))
    for k in ("wall_time_s", "compile_time_s", "threads"):
        d["meta"].pop(k)
    return d


RUN = dict(replicas=7, horizon=40 * HOUR, warmup=HOUR, seed=5, device="cpu", progress=False)


@pytest.fixture(scope="module")
def runs() -> dict:
    """One run per thread count, recording replica 4 (in the 2nd or 3rd block when split) and
    logging the sensors of replicas 0-4 (spread over several blocks)."""
    return {n: twin.simulate(line(), threads=n, record=twin.Recording(replica=4, start=HOUR, end=3 * HOUR, every=60.0),
                             sensor_log=SensorLog(replicas=5, every=1, max_samples=500), **RUN)
            for n in (1, 2, 3)}


def test_results_are_bit_identical_for_any_thread_count(runs):
    one = runs[1]
    assert one.meta["threads"] == 1 and runs[2].meta["threads"] == 2 and runs[3].meta["threads"] == 3
    a = flat(one)
    assert a["throughput_per_hour"].std() > 0  # the replicas differ: a mix-up of replicas would show
    for n in (2, 3):
        b = flat(runs[n])
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{k}, {n} threads")
        assert without_timing(runs[n].to_dict()) == without_timing(one.to_dict())  # the JSON of `twin run`


def test_recording_and_sensor_log_do_not_depend_on_the_split(runs):
    one = runs[1].recording
    assert one.status.shape[0] == 121 and one.replica == 4
    assert len(runs[1].sensors) > 5 * 30  # readings every hour of 40 h, replicas 0-4
    assert set(runs[1].sensors.replica) == {0, 1, 2, 3, 4}
    for n in (2, 3):
        rec = runs[n].recording
        assert rec.replica == 4
        np.testing.assert_array_equal(rec.status, one.status)
        np.testing.assert_array_equal(rec.held, one.held)
        np.testing.assert_array_equal(rec.times, one.times)
        s1, sn = runs[1].sensors, runs[n].sensors
        np.testing.assert_array_equal(sn.replica, s1.replica)
        np.testing.assert_array_equal(sn.time_s, s1.time_s)
        np.testing.assert_array_equal(sn.values, s1.values)


def test_a_replica_keeps_its_numbers_in_any_block():
    """Replica 5 alone in a block of one (7 threads) and inside a block of four (2 threads)."""
    spread = flat(twin.simulate(line(), threads=7, **RUN))
    pair = flat(twin.simulate(line(), threads=2, **{**RUN, "replicas": 6}))
    for k in spread:
        np.testing.assert_array_equal(spread[k][:6], pair[k], err_msg=k)


def test_split_replicas_covers_every_replica_once_in_order():
    for replicas in (1, 2, 7, 100, 101):
        for threads in (1, 2, 3, 8, 200):
            blocks = split_replicas(replicas, threads)
            assert len(blocks) == min(replicas, threads)
            firsts = [f for f, _ in blocks]
            counts = [c for _, c in blocks]
            assert firsts == list(np.cumsum([0] + counts[:-1]))
            assert sum(counts) == replicas and min(counts) >= 1 and max(counts) - min(counts) <= 1


def test_merge_refuses_an_array_that_is_not_one_row_per_replica():
    parts = [{"el64": np.zeros((2, 3)), "odd": np.zeros(5)}, {"el64": np.ones((3, 3)), "odd": np.zeros(5)}]
    with pytest.raises(twin.errors.SimulationError, match="odd"):
        merge_blocks(parts, [2, 3], 0)
    merged = merge_blocks([{"el64": p["el64"], "ct_hist": np.array([1, 2])} for p in parts], [2, 3], 0)
    np.testing.assert_array_equal(merged["el64"][:, 0], [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(merged["ct_hist"], [2, 4])


def test_threads_must_be_a_positive_integer():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(StudyError, match="threads"):
            twin.simulate(line(), threads=bad, **RUN)


def test_cpu_launches_of_two_blocks_overlap_in_time(monkeypatch):
    """Warp's CPU launch releases the GIL: two blocks' launches run at the same time. If the GIL
    were held, one thread's launch could never start before the other's ended."""
    spans = []
    launch = wp.launch

    def timed(kernel, *args, **kwargs):
        t = time.perf_counter()
        launch(kernel, *args, **kwargs)
        if kernel.key.endswith("advance"):
            spans.append((threading.get_ident(), t, time.perf_counter()))

    monkeypatch.setattr(wp, "launch", timed)
    monkeypatch.setattr(simulator, "LAUNCH_WALL_S", 0.05)
    twin.simulate(line(), threads=2, **{**RUN, "replicas": 64, "horizon": 400 * HOUR})
    assert len({s[0] for s in spans}) == 2
    a = [s for s in spans if s[0] == spans[0][0]]
    b = [s for s in spans if s[0] != spans[0][0]]
    overlap = sum(max(0.0, min(x[2], y[2]) - max(x[1], y[1])) for x in a for y in b)
    busy = sum(x[2] - x[1] for x in a)
    assert overlap > 0.1 * busy, (overlap, busy)


def test_a_block_without_logged_replicas_merges():
    """6 replicas in 2 blocks, sensors of replicas 0-2 only: the second block logs nothing (its
    log arrays are shaped apart); the merged log equals one block's, it does not crash."""
    kw = dict(RUN, replicas=6)
    runs = [twin.simulate(line(), threads=n, sensor_log=SensorLog(replicas=3, every=1, max_samples=200), **kw)
            for n in (1, 2)]
    assert set(runs[0].sensors.replica) == {0, 1, 2}
    np.testing.assert_array_equal(runs[1].sensors.values, runs[0].sensors.values)
    np.testing.assert_array_equal(runs[1].sensors.time_s, runs[0].sensors.time_s)


def test_ctrl_c_between_two_block_starts_stops_the_started_block(monkeypatch):
    """A Ctrl-C can land after one block's thread started and before the next was submitted
    (found by a CI run on a loaded machine: the child of test_numeric_range's Ctrl-C test did not
    exit). The block already running must be stopped, not joined at its horizon (here hours of
    work). The run goes in a thread of its own so that a regression fails instead of hanging."""
    submit = simulator.ThreadPoolExecutor.submit
    stops, raised = [], []

    def interrupted_second(self, fn, device, stop, *args):
        stops.append(stop)
        if len(stops) == 2:
            time.sleep(0.3)  # the first block is well into its launches
            raise KeyboardInterrupt
        return submit(self, fn, device, stop, *args)

    def run():
        try:
            twin.simulate(line(), threads=2, **{**RUN, "replicas": 8, "horizon": 1e9 * HOUR})
        except KeyboardInterrupt:
            raised.append(True)

    monkeypatch.setattr(simulator.ThreadPoolExecutor, "submit", interrupted_second)
    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(60.0)
    if runner.is_alive():  # the started block was not stopped: stop it, then fail
        stops[0].set()
        runner.join(60.0)
        pytest.fail("a Ctrl-C between two block starts left the first block running")
    assert raised == [True] and len(stops) == 2
