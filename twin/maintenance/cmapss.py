"""NASA C-MAPSS turbofan run-to-failure data: locating, loading and the FD001 benchmark.

The data are never shipped with twin. They are looked up, in order, in

1. the ``path`` argument,
2. the environment variable ``TWIN_CMAPSS_DIR``,
3. ``<repository root>/../shared/data/cmapss`` (the repository root is the parent of the
   ``twin`` package directory for an editable install),
4. ``<current working directory>/../shared/data/cmapss``.

A directory qualifies when it holds ``train_<subset>.txt``. Each file has one row per cycle:
unit, cycle, 3 operational settings, 21 sensors, space separated. The loader returns one
``(n_cycles, 24)`` array per unit (settings and sensors, in that order) so that the generic
:class:`twin.maintenance.rul.RULEstimator` can learn by itself which channels matter.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rul import RULEstimator, phm08_score, rmse

ENV_VAR = "TWIN_CMAPSS_DIR"
SETTING_NAMES = tuple(f"setting_{i}" for i in range(1, 4))
SENSOR_NAMES = tuple(f"sensor_{i}" for i in range(1, 22))
CHANNEL_NAMES = SETTING_NAMES + SENSOR_NAMES


def candidate_dirs(path: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched for the data, in order of precedence."""
    out: list[Path] = []
    if path is not None:
        out.append(Path(path))
    env = os.environ.get(ENV_VAR)
    if env:
        out.append(Path(env))
    repo_root = Path(__file__).resolve().parent.parent.parent
    out.append(repo_root.parent / "shared" / "data" / "cmapss")
    out.append(Path.cwd().parent / "shared" / "data" / "cmapss")
    return out


def find_cmapss_dir(path: str | os.PathLike | None = None, subset: str = "FD001") -> Path | None:
    """The first candidate directory holding ``train_<subset>.txt``, or None."""
    for d in candidate_dirs(path):
        if (d / f"train_{subset}.txt").is_file():
            return d
    return None


def _read_table(file: Path) -> np.ndarray:
    try:
        table = np.loadtxt(file, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"{file}: not a C-MAPSS table (unit, cycle, 3 settings, 21 sensors): {exc}") from None
    if table.shape[1] != 26:
        raise ValueError(f"{file}: expected 26 columns (unit, cycle, 3 settings, 21 sensors), "
                         f"got {table.shape[1]}")
    return table


def split_units(table: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Unit ids, per-unit cycle numbers and per-unit ``(n_cycles, 24)`` channel arrays of a
    raw 26-column table. Rows are sorted by (unit, cycle)."""
    order = np.lexsort((table[:, 1], table[:, 0]))
    table = table[order]
    ids, starts = np.unique(table[:, 0], return_index=True)
    bounds = list(starts[1:]) + [len(table)]
    cycles = [table[a:b, 1].astype(np.int64) for a, b in zip(starts, bounds)]
    channels = [np.ascontiguousarray(table[a:b, 2:]) for a, b in zip(starts, bounds)]
    return ids.astype(np.int64), cycles, channels


@dataclass
class CMAPSSData:
    """One C-MAPSS subset, split by unit.

    ``train[i]`` / ``test[i]`` are ``(n_cycles, 24)`` arrays (columns ``channel_names``);
    training units run to failure, test units stop ``test_rul[i]`` cycles before failure.
    """

    subset: str
    directory: Path
    channel_names: tuple[str, ...]
    train_ids: np.ndarray
    train_cycles: list[np.ndarray]
    train: list[np.ndarray]
    test_ids: np.ndarray
    test_cycles: list[np.ndarray]
    test: list[np.ndarray]
    test_rul: np.ndarray


def load_cmapss(subset: str = "FD001", path: str | os.PathLike | None = None) -> CMAPSSData:
    """Load ``train_<subset>.txt``, ``test_<subset>.txt`` and ``RUL_<subset>.txt``.

    Raises FileNotFoundError naming the directories searched when the data are absent.
    """
    d = find_cmapss_dir(path, subset)
    if d is None:
        searched = ", ".join(str(p) for p in candidate_dirs(path))
        raise FileNotFoundError(f"C-MAPSS {subset} not found (looked for train_{subset}.txt in: "
                                f"{searched}); set {ENV_VAR} to the directory holding it")
    train_ids, train_cycles, train = split_units(_read_table(d / f"train_{subset}.txt"))
    test_ids, test_cycles, test = split_units(_read_table(d / f"test_{subset}.txt"))
    test_rul = np.loadtxt(d / f"RUL_{subset}.txt", dtype=np.float64, ndmin=1).reshape(-1)
    if len(test_rul) != len(test):
        raise ValueError(f"{d}: RUL_{subset}.txt has {len(test_rul)} rows but test_{subset}.txt "
                         f"has {len(test)} units")
    return CMAPSSData(subset, d, CHANNEL_NAMES, train_ids, train_cycles, train,
                      test_ids, test_cycles, test, test_rul)


def evaluate_fd001(estimator: RULEstimator | None = None, path: str | os.PathLike | None = None,
                   subset: str = "FD001", **params) -> dict:
    """Fit on the training units (unless ``estimator`` is already fitted), predict the RUL at
    the last cycle of each test unit and score against ``RUL_<subset>.txt``.

    ``params`` are passed to :class:`RULEstimator` when ``estimator`` is None. Returns a dict:
    ``rmse``, ``score`` (PHM08), ``n_units``, ``fit_s``, ``predict_s``, ``pred``, ``true``,
    ``estimator``. The test RUL is compared uncapped, as in the literature.
    """
    data = load_cmapss(subset, path)
    if estimator is None:
        estimator = RULEstimator(**params)
    elif params:
        raise ValueError("pass either a fitted estimator or estimator parameters, not both")
    t0 = time.perf_counter()
    if not estimator.is_fitted:
        estimator.fit(data.train, data.channel_names)
    t1 = time.perf_counter()
    pred = estimator.predict(data.test)
    t2 = time.perf_counter()
    return {"rmse": rmse(pred, data.test_rul), "score": phm08_score(pred, data.test_rul),
            "n_units": len(data.test), "fit_s": t1 - t0, "predict_s": t2 - t1,
            "pred": pred, "true": data.test_rul.copy(), "estimator": estimator}
