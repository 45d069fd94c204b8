"""Remaining-useful-life (RUL) estimation from run-to-failure sensor histories (numpy only).

The estimator is generic: it is fit on a list of per-unit arrays of shape
``(n_steps, n_channels)`` whose last row is the failure, and predicts the RUL (in steps: cycles
for C-MAPSS, samples for twin's sensor records) at the last row of each given series, which may
stop any time before failure.

Method (see ``docs/rul.md``):

1. Channel selection, learned on the training data: channels whose standard deviation is
   negligible are dropped, then channels whose absolute Pearson correlation with the capped
   time-to-failure is below ``min_corr``.
2. Training-set standardisation of the kept channels (never per unit: a unit's own statistics
   would leak its future).
3. Features, per kept channel: from the trailing ``window`` rows, the mean, exponentially
   weighted means (``halflives``) and the least-squares slope; from the whole history seen so
   far, exponentially weighted means with long half-lives (``history_halflives``); plus the age
   of the unit (rows seen so far). All are causal: a row's features use no later row.
4. Target: the piecewise-linear RUL ``min(steps to failure, cap)``.
5. Model: an ensemble of small multilayer perceptrons trained with Adam on the mean squared
   error (``hidden=()`` gives ridge regression instead), predictions averaged and clipped to
   ``[0, cap]``.

Everything is deterministic given ``seed``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Sequence

import numpy as np

FORMAT_VERSION = 1

#: BLAS threads used while fitting and predicting (None: leave the BLAS library alone). The
#: matrices of these small networks are tiny; on a busy 2-core machine a multi-threaded
#: OpenBLAS spends its time synchronising (measured: 48 s instead of 8 s for a fit on FD001).
BLAS_THREADS: int | None = 1


# ------------------------------------------------------------------------- BLAS threads

_blas_handles: list | None = None


def _openblas_handles() -> list:
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (found via
    /proc/self/maps; an empty list where that is unavailable, e.g. off Linux)."""
    global _blas_handles
    if _blas_handles is not None:
        return _blas_handles
    handles = []
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/self/maps") as fh:
                paths = {line.split()[-1] for line in fh
                         if "openblas" in line.rsplit("/", 1)[-1].lower() and "/" in line}
            for path in sorted(paths):
                lib = ctypes.CDLL(path)
                for prefix in ("scipy_openblas", "openblas"):
                    for suffix in ("64_", ""):
                        get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                        set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                        if get is not None and set_ is not None:
                            get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                            handles.append((get, set_))
                            break
                    else:
                        continue
                    break
    except OSError:
        handles = []
    _blas_handles = handles
    return handles


@contextmanager
def _blas_threads(n: int | None):
    """Run the block with OpenBLAS limited to ``n`` threads (no-op when ``n`` is None or no
    OpenBLAS is found), restoring the previous counts afterwards."""
    handles = _openblas_handles() if n is not None else []
    before = [get() for get, _ in handles]
    try:
        for _, set_ in handles:
            set_(int(n))
        yield
    finally:
        for (_, set_), k in zip(handles, before):
            set_(k)


# ---------------------------------------------------------------------------------- metrics

def _pair(pred, true) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, dtype=np.float64).reshape(-1)
    t = np.asarray(true, dtype=np.float64).reshape(-1)
    if p.shape != t.shape:
        raise ValueError(f"pred and true differ in length: {p.size} vs {t.size}")
    if p.size == 0:
        raise ValueError("pred and true are empty")
    return p, t


def rmse(pred, true) -> float:
    """Root mean squared error between predicted and true RUL."""
    p, t = _pair(pred, true)
    return float(np.sqrt(np.mean((p - t) ** 2)))


def phm08_score(pred, true) -> float:
    """The asymmetric PHM08 challenge score (lower is better): with d = pred - true,
    s = sum(exp(-d/13) - 1) over early predictions (d < 0) and sum(exp(d/10) - 1) over late
    ones (d >= 0). Late predictions are penalised more."""
    p, t = _pair(pred, true)
    d = p - t
    return float(np.sum(np.where(d < 0, np.expm1(-d / 13.0), np.expm1(d / 10.0))))


def capped_rul(n_steps: int, cap: float = 125.0) -> np.ndarray:
    """Piecewise-linear target of a run-to-failure unit of ``n_steps`` rows: the number of
    steps left to the last row (0 there), capped at ``cap``."""
    return np.minimum(np.arange(n_steps - 1, -1, -1, dtype=np.float64), float(cap))


# ------------------------------------------------------------------------- input checking

def _as_units(units, what: str, n_channels: int | None = None) -> list[np.ndarray]:
    if isinstance(units, np.ndarray):
        raise ValueError(f"{what}: expected a list of per-unit arrays of shape (n_steps, n_channels), "
                         f"got a single array of shape {units.shape}; for one unit pass [array]")
    try:
        units = list(units)
    except TypeError:
        raise ValueError(f"{what}: expected a list of per-unit arrays, got {type(units).__name__}") from None
    if not units:
        raise ValueError(f"{what}: empty list, need at least one unit")
    out = []
    for i, u in enumerate(units):
        try:
            a = np.asarray(u, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what}: unit {i} is not a numeric array ({exc})") from None
        if a.ndim != 2:
            raise ValueError(f"{what}: unit {i} has shape {a.shape}, expected (n_steps, n_channels)")
        if a.shape[1] == 0:
            raise ValueError(f"{what}: unit {i} has no channels")
        if n_channels is None:
            n_channels = a.shape[1]
        elif a.shape[1] != n_channels:
            raise ValueError(f"{what}: unit {i} has {a.shape[1]} channels, expected {n_channels} "
                             f"(as unit 0 / the training data)")
        if not np.all(np.isfinite(a)):
            rows, cols = np.nonzero(~np.isfinite(a))
            raise ValueError(f"{what}: unit {i} contains NaN or infinite values "
                             f"(first at row {rows[0]}, channel {cols[0]}); impute or drop them first")
        out.append(a)
    return out


# ------------------------------------------------------------------------------- features

def _window_weights(window: int, halflives: Sequence[float]) -> np.ndarray:
    """(window, n_stats) weights: mean, EW means (normalised within the window), OLS slope."""
    k = np.arange(window, dtype=np.float64)  # 0 = oldest row of the window
    cols = [np.full(window, 1.0 / window)]
    for h in halflives:
        w = 0.5 ** ((window - 1 - k) / float(h))
        cols.append(w / w.sum())
    kc = k - k.mean()
    cols.append(kc / np.sum(kc ** 2))
    return np.stack(cols, axis=1)


def _history_ewm(x: np.ndarray, halflife: float, ends: np.ndarray) -> np.ndarray:
    """Exponentially weighted mean of all rows up to each of ``ends`` (weights normalised
    over the rows available, so a short history is not biased towards zero)."""
    a = 0.5 ** (1.0 / halflife)
    if len(ends) == 1:
        e = int(ends[0])
        w = a ** np.arange(e, -1, -1, dtype=np.float64)
        return (w @ x[:e + 1] / w.sum())[None, :]
    s = np.zeros(x.shape[1])
    wsum = 0.0
    out = np.empty_like(x)
    for t in range(len(x)):
        s = a * s + x[t]
        wsum = a * wsum + 1.0
        out[t] = s / wsum
    return out[ends]


def _unit_features(x: np.ndarray, weights: np.ndarray, rows: np.ndarray | None, age: bool,
                   age_scale: float, history_halflives: Sequence[float] = ()) -> np.ndarray:
    """Features at the given row indices (default: every row with a full window) of one unit.

    ``x`` is the standardised ``(n, c)`` array; returns ``(n_rows, n_features)``."""
    window = weights.shape[0]
    win = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (n-w+1, c, w)
    ends = np.arange(window - 1, x.shape[0]) if rows is None else np.asarray(rows)
    win = win[ends - (window - 1)]
    parts = [(win @ weights).reshape(len(ends), -1)]  # (rows, c * n_stats), channel-major
    for h in history_halflives:
        parts.append(_history_ewm(x, h, ends))
    if age:
        parts.append(((ends + 1) / age_scale)[:, None])
    return np.concatenate(parts, axis=1)


# ---------------------------------------------------------------------------------- models

def _ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    xm, ym = X.mean(axis=0), y.mean()
    Xc = X - xm
    A = Xc.T @ Xc + alpha * len(X) * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (y - ym))
    return w, float(ym - xm @ w)


def _mlp_init(sizes: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params.append(rng.normal(0.0, np.sqrt(2.0 / a), size=(a, b)))
        params.append(np.zeros(b))
    return params


def _mlp_forward(params: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    h = X.astype(params[0].dtype)
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < n_layers - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def _mlp_train(X: np.ndarray, y: np.ndarray, hidden: Sequence[int], epochs: int, batch: int,
               lr: float, weight_decay: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Train a ReLU MLP on squared error with Adam (decoupled weight decay on the weights),
    the learning rate decaying linearly to 10 % over the epochs."""
    X = X.astype(np.float32)
    y = y.astype(np.float32)
    params = [p.astype(np.float32) for p in _mlp_init([X.shape[1], *hidden, 1], rng)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    n = len(X)
    n_layers = len(params) // 2
    step = 0
    total = epochs * max(1, -(-n // batch))
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            xb, yb = X[idx], y[idx]
            acts = [xb]
            h = xb
            for i in range(n_layers):
                h = h @ params[2 * i] + params[2 * i + 1]
                if i < n_layers - 1:
                    h = np.maximum(h, 0.0)
                    acts.append(h)
            g = (np.float32(2.0 / len(idx)) * (h[:, 0] - yb))[:, None]
            grads = [None] * len(params)
            for i in range(n_layers - 1, -1, -1):
                grads[2 * i] = acts[i].T @ g
                grads[2 * i + 1] = g.sum(axis=0)
                if i > 0:
                    g = (g @ params[2 * i].T) * (acts[i] > 0)
            step += 1
            lr_t = lr * (1.0 - 0.9 * step / total)
            c1, c2 = 1.0 - b1 ** step, 1.0 - b2 ** step
            for j, (p, gr) in enumerate(zip(params, grads)):
                m[j] *= b1
                m[j] += (1 - b1) * gr
                v[j] *= b2
                v[j] += (1 - b2) * gr * gr
                if j % 2 == 0 and weight_decay:
                    p *= np.float32(1.0 - lr_t * weight_decay)
                p -= np.float32(lr_t / c1) * m[j] / (np.sqrt(v[j] / np.float32(c2)) + np.float32(eps))
    return params


# ------------------------------------------------------------------------------- estimator

@dataclass
class RULEstimator:
    """Remaining-useful-life estimator fit on run-to-failure histories.

    Parameters
    ----------
    window: rows of history each prediction looks at (series must have at least this many).
    cap: the piecewise-linear target is ``min(steps to failure, cap)``; predictions lie in
        ``[0, cap]``.
    halflives: half-lives (rows) of the exponentially weighted means computed in the window.
    history_halflives: half-lives (rows) of exponentially weighted means over the whole
        history seen so far (weights normalised over the rows available).
    use_age: add the number of rows seen so far (assumes each series starts at the unit's
        installation, as in C-MAPSS and twin's sensor records).
    min_rel_std: drop channels whose standard deviation is below this fraction of
        ``max(1, |mean|)``.
    min_corr: drop channels whose |correlation| with the capped target is below this.
    hidden: hidden layer widths of each MLP; ``()`` selects ridge regression (a single
        model; ``n_models`` and the Adam settings are then unused).
    n_models: MLPs in the ensemble (each with its own initialisation and batch order).
    epochs, batch, lr, weight_decay: Adam training of each MLP.
    ridge_alpha: L2 penalty of the ridge model (``hidden=()``), per sample.
    seed: seeds every random choice; equal seeds give identical fits.
    """

    window: int = 30
    cap: float = 125.0
    halflives: tuple[float, ...] = (3.0, 10.0)
    use_age: bool = True
    history_halflives: tuple[float, ...] = (40.0,)
    min_rel_std: float = 1e-9
    min_corr: float = 0.2
    hidden: tuple[int, ...] = (64, 32)
    n_models: int = 5
    epochs: int = 80
    batch: int = 512
    lr: float = 4e-3
    weight_decay: float = 1e-4
    ridge_alpha: float = 1e-3
    seed: int = 0

    # fitted state
    channel_names_: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    selected_: np.ndarray | None = field(default=None, init=False, repr=False)
    channel_mean_: np.ndarray | None = field(default=None, init=False, repr=False)
    channel_std_: np.ndarray | None = field(default=None, init=False, repr=False)
    channel_corr_: np.ndarray | None = field(default=None, init=False, repr=False)
    feature_mean_: np.ndarray | None = field(default=None, init=False, repr=False)
    feature_std_: np.ndarray | None = field(default=None, init=False, repr=False)
    models_: list | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self.halflives = tuple(float(h) for h in self.halflives)
        self.history_halflives = tuple(float(h) for h in self.history_halflives)
        self.hidden = tuple(int(h) for h in self.hidden)
        if int(self.window) < 2:
            raise ValueError(f"window must be an integer >= 2, got {self.window!r}")
        self.window = int(self.window)
        if not self.cap > 0:
            raise ValueError(f"cap must be positive, got {self.cap!r}")
        if any(h <= 0 for h in self.halflives + self.history_halflives):
            raise ValueError(f"halflives and history_halflives must be positive, got "
                             f"{self.halflives!r}, {self.history_halflives!r}")
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden layer widths must be >= 1, got {self.hidden!r}")
        if int(self.n_models) < 1 or int(self.epochs) < 1 or int(self.batch) < 1:
            raise ValueError("n_models, epochs and batch must be >= 1")

    # -- public API -------------------------------------------------------------------

    @property
    def is_fitted(self) -> bool:
        return self.models_ is not None

    @property
    def params(self) -> dict:
        """The constructor parameters."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    @property
    def selected_channels(self) -> list[str]:
        """Names of the channels kept by fit()."""
        self._check_fitted()
        return [self.channel_names_[i] for i in self.selected_]

    def fit(self, units, channel_names: Sequence[str] | None = None) -> "RULEstimator":
        """Fit on run-to-failure histories: ``units[i]`` is ``(n_steps, n_channels)`` and its
        last row is the failure."""
        with _blas_threads(BLAS_THREADS):
            return self._fit(units, channel_names)

    def _fit(self, units, channel_names) -> "RULEstimator":
        units = _as_units(units, "fit")
        n_ch = units[0].shape[1]
        names = self._names(channel_names, n_ch)
        for i, u in enumerate(units):
            if len(u) < self.window:
                raise ValueError(f"fit: unit {i} has {len(u)} rows, shorter than window={self.window}")
        rng = np.random.default_rng(self.seed)

        # channel selection on the raw rows
        allx = np.concatenate(units)
        ally = np.concatenate([capped_rul(len(u), self.cap) for u in units])
        mean, std = allx.mean(axis=0), allx.std(axis=0)
        varying = std > self.min_rel_std * np.maximum(1.0, np.abs(mean))
        corr = np.zeros(n_ch)
        if ally.std() > 0:
            xc = (allx[:, varying] - mean[varying]) / std[varying]
            corr[varying] = (xc * ((ally - ally.mean()) / ally.std())[:, None]).mean(axis=0)
        keep = np.flatnonzero(varying & (np.abs(corr) >= self.min_corr))
        if keep.size == 0:
            raise ValueError(f"fit: no channel varies and correlates with time to failure "
                             f"(|corr| >= min_corr={self.min_corr}); max |corr| = {np.abs(corr).max():.3f}")
        self.channel_names_, self.selected_ = names, keep
        self.channel_mean_, self.channel_std_, self.channel_corr_ = mean, std, corr

        X, y = self._features(units, rows="all", targets=True)
        self.feature_mean_ = X.mean(axis=0)
        self.feature_std_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        Xs = (X - self.feature_mean_) / self.feature_std_
        ys = y / self.cap
        models = []
        if not self.hidden:
            models.append(_ridge(Xs, ys, self.ridge_alpha))
        else:
            for k in range(int(self.n_models)):
                sub = np.random.default_rng(rng.integers(2 ** 63))
                models.append(_mlp_train(Xs, ys, self.hidden, int(self.epochs), int(self.batch),
                                         float(self.lr), float(self.weight_decay), sub))
        self.models_ = models
        return self

    def predict(self, series) -> np.ndarray:
        """RUL (steps) at the last row of each series; ``series[i]`` is ``(n_steps, n_channels)``
        with at least ``window`` rows."""
        self._check_fitted()
        series = _as_units(series, "predict", len(self.channel_names_))
        for i, u in enumerate(series):
            if len(u) < self.window:
                raise ValueError(f"predict: series {i} has {len(u)} rows, shorter than "
                                 f"window={self.window}; the estimator needs {self.window} rows of history")
        X = self._features(series, rows="last")
        return self._predict_features(X)

    def predict_all(self, series) -> list[np.ndarray]:
        """RUL at every row of each series that has a full window behind it
        (``nan`` for the first ``window - 1`` rows)."""
        self._check_fitted()
        series = _as_units(series, "predict_all", len(self.channel_names_))
        out = []
        for u in series:
            r = np.full(len(u), np.nan)
            if len(u) >= self.window:
                r[self.window - 1:] = self._predict_features(self._features([u], rows="all"))
            out.append(r)
        return out

    # -- persistence -----------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted estimator to an ``.npz`` file (no pickle)."""
        self._check_fitted()
        path = Path(path)
        arrays = {
            "format_version": np.array(FORMAT_VERSION),
            "channel_names": np.array(self.channel_names_, dtype=str),
            "selected": self.selected_, "channel_mean": self.channel_mean_,
            "channel_std": self.channel_std_, "channel_corr": self.channel_corr_,
            "feature_mean": self.feature_mean_, "feature_std": self.feature_std_,
            "n_models": np.array(len(self.models_)),
        }
        for k, v in self.params.items():
            arrays[f"param_{k}"] = np.array(v, dtype=np.float64 if isinstance(v, (tuple, float)) else None)
        for m, model in enumerate(self.models_):
            if not self.hidden:
                arrays[f"model{m}_w"], arrays[f"model{m}_b"] = model[0], np.array(model[1])
            else:
                for j, p in enumerate(model):
                    arrays[f"model{m}_p{j}"] = p
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "RULEstimator":
        """Read an estimator written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            try:
                return cls._from_npz(z, path)
            except KeyError as exc:
                raise ValueError(f"{path}: not a twin RUL estimator file (missing {exc})") from None

    @classmethod
    def _from_npz(cls, z, path) -> "RULEstimator":
        version = int(z["format_version"])
        if version != FORMAT_VERSION:
            raise ValueError(f"{path}: RUL estimator format {version}, this twin reads {FORMAT_VERSION}")
        kwargs = {}
        for f in fields(cls):
            if not f.init:
                continue
            v = z[f"param_{f.name}"]
            if f.name in ("halflives", "history_halflives", "hidden"):
                v = tuple(v.reshape(-1).tolist())
            elif f.name == "use_age":
                v = bool(v)
            elif f.name in ("window", "n_models", "epochs", "batch", "seed"):
                v = int(v)
            else:
                v = float(v)
            kwargs[f.name] = v
        est = cls(**kwargs)
        est.channel_names_ = tuple(str(s) for s in z["channel_names"])
        est.selected_ = z["selected"].astype(np.int64)
        est.channel_mean_, est.channel_std_ = z["channel_mean"], z["channel_std"]
        est.channel_corr_ = z["channel_corr"]
        est.feature_mean_, est.feature_std_ = z["feature_mean"], z["feature_std"]
        n_models = int(z["n_models"])
        if not est.hidden:
            est.models_ = [(z[f"model{m}_w"], float(z[f"model{m}_b"])) for m in range(n_models)]
        else:
            n_p = 2 * (len(est.hidden) + 1)
            est.models_ = [[z[f"model{m}_p{j}"] for j in range(n_p)] for m in range(n_models)]
        return est

    # -- internals -------------------------------------------------------------------

    def _names(self, channel_names, n_ch: int) -> tuple[str, ...]:
        if channel_names is None:
            return tuple(f"ch{i}" for i in range(n_ch))
        names = tuple(str(s) for s in channel_names)
        if len(names) != n_ch:
            raise ValueError(f"fit: {len(names)} channel names for {n_ch} channels")
        return names

    def _check_fitted(self):
        if self.models_ is None:
            raise ValueError("this RULEstimator is not fitted yet: call fit() or RULEstimator.load()")

    def _features(self, units, rows: str, targets: bool = False):
        weights = _window_weights(self.window, self.halflives)
        sel = self.selected_
        mu, sd = self.channel_mean_[sel], self.channel_std_[sel]
        feats, ys = [], []
        for u in units:
            x = (u[:, sel] - mu) / sd
            r = None if rows == "all" else np.array([len(u) - 1])
            feats.append(_unit_features(x, weights, r, self.use_age, self.cap,
                                        self.history_halflives))
            if targets:
                ys.append(capped_rul(len(u), self.cap)[self.window - 1:])
        X = np.concatenate(feats)
        return (X, np.concatenate(ys)) if targets else X

    def _predict_features(self, X: np.ndarray) -> np.ndarray:
        Xs = (X - self.feature_mean_) / self.feature_std_
        if not self.hidden:
            w, b = self.models_[0]
            p = Xs @ w + b
        else:
            with _blas_threads(BLAS_THREADS):
                p = np.mean([_mlp_forward(m, Xs).astype(np.float64) for m in self.models_], axis=0)
        return np.clip(p * self.cap, 0.0, self.cap)


# ------------------------------------------------------------------------------ evaluation

def split_units(n_units: int, holdout: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random (train, held-out) unit indices; ``holdout`` is the held-out fraction."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout!r}")
    perm = np.random.default_rng(seed).permutation(n_units)
    n_out = max(1, int(round(holdout * n_units)))
    if n_out >= n_units:
        raise ValueError(f"cannot hold out {n_out} of {n_units} units")
    return np.sort(perm[n_out:]), np.sort(perm[:n_out])


def truncate_units(units, window: int, cuts_per_unit: int = 5, seed: int = 0,
                   max_rul: float | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Cut run-to-failure units at random points the way a test set is built: each cut keeps
    rows ``0..e`` with ``e`` uniform over the rows that have a full window behind them and (when
    ``max_rul`` is given) a true RUL of at most ``max_rul``. Returns the truncated series and
    their true RUL."""
    rng = np.random.default_rng(seed)
    out, rul = [], []
    for u in units:
        n = len(u)
        lo = window - 1
        if max_rul is not None:
            lo = max(lo, n - 1 - int(np.floor(max_rul)))
        if lo > n - 1:
            continue
        for e in rng.integers(lo, n, size=cuts_per_unit):
            out.append(u[:e + 1])
            rul.append(n - 1 - e)
    return out, np.asarray(rul, dtype=np.float64)


def evaluate_holdout(units, channel_names: Sequence[str] | None = None, holdout: float = 0.2,
                     seed: int = 0, cuts_per_unit: int = 5, max_rul: float | str | None = "cap",
                     **params) -> dict:
    """Judge the estimator without a test set: fit on a random ``1 - holdout`` of the units,
    cut each held-out unit at ``cuts_per_unit`` random points (true RUL at most ``max_rul``;
    ``"cap"``, the default, means the estimator's ``cap``; None means anywhere) and predict
    the RUL there. Held-out units are chosen by :func:`split_units` with ``seed``.

    Returns ``rmse`` and ``score`` (PHM08) against the true RUL, ``rmse_capped`` against
    ``min(true, cap)`` (equal to ``rmse`` when ``max_rul <= cap``), ``n_series``, ``pred``,
    ``true``, the held-out unit indices ``holdout_units`` and the fitted ``estimator``."""
    units = _as_units(units, "evaluate_holdout")
    tr, ho = split_units(len(units), holdout, seed)
    est = RULEstimator(**{"seed": seed, **params})
    est.fit([units[i] for i in tr], channel_names)
    if isinstance(max_rul, str):
        if max_rul != "cap":
            raise ValueError(f"max_rul must be a number, 'cap' or None, got {max_rul!r}")
        max_rul = est.cap
    series, true = truncate_units([units[i] for i in ho], est.window, cuts_per_unit, seed + 1,
                                  max_rul)
    if not series:
        raise ValueError(f"evaluate_holdout: no held-out unit has {est.window} rows")
    pred = est.predict(series)
    return {"rmse": rmse(pred, true), "score": phm08_score(pred, true),
            "rmse_capped": rmse(pred, np.minimum(true, est.cap)), "n_series": len(series),
            "pred": pred, "true": true, "holdout_units": ho, "estimator": est}


def cross_validate(units, channel_names: Sequence[str] | None = None, folds: int = 5,
                   seed: int = 0, **params) -> dict:
    """K-fold cross-validation over units: each fold's units are predicted at every row (with a
    full window) by an estimator fit on the other folds. Returns ``rmse`` against the capped
    target over all rows and the per-fold values."""
    units = _as_units(units, "cross_validate")
    if not 2 <= folds <= len(units):
        raise ValueError(f"folds must be between 2 and the number of units ({len(units)}), got {folds}")
    perm = np.random.default_rng(seed).permutation(len(units))
    per_fold, sq, n = [], 0.0, 0
    for k in range(folds):
        test_idx = perm[k::folds]
        train_idx = np.setdiff1d(perm, test_idx)
        est = RULEstimator(**{"seed": seed, **params}).fit([units[i] for i in train_idx], channel_names)
        preds = est.predict_all([units[i] for i in test_idx])
        p = np.concatenate([q[est.window - 1:] for q in preds])
        t = np.concatenate([capped_rul(len(units[i]), est.cap)[est.window - 1:] for i in test_idx])
        per_fold.append(rmse(p, t))
        sq += float(np.sum((p - t) ** 2))
        n += len(t)
    return {"rmse": float(np.sqrt(sq / n)), "fold_rmse": per_fold}
