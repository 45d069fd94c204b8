"""Random durations: process times, interarrival times, times to failure and to repair.

Each distribution knows its mean and coefficient of variation (used for validation, the default
time step and reports), checks its own parameters, samples itself with numpy (used by the SimPy
reference model and by tests, never by the simulator) and encodes itself for the Warp kernels,
which sample it with their own counter-based generator (``kernels/distributions.py``).

All times are in seconds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .errors import PlantError, nearest

# Kernel codes; kernels/distributions.py switches on these.
DETERMINISTIC, EXPONENTIAL, UNIFORM, TRIANGULAR, TRUNCATED_NORMAL, LOGNORMAL, GAMMA, EMPIRICAL, WEIBULL = range(9)


def _positive(value, key: str) -> float:
    v = _number(value, key)
    if not v > 0 or math.isinf(v):
        raise PlantError(f"must be a positive finite number of seconds, got {value!r}", key=key)
    return v


def _non_negative(value, key: str) -> float:
    v = _number(value, key)
    if v < 0 or math.isinf(v):
        raise PlantError(f"must be a non-negative finite number, got {value!r}", key=key)
    return v


NOT_TIMES = ("cv", "k", "shape")  # the parameters that are not durations


def _number(value, key: str) -> float:
    if isinstance(value, str) and key not in NOT_TIMES:  # "30 min", "45 s": durations with a unit
        from .units import api_quantity
        value = api_quantity(value, "time", key=key)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise PlantError(f"must be a number, got {type(value).__name__} {value!r}", key=key)
    v = float(value)
    if math.isnan(v):
        raise PlantError("must be a number, got NaN", key=key)
    return v


class Distribution:
    """Base class. Subclasses are frozen dataclasses whose fields are their parameters."""

    name: ClassVar[str]
    code: ClassVar[int]
    time_keys: ClassVar[tuple[str, ...]]  # parameters measured in seconds (scene units apply)
    # the time left does not depend on the time already elapsed (exponential): a snapshot needs no
    # elapsed time for it (the kinds' snapshot checks ask this, never the family's name)
    memoryless: ClassVar[bool] = False

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def std(self) -> float:
        raise NotImplementedError

    @property
    def cv(self) -> float:
        return self.std / self.mean if self.mean > 0 else 0.0

    def sample(self, rng: np.random.Generator, size=None):
        """Draws with numpy (for reference models and tests)."""
        raise NotImplementedError

    def kernel_params(self) -> tuple[float, float, float, float]:
        """Four float64 parameters as kernels/distributions.py reads them."""
        raise NotImplementedError

    def kernel_table(self) -> np.ndarray:
        return np.zeros(0)

    def to_dict(self) -> dict:
        d = {"dist": self.name}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.to_dict().items() if k != "dist")
        return f"{self.name}({args})"

    def user_repr(self) -> str:
        """The call a user writes, e.g. ``LogNormal(mean=28, cv=0.1)`` (it builds an equal
        distribution; times in seconds)."""
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.to_dict().items() if k != "dist")
        return f"{type(self).__name__}({args})"


def _short(v) -> str:
    """A number as written by hand: 28 rather than 28.0; lists of them."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


@dataclass(frozen=True)
class Deterministic(Distribution):
    value: float
    name: ClassVar[str] = "deterministic"
    code: ClassVar[int] = DETERMINISTIC
    time_keys: ClassVar[tuple[str, ...]] = ("value",)

    def __post_init__(self):
        object.__setattr__(self, "value", _positive(self.value, "value"))

    mean = property(lambda self: self.value)
    std = property(lambda self: 0.0)

    def sample(self, rng, size=None):
        return np.full(size, self.value) if size is not None else self.value

    def kernel_params(self):
        return (self.value, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Exponential(Distribution):
    mean_: float
    name: ClassVar[str] = "exponential"
    code: ClassVar[int] = EXPONENTIAL
    time_keys: ClassVar[tuple[str, ...]] = ("mean",)
    memoryless: ClassVar[bool] = True

    def __init__(self, mean: float):
        object.__setattr__(self, "mean_", _positive(mean, "mean"))

    mean = property(lambda self: self.mean_)
    std = property(lambda self: self.mean_)

    def sample(self, rng, size=None):
        return rng.exponential(self.mean_, size)

    def kernel_params(self):
        return (self.mean_, 0.0, 0.0, 0.0)

    def to_dict(self):
        return {"dist": self.name, "mean": self.mean_}


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float
    name: ClassVar[str] = "uniform"
    code: ClassVar[int] = UNIFORM
    time_keys: ClassVar[tuple[str, ...]] = ("low", "high")

    def __post_init__(self):
        lo, hi = _non_negative(self.low, "low"), _positive(self.high, "high")
        if not lo < hi:
            raise PlantError(f"must be greater than low ({lo}), got {hi}", key="high")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    mean = property(lambda self: 0.5 * (self.low + self.high))
    std = property(lambda self: (self.high - self.low) / math.sqrt(12.0))

    def sample(self, rng, size=None):
        return rng.uniform(self.low, self.high, size)

    def kernel_params(self):
        return (self.low, self.high, 0.0, 0.0)


@dataclass(frozen=True)
class Triangular(Distribution):
    low: float
    mode: float
    high: float
    name: ClassVar[str] = "triangular"
    code: ClassVar[int] = TRIANGULAR
    time_keys: ClassVar[tuple[str, ...]] = ("low", "mode", "high")

    def __post_init__(self):
        lo, mo, hi = (_non_negative(self.low, "low"), _non_negative(self.mode, "mode"),
                      _positive(self.high, "high"))
        if not (lo <= mo <= hi and lo < hi):
            raise PlantError(f"needs low <= mode <= high and low < high, got {lo}, {mo}, {hi}", key="mode")
        for k, v in (("low", lo), ("mode", mo), ("high", hi)):
            object.__setattr__(self, k, v)

    mean = property(lambda self: (self.low + self.mode + self.high) / 3.0)

    @property
    def std(self):
        a, c, b = self.low, self.mode, self.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)

    def sample(self, rng, size=None):
        return rng.triangular(self.low, self.mode, self.high, size)

    def kernel_params(self):
        return (self.low, self.mode, self.high, 0.0)


@dataclass(frozen=True)
class TruncatedNormal(Distribution):
    """A normal(mu, sigma) restricted to [low, high] (by rejection). ``mean`` and ``std`` of the
    object are those of the truncated variable; ``mu`` and ``sigma`` those of the parent normal."""

    mu: float
    sigma: float
    low: float = 0.0
    high: float = math.inf
    name: ClassVar[str] = "truncated_normal"
    code: ClassVar[int] = TRUNCATED_NORMAL
    time_keys: ClassVar[tuple[str, ...]] = ("mu", "sigma", "low", "high")

    def __post_init__(self):
        mu = _positive(self.mu, "mu")
        sigma = _positive(self.sigma, "sigma")
        lo = _non_negative(self.low, "low")
        hi = float(self.high) if self.high is not None else math.inf
        if not hi > lo:
            raise PlantError(f"must be greater than low ({lo}), got {hi}", key="high")
        a, b = (lo - mu) / sigma, (hi - mu) / sigma
        if _phi_cdf(b) - _phi_cdf(a) < 1e-3:
            raise PlantError(f"the interval [{lo}, {hi}] holds less than 0.1% of normal({mu}, {sigma}); "
                             "rejection sampling would stall", key="low")
        for k, v in (("mu", mu), ("sigma", sigma), ("low", lo), ("high", hi)):
            object.__setattr__(self, k, v)

    def _ab(self):
        return (self.low - self.mu) / self.sigma, (self.high - self.mu) / self.sigma

    @property
    def mean(self):
        a, b = self._ab()
        z = _phi_cdf(b) - _phi_cdf(a)
        return self.mu + self.sigma * (_phi_pdf(a) - _phi_pdf(b)) / z

    @property
    def std(self):
        a, b = self._ab()
        z = _phi_cdf(b) - _phi_cdf(a)
        pa, pb = _phi_pdf(a), _phi_pdf(b)
        ta = a * pa if math.isfinite(a) else 0.0
        tb = b * pb if math.isfinite(b) else 0.0
        var = self.sigma ** 2 * (1 + (ta - tb) / z - ((pa - pb) / z) ** 2)
        return math.sqrt(max(var, 0.0))

    def sample(self, rng, size=None):
        n = 1 if size is None else int(np.prod(size))
        out = np.empty(0)
        while out.size < n:
            x = rng.normal(self.mu, self.sigma, 2 * n + 16)
            out = np.concatenate([out, x[(x >= self.low) & (x <= self.high)]])
        out = out[:n]
        return float(out[0]) if size is None else out.reshape(size)

    def kernel_params(self):
        return (self.mu, self.sigma, self.low, self.high if math.isfinite(self.high) else 1e300)

    def to_dict(self):
        d = {"dist": self.name, "mu": self.mu, "sigma": self.sigma, "low": self.low}
        if math.isfinite(self.high):
            d["high"] = self.high
        return d


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Lognormal given its own mean and coefficient of variation (not those of the log)."""

    mean_: float
    cv_: float
    name: ClassVar[str] = "lognormal"
    code: ClassVar[int] = LOGNORMAL
    time_keys: ClassVar[tuple[str, ...]] = ("mean",)

    def __init__(self, mean: float, cv: float):
        object.__setattr__(self, "mean_", _positive(mean, "mean"))
        object.__setattr__(self, "cv_", _positive(cv, "cv"))

    mean = property(lambda self: self.mean_)
    std = property(lambda self: self.mean_ * self.cv_)
    cv = property(lambda self: self.cv_)

    def log_params(self) -> tuple[float, float]:
        s2 = math.log1p(self.cv_ ** 2)
        return math.log(self.mean_) - 0.5 * s2, math.sqrt(s2)

    def sample(self, rng, size=None):
        mu, s = self.log_params()
        return rng.lognormal(mu, s, size)

    def kernel_params(self):
        mu, s = self.log_params()
        return (mu, s, 0.0, 0.0)

    def to_dict(self):
        return {"dist": self.name, "mean": self.mean_, "cv": self.cv_}


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma given its mean and coefficient of variation (shape = 1/cv²). ``Erlang(k, mean)`` is
    the gamma with integer shape k."""

    mean_: float
    cv_: float
    name: ClassVar[str] = "gamma"
    code: ClassVar[int] = GAMMA
    time_keys: ClassVar[tuple[str, ...]] = ("mean",)

    def __init__(self, mean: float, cv: float):
        object.__setattr__(self, "mean_", _positive(mean, "mean"))
        cv = _positive(cv, "cv")
        if 1.0 / cv ** 2 < 0.01:
            raise PlantError(f"cv {cv} gives a gamma shape below 0.01; use cv <= 10", key="cv")
        object.__setattr__(self, "cv_", cv)

    mean = property(lambda self: self.mean_)
    std = property(lambda self: self.mean_ * self.cv_)
    cv = property(lambda self: self.cv_)
    shape = property(lambda self: 1.0 / self.cv_ ** 2)
    scale = property(lambda self: self.mean_ / self.shape)

    def sample(self, rng, size=None):
        return rng.gamma(self.shape, self.scale, size)

    def kernel_params(self):
        return (self.shape, self.scale, 0.0, 0.0)

    def to_dict(self):
        return {"dist": self.name, "mean": self.mean_, "cv": self.cv_}


def Erlang(k: int, mean: float) -> Gamma:
    """Erlang-k with the given mean: a gamma with shape k (cv = 1/sqrt(k))."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise PlantError(f"must be an integer >= 1, got {k!r}", key="k")
    return Gamma(mean, 1.0 / math.sqrt(int(k)))


@dataclass(frozen=True)
class Weibull(Distribution):
    """Weibull with shape beta and scale eta (seconds): mean = eta * Gamma(1 + 1/beta)."""

    shape: float
    scale: float
    name: ClassVar[str] = "weibull"
    code: ClassVar[int] = WEIBULL
    time_keys: ClassVar[tuple[str, ...]] = ("scale",)

    def __post_init__(self):
        shape = _positive(self.shape, "shape")
        if shape < 0.05:
            raise PlantError(f"must be at least 0.05, got {shape}", key="shape")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "scale", _positive(self.scale, "scale"))

    mean = property(lambda self: self.scale * math.gamma(1.0 + 1.0 / self.shape))

    @property
    def std(self):
        g1 = math.gamma(1.0 + 1.0 / self.shape)
        g2 = math.gamma(1.0 + 2.0 / self.shape)
        return self.scale * math.sqrt(max(g2 - g1 * g1, 0.0))

    def sample(self, rng, size=None):
        return self.scale * rng.weibull(self.shape, size)

    def kernel_params(self):
        return (self.shape, self.scale, 0.0, 0.0)


@dataclass(frozen=True)
class Empirical(Distribution):
    """Draws one of the observed samples, each with equal probability."""

    samples: tuple
    name: ClassVar[str] = "empirical"
    code: ClassVar[int] = EMPIRICAL
    time_keys: ClassVar[tuple[str, ...]] = ("samples",)

    def __post_init__(self):
        vals = self.samples
        if isinstance(vals, (str, bytes)) or not hasattr(vals, "__iter__"):
            raise PlantError(f"must be a list of durations, got {vals!r}", key="samples")
        out = tuple(_non_negative(v, "samples") for v in vals)
        if not out:
            raise PlantError("must hold at least one duration", key="samples")
        if not sum(out) > 0:
            raise PlantError("must hold at least one positive duration", key="samples")
        object.__setattr__(self, "samples", out)

    mean = property(lambda self: float(np.mean(self.samples)))
    std = property(lambda self: float(np.std(self.samples)))

    def sample(self, rng, size=None):
        return rng.choice(np.asarray(self.samples), size)

    def kernel_params(self):
        return (float(len(self.samples)), 0.0, 0.0, 0.0)

    def kernel_table(self):
        return np.asarray(self.samples, dtype=np.float64)


def _phi_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi) if math.isfinite(x) else 0.0


def _phi_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# Scene-file names and their parameters. Aliases map to the canonical name.
_BUILDERS = {
    "deterministic": (lambda p: Deterministic(p["value"]), ("value",)),
    "exponential": (lambda p: Exponential(p["mean"]), ("mean",)),
    "uniform": (lambda p: Uniform(p["low"], p["high"]), ("low", "high")),
    "triangular": (lambda p: Triangular(p["low"], p["mode"], p["high"]), ("low", "mode", "high")),
    "truncated_normal": (lambda p: TruncatedNormal(p["mu"], p["sigma"], p.get("low", 0.0),
                                                   p.get("high", math.inf)), ("mu", "sigma", "low", "high")),
    "lognormal": (lambda p: LogNormal(p["mean"], p["cv"]), ("mean", "cv")),
    "gamma": (lambda p: Gamma(p["mean"], p["cv"]), ("mean", "cv")),
    "erlang": (lambda p: Erlang(p["k"], p["mean"]), ("k", "mean")),
    "weibull": (lambda p: Weibull(p["shape"], p["scale"]), ("shape", "scale")),
    "empirical": (lambda p: Empirical(tuple(p["samples"])), ("samples",)),
}
_ALIASES = {"constant": "deterministic", "exp": "exponential", "normal": "truncated_normal",
            "tnormal": "truncated_normal"}
_OPTIONAL = {"truncated_normal": {"low", "high"}}
# Keys measured in seconds, per scene name (erlang shares gamma's).
TIME_KEYS = {"deterministic": ("value",), "exponential": ("mean",), "uniform": ("low", "high"),
             "triangular": ("low", "mode", "high"), "truncated_normal": ("mu", "sigma", "low", "high"),
             "lognormal": ("mean",), "gamma": ("mean",), "erlang": ("mean",), "weibull": ("scale",),
             "empirical": ("samples",)}
NAMES = tuple(_BUILDERS)


def canonical_name(name) -> str:
    if not isinstance(name, str):
        raise PlantError(f"must be a distribution name, got {name!r}; allowed: {', '.join(NAMES)}", key="dist")
    n = _ALIASES.get(name.lower(), name.lower())
    if n not in _BUILDERS:
        raise PlantError(f"unknown distribution '{name}'{nearest(name, list(NAMES) + list(_ALIASES))}; "
                         f"allowed: {', '.join(NAMES)}", key="dist")
    return n


def from_dict(spec) -> Distribution:
    """Builds a distribution from ``{"dist": name, param: value, ...}`` (values in seconds).

    A bare number is a deterministic duration.
    """
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return Deterministic(spec)
    if not isinstance(spec, dict):
        raise PlantError(f"must be a number of seconds or a table with 'dist' and its parameters, got {spec!r}")
    if "dist" not in spec:
        raise PlantError(f"a distribution table needs 'dist' (one of {', '.join(NAMES)})", key="dist")
    name = canonical_name(spec["dist"])
    build, keys = _BUILDERS[name]
    for k in spec:
        if k != "dist" and k not in keys:
            raise PlantError(f"unknown parameter '{k}' for a {name} distribution{nearest(k, keys)}; "
                             f"allowed: {', '.join(keys)}", key=k)
    for k in keys:
        if k not in spec and k not in _OPTIONAL.get(name, ()):
            raise PlantError(f"a {name} distribution needs '{k}' (parameters: {', '.join(keys)})", key=k)
    return build(spec)


for _cls in (Deterministic, Exponential, Uniform, Triangular, TruncatedNormal, LogNormal, Gamma, Weibull, Empirical):
    _cls.__repr__ = Distribution.user_repr  # replaces the dataclass repr (mean_=...) by the user's call
