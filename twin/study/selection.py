"""Selecting the best design with a guarantee: Rinott's two-stage procedure (Rinott 1978).

Stage 1 runs n0 replicas of each of the k design points and measures each one's sample
variance S_i². Stage 2 runs each design point up to N_i = max(n0, ceil((h S_i / delta)²))
replicas: design points with noisy responses get more, quiet ones none. The design point with
the best overall mean is selected. If the best design point's true mean beats every other by at
least ``delta`` (the indifference zone), the selection is correct with probability >= 1 - alpha,
whatever the variances (normal responses; replica means of a plant KPI are close to normal).

Rinott's constant h solves
    E[ Phi( h / sqrt((n0 - 1) (1/X + 1/Y)) )^(k-1) ] = 1 - alpha,   X, Y ~ chi²(n0 - 1) independent,
computed here by quadrature (no table). The procedure assumes independent design points, so
selection runs each design point on its own random-number streams (not common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import TwinError
from . import designs, responses as resp
from .runner import RunSettings, Task, block_seed
from .stats import ci


def _scipy():
    try:
        from scipy import optimize, special, stats
    except ImportError:
        raise TwinError("selection needs scipy: pip install 'twin[study]'") from None
    return optimize, special, stats


@lru_cache(maxsize=256)
def rinott_h(k: int, n0: int, pstar: float, nodes: int = 160) -> float:
    """Rinott's constant for k systems, n0 first-stage replicas and P(correct selection) pstar."""
    optimize, special, stats = _scipy()
    if k < 2:
        return 0.0
    if not (n0 >= 2 and 1.0 / k < pstar < 1.0):
        raise TwinError(f"Rinott's constant needs n0 >= 2 and 1/k < 1 - alpha < 1, got n0={n0}, 1-alpha={pstar}")
    nu = n0 - 1
    u, w = np.polynomial.legendre.leggauss(nodes)   # E[g(X)] = integral over (0, 1) of g(F^-1(u)) du
    u, w = 0.5 * (u + 1.0), 0.5 * w
    x = stats.chi2.ppf(u, nu)

    def pcs(h):
        inner = special.ndtr(h / np.sqrt(nu * (1.0 / x[:, None] + 1.0 / x[None, :])))  # [x, y]
        return float(np.sum(w * (w @ inner) ** (k - 1))) - pstar

    return float(optimize.brentq(pcs, 1e-6, 50.0, xtol=1e-10))


@dataclass
class Selection:
    """The result of a selection: ``best`` indexes ``points``."""

    best: int
    points: list
    response: str
    delta: float
    alpha: float
    n0: int
    h: float
    replicas: list          # N_i per design point
    means: list
    stds: list              # first-stage standard deviations

    @property
    def best_point(self) -> dict:
        return self.points[self.best]

    def table(self) -> str:
        lines = [f"Rinott selection on {self.response}: P(correct) >= {1 - self.alpha:g} when the best is at least "
                 f"{self.delta:g} better; n0 = {self.n0}, h = {self.h:.4f}"]
        for i, p in enumerate(self.points):
            mark = " *" if i == self.best else ""
            lines.append(f"  {designs.describe(p):<50} N = {self.replicas[i]:>6}  mean {self.means[i]:.5g}"
                         f"  (stage-1 sd {self.stds[i]:.3g}){mark}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{designs.describe(p)}</td><td>{n}</td><td>{m:.5g}</td><td>{'best' if i == self.best else ''}"
                       f"</td></tr>" for i, (p, n, m) in enumerate(zip(self.points, self.replicas, self.means)))
        return (f"<p>Rinott selection on {self.response} (1-α = {1 - self.alpha:g}, δ = {self.delta:g}, "
                f"h = {self.h:.4f})</p><table><tr><th>design point</th><th>N</th><th>mean</th><th></th></tr>{rows}</table>")


def select_best(experiment, delta: float, *, response: str | None = None, alpha: float = 0.05, n0: int = 20,
                horizon: float = 8 * 3600.0, warmup: float = 0.0, seed: int = 0, device=None, dt=None,
                cluster=None, max_replicas: int = 100000, policy=None) -> Selection:
    """Rinott's procedure over the design points of ``experiment`` (a twin.study.Experiment)
    on ``response`` (default: its first; larger is better for throughput-like responses, smaller
    otherwise). ``delta``: the smallest difference worth detecting, in the response's unit."""
    from .cluster import executor
    from .experiment import _check_settings
    response = response or experiment.responses[0]
    resp.check(experiment.plant, [response])
    if resp.quantile_of(response) is not None:
        raise TwinError(f"selection needs a response with one value per replica; '{response}' is a pooled quantile")
    if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0 or not math.isfinite(delta):
        raise TwinError(f"delta (the indifference zone) must be a positive number, got {delta!r}")
    if not (isinstance(alpha, float) and 0 < alpha < 1 - 1.0 / max(2, len(experiment.points))):
        raise TwinError(f"alpha must be in (0, 1 - 1/k), got {alpha!r}")
    _check_settings(n0, horizon, warmup, seed, None, max_replicas)
    k = len(experiment.points)
    h = rinott_h(k, n0, 1.0 - alpha) if k > 1 else 0.0
    dt = experiment.common_dt(dt)
    rs = RunSettings([response], float(horizon), float(warmup), device, dt, policy)
    ex = executor(cluster, experiment.plant, rs)
    sign = 1.0 if resp.maximise(response) else -1.0
    try:
        first = list(ex.map([Task(p, experiment.points[p], 0, n0, block_seed(seed, 0, p)) for p in range(k)]))
        vals = {b.point: b.values[response] for b in first}
        stds = [float(np.std(vals[p], ddof=1)) for p in range(k)]
        need = [min(max_replicas, max(n0, math.ceil((h * s / delta) ** 2))) for s in stds]
        second = list(ex.map([Task(p, experiment.points[p], 1, need[p] - n0, block_seed(seed, 1, p))
                         for p in range(k) if need[p] > n0]))
        for b in second:
            vals[b.point] = np.concatenate([vals[b.point], b.values[response]])
    finally:
        ex.close()
    means = [ci(vals[p])["mean"] for p in range(k)]
    best = int(np.argmax([sign * m for m in means]))
    return Selection(best, experiment.points, response, float(delta), alpha, n0, h, need, means, stds)
