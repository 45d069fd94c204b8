"""Remaining-useful-life (RUL) estimation from run-to-failure sensor histories.

Features are numpy; the models, their fitting and the cross-validation splits are scikit-learn's
and BLAS threads are limited with threadpoolctl (both from the ``maintenance`` extra).

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
5. Model: a scikit-learn pipeline, ``StandardScaler`` then a ``VotingRegressor`` averaging
   ``n_models`` ``MLPRegressor`` s (Adam on the squared error, each with its own seed);
   ``hidden=()`` gives ``Ridge`` regression instead. Predictions are clipped to ``[0, cap]``.

Everything is deterministic given ``seed``.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import SimpleNamespace
from typing import Sequence

import numpy as np

FORMAT_VERSION = 1

#: BLAS threads used while fitting and predicting (None: leave the BLAS library alone). The
#: matrices of these small networks are tiny; on a busy 2-core machine a multi-threaded
#: OpenBLAS spends its time synchronising (measured on the earlier numpy version: 48 s instead
#: of 8 s for a fit on FD001).
BLAS_THREADS: int | None = 1

_NEEDS = ("twin's RUL estimator needs scikit-learn and threadpoolctl "
          "(pip install 'twin[maintenance]')")


@contextmanager
def _blas_threads(n: int | None):
    """Run the block with the BLAS libraries limited to ``n`` threads (threadpoolctl; no-op when
    ``n`` is None), restoring the previous counts afterwards."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as exc:
        raise ImportError(_NEEDS) from exc
    with threadpool_limits(limits=int(n), user_api="blas"):
        yield


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
# scikit-learn is imported here, on first use, so that twin.maintenance (health components,
# policies, studies) imports without it; only the RUL estimator needs the extra.

def _sklearn():
    try:
        from sklearn import ensemble, linear_model, model_selection, neural_network, pipeline, \
            preprocessing
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_selection import r_regression
    except ImportError as exc:
        raise ImportError(_NEEDS) from exc
    return SimpleNamespace(
        Pipeline=pipeline.Pipeline, StandardScaler=preprocessing.StandardScaler,
        Ridge=linear_model.Ridge, MLPRegressor=neural_network.MLPRegressor,
        VotingRegressor=ensemble.VotingRegressor, KFold=model_selection.KFold,
        ConvergenceWarning=ConvergenceWarning, r_regression=r_regression)


def _mlp(sk, hidden, epochs, batch, lr, weight_decay, seed):
    """One ReLU MLP trained with Adam on the squared error for exactly ``epochs`` epochs (no
    early stopping: ``n_iter_no_change`` is never reached)."""
    return sk.MLPRegressor(hidden_layer_sizes=hidden, activation="relu", solver="adam",
                           alpha=weight_decay, batch_size=batch, learning_rate_init=lr,
                           max_iter=epochs, n_iter_no_change=epochs + 1, tol=0.0, shuffle=True,
                           random_state=seed)


def _restore_mlp(sk, coefs: list[np.ndarray], intercepts: list[np.ndarray]):
    """A fitted MLPRegressor from exported weights (the attributes its predict() reads)."""
    m = sk.MLPRegressor(hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]), activation="relu")
    m.coefs_, m.intercepts_ = list(coefs), list(intercepts)
    m.n_layers_, m.n_outputs_, m.out_activation_ = len(coefs) + 1, 1, "identity"
    m.n_features_in_ = coefs[0].shape[0]
    return m

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
    epochs, batch, lr: Adam training of each MLP (``MLPRegressor`` ``max_iter``,
        ``batch_size``, ``learning_rate_init``; always exactly ``epochs`` epochs).
    weight_decay: L2 penalty of each MLP (``MLPRegressor`` ``alpha``).
    ridge_alpha: L2 penalty of the ridge model (``hidden=()``), per sample (``Ridge`` gets
        ``ridge_alpha * n_rows``).
    seed: seeds every random choice; equal seeds give identical fits.

    After fit(), ``model_`` is the fitted scikit-learn pipeline (features -> RUL / cap).
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
    batch: int = 256
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
    model_: object | None = field(default=None, init=False, repr=False)  # sklearn Pipeline

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
        return self.model_ is not None

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
        sk = _sklearn()

        # channel selection on the raw rows
        allx = np.concatenate(units)
        ally = np.concatenate([capped_rul(len(u), self.cap) for u in units])
        mean, std = allx.mean(axis=0), allx.std(axis=0)
        varying = std > self.min_rel_std * np.maximum(1.0, np.abs(mean))
        corr = np.zeros(n_ch)
        if ally.std() > 0 and varying.any():
            corr[varying] = sk.r_regression(allx[:, varying], ally)
        keep = np.flatnonzero(varying & (np.abs(corr) >= self.min_corr))
        if keep.size == 0:
            raise ValueError(f"fit: no channel varies and correlates with time to failure "
                             f"(|corr| >= min_corr={self.min_corr}); max |corr| = {np.abs(corr).max():.3f}")
        self.channel_names_, self.selected_ = names, keep
        self.channel_mean_, self.channel_std_, self.channel_corr_ = mean, std, corr

        X, y = self._features(units, rows="all", targets=True)
        model = self._pipeline(sk, len(X))
        with warnings.catch_warnings():
            # max_iter is the epoch count, not a convergence limit
            warnings.simplefilter("ignore", sk.ConvergenceWarning)
            model.fit(self._model_input(X), y / self.cap)
        self.model_ = model
        return self

    def _pipeline(self, sk, n_rows: int):
        """The unfitted model: feature scaler, then ridge or the seeded MLP ensemble
        (``n_rows``, the training rows, scales the ridge penalty and caps the batch)."""
        if not self.hidden:
            reg = sk.Ridge(alpha=self.ridge_alpha * n_rows)
        else:
            seeds = np.random.default_rng(self.seed).integers(2 ** 31, size=int(self.n_models))
            batch = min(int(self.batch), n_rows)
            reg = sk.VotingRegressor([
                (f"mlp{k}", _mlp(sk, self.hidden, int(self.epochs), batch, float(self.lr),
                                 float(self.weight_decay), int(sd)))
                for k, sd in enumerate(seeds)])
        return sk.Pipeline([("scale", sk.StandardScaler()), ("regress", reg)])

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
        """Write the fitted estimator to an ``.npz`` file (no pickle): the parameters, the
        channel selection and statistics, the feature scaler (``feature_mean``,
        ``feature_std``) and every model's weights (MLP ``m``: ``model{m}_p{2i}`` the
        ``(in, out)`` weight matrix and ``model{m}_p{2i+1}`` the bias of layer ``i``, ReLU
        between layers; ridge: ``model0_w``, ``model0_b``), readable without scikit-learn."""
        self._check_fitted()
        path = Path(path)
        scaler, reg = self.model_.named_steps["scale"], self.model_.named_steps["regress"]
        arrays = {
            "format_version": np.array(FORMAT_VERSION),
            "channel_names": np.array(self.channel_names_, dtype=str),
            "selected": self.selected_, "channel_mean": self.channel_mean_,
            "channel_std": self.channel_std_, "channel_corr": self.channel_corr_,
            "feature_mean": scaler.mean_, "feature_std": scaler.scale_,
        }
        for k, v in self.params.items():
            arrays[f"param_{k}"] = np.array(v, dtype=np.float64 if isinstance(v, (tuple, float)) else None)
        if not self.hidden:
            arrays["n_models"] = np.array(1)
            arrays["model0_w"], arrays["model0_b"] = reg.coef_, np.array(reg.intercept_)
        else:
            arrays["n_models"] = np.array(len(reg.estimators_))
            for m, mlp in enumerate(reg.estimators_):
                for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
                    arrays[f"model{m}_p{2 * i}"], arrays[f"model{m}_p{2 * i + 1}"] = w, b
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

        # rebuild the fitted pipeline from its exported state (what transform/predict read)
        sk = _sklearn()
        model = est._pipeline(sk, 1)
        scaler = model.named_steps["scale"]
        scaler.mean_, scaler.scale_ = z["feature_mean"], z["feature_std"]
        scaler.var_ = scaler.scale_ ** 2
        scaler.n_features_in_ = len(scaler.mean_)
        scaler.n_samples_seen_ = 0
        n_models = int(z["n_models"])
        if not est.hidden:
            reg = sk.Ridge(alpha=est.ridge_alpha)
            reg.coef_, reg.intercept_ = z["model0_w"], float(z["model0_b"])
            reg.n_features_in_ = len(reg.coef_)
            model.steps[-1] = ("regress", reg)
        else:
            n_layers = len(est.hidden) + 1
            mlps = [_restore_mlp(sk, [z[f"model{m}_p{2 * i}"] for i in range(n_layers)],
                                 [z[f"model{m}_p{2 * i + 1}"] for i in range(n_layers)])
                    for m in range(n_models)]
            reg = model.named_steps["regress"]
            reg.estimators = [(f"mlp{m}", mlp) for m, mlp in enumerate(mlps)]
            reg.estimators_ = mlps
            reg.named_estimators_ = dict(reg.estimators)
        est.model_ = model
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
        if self.model_ is None:
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

    def _model_input(self, X: np.ndarray) -> np.ndarray:
        """The networks train and run in float32 (half the memory traffic, same accuracy);
        ridge stays in float64."""
        return X.astype(np.float32) if self.hidden else X

    def _predict_features(self, X: np.ndarray) -> np.ndarray:
        with _blas_threads(BLAS_THREADS):
            p = np.asarray(self.model_.predict(self._model_input(X)), dtype=np.float64)
        return np.clip(p.reshape(-1) * self.cap, 0.0, self.cap)


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
    """K-fold cross-validation over units (scikit-learn ``KFold``, shuffled with ``seed``): each
    fold's units are predicted at every row (with a full window) by an estimator fit on the
    other folds. Returns ``rmse`` against the capped target over all rows and the per-fold
    values. Channel selection and scaling are refit in every fold, so they never see the
    held-out units."""
    units = _as_units(units, "cross_validate")
    if not 2 <= folds <= len(units):
        raise ValueError(f"folds must be between 2 and the number of units ({len(units)}), got {folds}")
    splitter = _sklearn().KFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold, sq, n = [], 0.0, 0
    for train_idx, test_idx in splitter.split(np.arange(len(units))):
        est = RULEstimator(**{"seed": seed, **params}).fit([units[i] for i in train_idx], channel_names)
        preds = est.predict_all([units[i] for i in test_idx])
        p = np.concatenate([q[est.window - 1:] for q in preds])
        t = np.concatenate([capped_rul(len(units[i]), est.cap)[est.window - 1:] for i in test_idx])
        per_fold.append(rmse(p, t))
        sq += float(np.sum((p - t) ** 2))
        n += len(t)
    return {"rmse": float(np.sqrt(sq / n)), "fold_rmse": per_fold}
