"""Sampling the duration distributions of twin/distributions.py, and rounding them to steps.

Every draw takes its uniforms from the element's own counter-based stream (rng.py) and advances
that stream's draw counter in State.draws.
"""

import warp as wp

from .loads import f64_at, f64_at4, int_at
from .layout import R_KEY, STREAMS, Distributions, Model, State
from .rng import keyed_uniform, replica_key

wp.set_module_options({"enable_backward": False})

DETERMINISTIC = wp.constant(0)
EXPONENTIAL = wp.constant(1)
UNIFORM = wp.constant(2)
TRIANGULAR = wp.constant(3)
TRUNCATED_NORMAL = wp.constant(4)
LOGNORMAL = wp.constant(5)
GAMMA = wp.constant(6)
EMPIRICAL = wp.constant(7)
WEIBULL = wp.constant(8)

TWO_PI = wp.constant(wp.float64(6.283185307179586))
ONE = wp.constant(wp.float64(1.0))
HALF = wp.constant(wp.float64(0.5))
LONGEST = wp.constant(wp.int64(2305843009213693952))  # 2**61 steps: the longest duration (twin/stepclock.py)
LONGEST_F = wp.constant(wp.float64(2305843009213693952.0))


@wp.func(inline=True)
def saturated_steps(n: wp.float64) -> wp.int64:
    """``n`` (a whole number of steps, or +inf / NaN) as int64, saturated at LONGEST.

    A duration of 2^61 steps or more cannot end inside any run (the simulator refuses horizons of
    2^61 steps or more), so LONGEST means "not within this run" exactly; a plain cast of a larger
    float would wrap around to a negative step and schedule the event in the past. LONGEST plus
    any step of a run stays below NEVER (2^62), far from int64 overflow."""
    if n < LONGEST_F:
        return wp.int64(n)
    return LONGEST


@wp.func(inline=True)
def set_row_key(s: State, r: int):
    """Writes row r's random key (``row_key``) into its R_KEY column: every engine kernel that may
    draw does so first. The key of replica r + replica0 of the run (the Control) (the first
    replica of the block being launched, twin/simulator.py), so a replica draws the same numbers
    however the replicas are split into blocks."""
    s.rep64[r, R_KEY] = wp.int64(replica_key(s.control[0].seed, r + s.control[0].replica0))


@wp.func(inline=True)
def row_key(s: State, r: int) -> wp.uint64:
    """The random key of row r of this launch, as ``set_row_key`` wrote it at the launch's start: a
    per-replica constant, read (one load) rather than computed again at every draw (two mix64 and
    two loads of the Control). Every ``seed`` argument below is such a key."""
    return wp.uint64(s.rep64[r, R_KEY])


@wp.func(inline=True)
def next_uniform(seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int, purpose: int) -> wp.float64:
    """The next uniform of element e's stream ``purpose`` (its draw counter advances); ``seed``:
    the replica's key (row_key), r: its row in ``draws``."""
    n = draws[r, e, purpose]
    draws[r, e, purpose] = n + wp.int64(1)
    return keyed_uniform(seed, e * STREAMS + purpose, n)


@wp.func(inline=True)
def box_muller(seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int, purpose: int) -> wp.float64:
    """Standard normal by Box-Muller (two uniforms, the sine partner is not kept)."""
    u1 = next_uniform(seed, draws, r, e, purpose)
    u2 = next_uniform(seed, draws, r, e, purpose)
    return wp.sqrt(wp.float64(-2.0) * wp.log(u1)) * wp.cos(TWO_PI * u2)


@wp.func
def next_normal(seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int, purpose: int) -> wp.float64:
    """Standard normal (box_muller) as a function of its own, for the callers outside the hot path."""
    return box_muller(seed, draws, r, e, purpose)


@wp.func
def next_gamma(seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int, purpose: int,
               shape: wp.float64) -> wp.float64:
    """Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 via Gamma(shape + 1) * U^(1/shape)."""
    a = shape
    boost = ONE
    if a < ONE:
        boost = wp.pow(next_uniform(seed, draws, r, e, purpose), ONE / a)
        a = a + ONE
    d = a - ONE / wp.float64(3.0)
    c = ONE / wp.sqrt(wp.float64(9.0) * d)
    while True:
        z = next_normal(seed, draws, r, e, purpose)
        v = ONE + c * z
        if v > wp.float64(0.0):
            v = v * v * v
            u = next_uniform(seed, draws, r, e, purpose)
            if wp.log(u) < HALF * z * z + d - d * v + d * wp.log(v):
                return d * v * boost
    return wp.float64(0.0)


@wp.func
def sample_rare(dists: Distributions, seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int,
                purpose: int, d: int, k: int) -> wp.float64:
    """A draw of the kinds of distribution ``sample_seconds`` leaves out of line (k: d's kind)."""
    a = f64_at4(dists.param, d, 0)
    b = f64_at4(dists.param, d, 1)
    c = f64_at4(dists.param, d, 2)
    if k == TRIANGULAR:  # low a, mode b, high c: inverse CDF
        u = next_uniform(seed, draws, r, e, purpose)
        f = (b - a) / (c - a)
        if u < f:
            return a + wp.sqrt(u * (c - a) * (b - a))
        return c - wp.sqrt((ONE - u) * (c - a) * (c - b))
    if k == TRUNCATED_NORMAL:  # mu a, sigma b, [c, param 3] by rejection
        hi = f64_at4(dists.param, d, 3)
        while True:
            x = a + b * next_normal(seed, draws, r, e, purpose)
            if x >= c and x <= hi:
                return x
    if k == GAMMA:  # shape a, scale b
        return b * next_gamma(seed, draws, r, e, purpose, a)
    if k == EMPIRICAL:  # one of a stored samples, equally likely
        n = int(a)
        i = int(next_uniform(seed, draws, r, e, purpose) * a)
        if i >= n:
            i = n - 1
        return f64_at(dists.table, int_at(dists.table_start, d) + i)
    if k == WEIBULL:  # shape a, scale b
        return b * wp.pow(-wp.log(next_uniform(seed, draws, r, e, purpose)), ONE / a)
    return wp.float64(0.0)


@wp.func(inline=True)
def sample_seconds(dists: Distributions, seed: wp.uint64, draws: wp.array3d(dtype=wp.int64), r: int, e: int,
                   purpose: int, d: int) -> wp.float64:
    """One draw of distribution ``d`` in seconds, from element ``e``'s stream ``purpose``.

    Inlined, with the common kinds in place (deterministic, exponential, lognormal, uniform) and
    the others in ``sample_rare``: a call of a function copies the structs and arrays it is given
    (by value), the Distributions and the draws array at every draw."""
    k = int_at(dists.kind, d)
    a = f64_at4(dists.param, d, 0)
    if k == DETERMINISTIC:
        return a
    if k == EXPONENTIAL:
        return -a * wp.log(next_uniform(seed, draws, r, e, purpose))
    b = f64_at4(dists.param, d, 1)
    if k == LOGNORMAL:  # a, b: mean and sd of the log
        return wp.exp(a + b * box_muller(seed, draws, r, e, purpose))
    if k == UNIFORM:
        return a + (b - a) * next_uniform(seed, draws, r, e, purpose)
    return sample_rare(dists, seed, draws, r, e, purpose, d, k)


@wp.func(inline=True)
def sample_steps(m: Model, s: State, r: int, e: int, purpose: int, d: int) -> wp.int64:
    """A duration in whole steps, at least one and at most LONGEST (see saturated_steps). The rounding residual of each stream is carried to
    its next draw (error diffusion), so the stream's total time stays within half a step of the
    exact sum and mean durations are not biased by the step size."""
    x = sample_seconds(m.dists, row_key(s, r), s.draws, r, e, purpose, wp.max(d, 0)) * m.steps_per_second + \
        s.carry[r, e, purpose]
    n = wp.floor(x + HALF)
    if n < ONE:
        n = ONE
    if not (n < LONGEST_F):  # beyond any horizon (or not a number): saturate, keep the residual
        return LONGEST
    s.carry[r, e, purpose] = wp.clamp(x - n, -HALF, HALF)
    return wp.int64(n)
