"""The same study on a Ray cluster started in this process: identical results, a dead worker's
design point rerun, an unreachable cluster refused before anything runs."""

import numpy as np
import pytest

import twin
from twin.study import Experiment
from twin.study.cluster import ClusterError, RayExecutor
from twin.study.runner import RunSettings, Task

ray = pytest.importorskip("ray")

RUN = dict(replicas=12, horizon=300.0, warmup=30.0, device="cpu", seed=7)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_unreachable_cluster_is_one_clear_error_before_any_run(two_station, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("ran before checking the cluster")
    monkeypatch.setattr(twin.Simulator, "run", boom)
    exp = Experiment(two_station(), {"b.capacity": [1, 2]})
    with pytest.raises(ClusterError, match=r"cannot reach the Ray cluster at 127.0.0.1:9"):
        exp.run(cluster="ray://127.0.0.1:9", **RUN)
    with pytest.raises(ClusterError, match=r"'local-ray' or 'ray://HOST:PORT'"):
        exp.run(cluster="tcp://somewhere", **RUN)


def test_study_on_two_ray_workers_equals_the_local_run(two_station, local_ray):
    exp = Experiment(two_station(), {"b.capacity": [1, 2, 4], "m1.process.mean": [0.9, 1.1]}, ["throughput", "wip"])
    local = exp.run(**RUN)
    remote = exp.run(cluster="local-ray", **RUN)
    for p in range(len(exp.points)):
        for r in ("throughput", "wip"):
            assert np.array_equal(local.values(p, r), remote.values(p, r))


def test_a_dead_workers_block_is_rerun(two_station, local_ray):
    plant = two_station()
    rs = RunSettings(["throughput"], 300.0, 30.0, "cpu", 0.001)
    ex = RayExecutor(plant, rs, "local-ray", workers=2)
    try:
        pids = ray.get([a.pid.remote() for a in ex.actors])
        assert len(set(pids)) == 2  # two worker processes
        ray.kill(ex.actors[0])      # a worker dies before its block
        tasks = [Task(i, {"b.capacity": c}, 0, 8, 7) for i, c in enumerate([1, 2, 3, 4])]
        blocks = sorted(ex.map(tasks), key=lambda b: b.point)
    finally:
        ex.close()
    assert [b.point for b in blocks] == [0, 1, 2, 3]
    exp = Experiment(plant, {"b.capacity": [1, 2, 3, 4]}, ["throughput"])
    local = exp.run(replicas=8, horizon=300.0, warmup=30.0, device="cpu", seed=7, dt=0.001)
    for b in blocks:
        assert np.array_equal(b.values["throughput"], local.values(b.point, "throughput"))
