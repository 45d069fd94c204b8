"""Where a study's design points run: this process (the default, nothing to start) or a Ray
cluster (``cluster="local-ray"`` starts one in this process; ``"ray://host:10001"`` connects to
a running one).

On Ray, one actor per worker CPU keeps a PointRunner (the Warp kernels load once per actor and a
design point's Model is reused for its next block) and takes whole blocks of design points.
A block whose actor dies is rerun on a fresh actor; blocks carry their own seeds, so the results
are those of the local run for the same seed.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from ..errors import TwinError
from .runner import PointRunner

MAX_RETRIES = 3


class ClusterError(TwinError, RuntimeError):
    """A cluster that cannot be reached or used."""


class LocalExecutor:
    def __init__(self, plant, rs):
        self.runner = PointRunner(plant, rs)

    def map(self, tasks):
        """Runs the blocks one after the other, yielding each as it finishes."""
        for t in tasks:
            yield self.runner(t)

    def close(self):
        pass


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("a Ray cluster needs ray: pip install 'twin[cluster]'") from None
    return ray


def check_address(cluster: str) -> None:
    """One clear error for an unreachable ray:// address, before anything starts."""
    u = urlparse(cluster)
    if u.scheme != "ray" or not u.hostname:
        raise ClusterError(f"cluster must be 'local-ray' or 'ray://HOST:PORT' (e.g. ray://head:10001), got {cluster!r}")
    port = u.port or 10001
    try:
        with socket.create_connection((u.hostname, port), timeout=5):
            pass
    except OSError as err:
        raise ClusterError(f"cannot reach the Ray cluster at {u.hostname}:{port} ({err.strerror or err}); start "
                           "one with 'ray start --head' (client port 10001) or check the address") from None


class RayExecutor:
    """Blocks on Ray actors, one per worker (``workers``: default the cluster's CPUs)."""

    def __init__(self, plant, rs, cluster: str, workers: int | None = None):
        ray = self.ray = _ray()
        self.started = False
        if cluster != "local-ray":
            check_address(cluster)
        if not ray.is_initialized():
            if cluster == "local-ray":
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=cluster, log_to_driver=False)
            self.started = True
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.actor_cls = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        self.plant, self.rs = plant, rs
        self.actors = [self.actor_cls.remote(plant, rs) for _ in range(n)]

    def map(self, tasks):
        """Yields blocks as workers finish them; a dead worker's block is rerun on a new one."""
        ray = self.ray
        pending, queue = {}, list(tasks)
        tries = {id(t): 0 for t in tasks}
        free = list(range(len(self.actors)))
        while queue or pending:
            while queue and free:
                i = free.pop()
                t = queue.pop(0)
                pending[self.actors[i].run.remote(t)] = (i, t)
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                i, t = pending.pop(ref)
                try:
                    block = ray.get(ref)
                except ray.exceptions.RayActorError:
                    tries[id(t)] += 1
                    if tries[id(t)] > MAX_RETRIES:
                        raise ClusterError(f"design point {t.point} failed on {MAX_RETRIES} Ray workers") from None
                    self.actors[i] = self.actor_cls.remote(self.plant, self.rs)  # a fresh worker
                    queue.insert(0, t)
                    free.append(i)
                    continue
                free.append(i)
                yield block

    def close(self):
        for a in self.actors:
            self.ray.kill(a)
        if self.started:
            self.ray.shutdown()


class _Worker:
    """A Ray actor: a PointRunner that lives as long as the study."""

    def __init__(self, plant, rs):
        self.runner = PointRunner(plant, rs)

    def run(self, task):
        return self.runner(task)

    def pid(self):
        import os
        return os.getpid()


def executor(cluster, plant, rs, workers: int | None = None):
    if cluster is None or cluster == "local":
        return LocalExecutor(plant, rs)
    if not isinstance(cluster, str):
        raise ClusterError(f"cluster must be None, 'local-ray' or 'ray://HOST:PORT', got {cluster!r}")
    return RayExecutor(plant, rs, cluster, workers)
