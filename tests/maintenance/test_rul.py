"""Tests of the remaining-useful-life estimator (twin.maintenance.rul) and the C-MAPSS loader.

The FD001 tests need NASA C-MAPSS FD001 (never copied into the repository); they skip with a
reason when it cannot be found (see twin.maintenance.cmapss.candidate_dirs).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.maintenance import cmapss
from twin.maintenance import rul as rul_module
from twin.maintenance.rul import (RULEstimator, capped_rul, cross_validate, evaluate_holdout,
                                  phm08_score, rmse, split_units, truncate_units)

# Measured with the default estimator (seed 0) on this code (scikit-learn 1.9.1, OpenBLAS);
# see docs/rul.md. The test-set bounds are issue 15's acceptance bounds (RMSE <= 11.5, PHM08
# score <= 200), not the measured values plus a margin: the margin there is thin (0.05 RMSE,
# 8 score points) and a different seed or BLAS can cross it (see the seed rows in docs/rul.md).
# The held-out bound leaves about 1 RMSE of margin.
# Measured: test RMSE 11.45, PHM08 score 191.9, held-out RMSE 7.71.
FD001_TEST_RMSE_BOUND = 11.5
FD001_TEST_SCORE_BOUND = 200.0
FD001_HOLDOUT_RMSE = 7.71
LINEAR_REGRESSION_RMSE = 21.7   # published reference, target capped at 125


# ------------------------------------------------------------------------------- metrics

def test_rmse_hand_computed():
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert rmse([10.0], [10.0]) == 0.0
    assert rmse(np.array([[0.0, 3.0]]), [4.0, -1.0]) == pytest.approx(4.0)


def test_phm08_score_hand_computed():
    # d = -13 (early): e^1 - 1; d = +10 (late): e^1 - 1; d = 0: 0
    assert phm08_score([87, 110, 50], [100, 100, 50]) == pytest.approx(2 * (math.e - 1))
    # late predictions cost more than early ones of the same size
    assert phm08_score([120], [100]) == pytest.approx(math.exp(2) - 1)
    assert phm08_score([80], [100]) == pytest.approx(math.exp(20 / 13) - 1)
    assert phm08_score([120], [100]) > phm08_score([80], [100])


def test_metrics_reject_mismatched_or_empty():
    with pytest.raises(ValueError, match="differ in length"):
        rmse([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        phm08_score([], [])


def test_capped_rul():
    np.testing.assert_array_equal(capped_rul(5, cap=3), [3, 3, 2, 1, 0])
    assert capped_rul(200)[0] == 125 and capped_rul(200)[-1] == 0


# ------------------------------------------------------------------------ synthetic data

CHANNELS = ("vibration_rms", "temperature", "motor_current", "setpoint")


def synthetic_units(n_units: int, seed: int) -> list[np.ndarray]:
    """Component histories like twin's sensor records, each ending at failure (row L-1):
    vibration RMS grows exponentially to ~3 at failure, temperature drifts linearly from 60
    to 75 over the (random) life, motor current is pure noise, the set point is constant."""
    rng = np.random.default_rng(seed)
    units = []
    for _ in range(n_units):
        life = int(rng.integers(120, 260))
        t = np.arange(life, dtype=np.float64)
        rul = life - 1 - t
        vib = 1.0 + 2.0 * np.exp(-rul / 40.0) + rng.normal(0, 0.05, life)
        temp = 60.0 + 15.0 * t / (life - 1) + rng.normal(0, 0.5, life)
        current = 10.0 + rng.normal(0, 0.2, life)
        setpoint = np.full(life, 5.0)
        units.append(np.column_stack([vib, temp, current, setpoint]))
    return units


FAST = dict(n_models=2, epochs=30)


@pytest.fixture(scope="module")
def synthetic_fit():
    train = synthetic_units(60, seed=1)
    est = RULEstimator(seed=0, **FAST).fit(train, CHANNELS)
    return est, train


def test_channel_selection_drops_constant_and_noise(synthetic_fit):
    est, _ = synthetic_fit
    assert est.selected_channels == ["vibration_rms", "temperature"]


def test_recovers_known_rul_on_synthetic_degradation(synthetic_fit):
    est, train = synthetic_fit
    test_units = synthetic_units(30, seed=2)
    series, true = truncate_units(test_units, est.window, cuts_per_unit=5, seed=3)
    target = np.minimum(true, est.cap)
    pred = est.predict(series)
    # Naive baseline: always predict the mean of the capped training target.
    naive = rmse(np.full(len(target), np.concatenate([capped_rul(len(u)) for u in train]).mean()),
                 target)
    err = rmse(pred, target)
    # Why these bounds: the naive predictor's RMSE is the spread of the capped target (~43
    # here). The vibration channel is a noisy but direct function of the RUL (exp(-RUL/40))
    # near failure, and temperature level + slope + age pin down the life length, so the RUL is
    # recoverable to a few steps (measured 1.6-2.4 over seeds 0-2, 1.0-2.7 for true RUL <= 30).
    # We require < 6 steps and < 15 % of naive, and < 4 steps near failure: about twice the
    # measured errors, far below anything a predictor ignoring the signals could reach.
    assert naive > 35
    assert err < 6.0, (err, naive)
    assert err < 0.15 * naive, (err, naive)
    near = true <= 30
    assert rmse(pred[near], true[near]) < 4.0
    assert np.all((pred >= 0) & (pred <= est.cap))


def test_predict_all_matches_predict_on_prefixes(synthetic_fit):
    est, _ = synthetic_fit
    unit = synthetic_units(1, seed=9)[0]
    every = est.predict_all([unit])[0]
    assert np.all(np.isnan(every[:est.window - 1]))
    for end in (est.window, 80, len(unit)):
        # equal up to float32 rounding (the networks run in float32)
        assert every[end - 1] == pytest.approx(est.predict([unit[:end]])[0], abs=1e-3)


def test_fit_is_deterministic_given_seed():
    train = synthetic_units(20, seed=4)
    probe = [u[:50] for u in synthetic_units(5, seed=5)]
    kw = dict(n_models=2, epochs=5)
    a = RULEstimator(seed=7, **kw).fit(train, CHANNELS).predict(probe)
    b = RULEstimator(seed=7, **kw).fit(train, CHANNELS).predict(probe)
    c = RULEstimator(seed=8, **kw).fit(train, CHANNELS).predict(probe)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_ridge_variant(synthetic_fit):
    _, train = synthetic_fit
    est = RULEstimator(hidden=()).fit(train, CHANNELS)
    series, true = truncate_units(synthetic_units(20, seed=6), est.window, 5, seed=0)
    # measured 6.7: the linear model cannot follow the exponential vibration channel as well
    assert rmse(est.predict(series), np.minimum(true, est.cap)) < 10.0


def test_save_load_roundtrip(tmp_path, synthetic_fit):
    est, _ = synthetic_fit
    probe = [u[:70] for u in synthetic_units(4, seed=11)]
    path = est.save(tmp_path / "rul.npz")
    back = RULEstimator.load(path)
    assert back.params == est.params
    assert back.selected_channels == est.selected_channels
    np.testing.assert_array_equal(back.predict(probe), est.predict(probe))
    ridge = RULEstimator(hidden=()).fit(synthetic_units(10, seed=12), CHANNELS)
    ridge.save(tmp_path / "ridge.npz")
    np.testing.assert_array_equal(RULEstimator.load(tmp_path / "ridge.npz").predict(probe),
                                  ridge.predict(probe))
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(ValueError, match="not a twin RUL estimator file"):
        RULEstimator.load(tmp_path / "other.npz")


def _blas_threads_now() -> list[int]:
    from threadpoolctl import threadpool_info
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_blas_threads_limited_during_fit_and_restored(monkeypatch):
    """fit() runs with BLAS_THREADS BLAS threads (threadpoolctl) and restores the count after."""
    from threadpoolctl import threadpool_limits
    seen = []
    features = rul_module._unit_features

    def spy(*args, **kwargs):
        seen.append(_blas_threads_now())
        return features(*args, **kwargs)

    monkeypatch.setattr(rul_module, "_unit_features", spy)
    rul_module._sklearn()  # load every BLAS the fit will use (scikit-learn brings scipy's) first
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads_now()
        if not before:
            pytest.skip("no BLAS library visible to threadpoolctl")
        RULEstimator(n_models=1, epochs=1).fit(synthetic_units(5, seed=15))
        assert _blas_threads_now() == before
    assert rul_module.BLAS_THREADS == 1
    assert seen and all(counts == [1] * len(before) for counts in seen), seen


def test_saved_weights_reproduce_predictions_without_sklearn(tmp_path, synthetic_fit):
    """The .npz export is plain arrays: channel selection and statistics, the feature scaler and
    each MLP's (in, out) weight matrices and biases. A numpy forward pass written here from the
    file alone (standardise channels, features, standardise features, ReLU layers, mean over
    the ensemble, times cap) reproduces predict() to float32 rounding."""
    est, _ = synthetic_fit
    probe = [u[:90] for u in synthetic_units(3, seed=16)]
    z = np.load(est.save(tmp_path / "w.npz"))
    sel = z["selected"]
    n_layers = len(est.hidden) + 1
    assert int(z["n_models"]) == est.n_models
    sizes = [len(z["feature_mean"]), *est.hidden, 1]
    for m in range(est.n_models):
        for i in range(n_layers):
            assert z[f"model{m}_p{2 * i}"].shape == (sizes[i], sizes[i + 1])
            assert z[f"model{m}_p{2 * i + 1}"].shape == (sizes[i + 1],)
    out = []
    for u in probe:
        x = (u[:, sel] - z["channel_mean"][sel]) / z["channel_std"][sel]
        f = rul_module._unit_features(x, rul_module._window_weights(est.window, est.halflives),
                                      np.array([len(u) - 1]), est.use_age, est.cap,
                                      est.history_halflives)
        h0 = (f - z["feature_mean"]) / z["feature_std"]
        preds = []
        for m in range(est.n_models):
            h = h0
            for i in range(n_layers):
                h = h @ z[f"model{m}_p{2 * i}"] + z[f"model{m}_p{2 * i + 1}"]
                if i < n_layers - 1:
                    h = np.maximum(h, 0.0)
            preds.append(h[0, 0])
        out.append(np.clip(np.mean(preds) * est.cap, 0.0, est.cap))
    np.testing.assert_allclose(out, est.predict(probe), atol=1e-3)


def test_maintenance_imports_without_sklearn(tmp_path):
    """scikit-learn and threadpoolctl are the maintenance extra: without them twin.maintenance
    still imports (policies, studies) and only fitting the estimator says what to install."""
    import subprocess
    import sys
    code = ("import sys\n"
            "sys.modules['sklearn'] = None\n"
            "sys.modules['threadpoolctl'] = None\n"
            "import twin.maintenance\n"
            "from twin.maintenance import RULEstimator, Policy, rmse\n"
            "import numpy as np\n"
            "try:\n"
            "    RULEstimator().fit([np.random.default_rng(0).normal(size=(40, 2))])\n"
            "except ImportError as exc:\n"
            "    print('IMPORT-ERROR:', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "IMPORT-ERROR:" in out.stdout and "twin[maintenance]" in out.stdout, out.stdout


def test_holdout_and_cross_validation_split_by_unit():
    units = synthetic_units(20, seed=13)
    tr, ho = split_units(len(units), holdout=0.25, seed=0)
    assert len(ho) == 5 and not set(tr) & set(ho) and len(tr) + len(ho) == 20
    res = evaluate_holdout(units, CHANNELS, holdout=0.25, n_models=1, epochs=5)
    assert res["n_series"] == 25 and np.isfinite(res["rmse"]) and np.isfinite(res["score"])
    cv = cross_validate(units, CHANNELS, folds=2, n_models=1, epochs=3)
    assert len(cv["fold_rmse"]) == 2 and np.isfinite(cv["rmse"])


# ---------------------------------------------------------------------------- bad input

def test_bad_input_raises_clear_value_errors(synthetic_fit):
    est, _ = synthetic_fit
    good = synthetic_units(3, seed=14)
    with pytest.raises(ValueError, match="empty list"):
        RULEstimator().fit([])
    with pytest.raises(ValueError, match="empty list"):
        est.predict([])
    with pytest.raises(ValueError, match="unit 1 has 3 channels, expected 4"):
        RULEstimator().fit([good[0], good[1][:, :3]])
    with pytest.raises(ValueError, match="unit 0 has 5 channels, expected 4"):
        est.predict([np.ones((40, 5))])
    bad = good[2].copy()
    bad[17, 1] = np.nan
    with pytest.raises(ValueError, match="unit 2 contains NaN.*row 17, channel 1"):
        RULEstimator().fit([good[0], good[1], bad])
    with pytest.raises(ValueError, match="NaN"):
        est.predict([bad])
    with pytest.raises(ValueError, match="series 1 has 29 rows, shorter than window=30"):
        est.predict([good[0], good[0][:29]])
    with pytest.raises(ValueError, match="unit 0 has 10 rows, shorter than window=30"):
        RULEstimator().fit([good[0][:10], good[1]])
    with pytest.raises(ValueError, match="single array"):
        est.predict(good[0])
    with pytest.raises(ValueError, match=r"shape \(40,\)"):
        est.predict([np.ones(40)])
    with pytest.raises(ValueError, match="2 channel names for 4 channels"):
        RULEstimator().fit(good, ["a", "b"])
    with pytest.raises(ValueError, match="not fitted"):
        RULEstimator().predict(good)
    with pytest.raises(ValueError, match="window"):
        RULEstimator(window=1)


# ------------------------------------------------------------------------------- loader


# -------------------------------------------------------------------------------- FD001

@pytest.fixture(scope="module")
def fd001():
    if cmapss.find_cmapss_dir() is None:
        pytest.skip("C-MAPSS FD001 not found: set TWIN_CMAPSS_DIR to the directory holding "
                    "train_FD001.txt, test_FD001.txt and RUL_FD001.txt")
    return cmapss.load_cmapss("FD001")


def test_fd001_shapes(fd001):
    assert len(fd001.train) == 100 and len(fd001.test) == 100
    assert sum(len(u) for u in fd001.train) == 20631
    assert sum(len(u) for u in fd001.test) == 13096
    assert all(u.shape[1] == 24 for u in fd001.train + fd001.test)
    assert min(len(u) for u in fd001.test) >= RULEstimator().window


def test_fd001_test_rmse(fd001):
    res = cmapss.evaluate_fd001()
    est = res["estimator"]
    # the constant or uncorrelated channels (the 3 settings, sensors 1, 5, 6, 10, 16, 18, 19)
    # are dropped; the 14 informative sensors of the literature are kept
    assert est.selected_channels == [f"sensor_{i}" for i in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]
    assert res["n_units"] == 100
    assert res["rmse"] < LINEAR_REGRESSION_RMSE
    assert res["rmse"] <= FD001_TEST_RMSE_BOUND, res["rmse"]
    assert res["score"] <= FD001_TEST_SCORE_BOUND, res["score"]


def test_fd001_holdout_units(fd001):
    res = evaluate_holdout(fd001.train, fd001.channel_names, holdout=0.2, seed=0)
    assert res["n_series"] == 100
    assert res["true"].max() <= 125
    assert res["rmse"] < FD001_HOLDOUT_RMSE + 1.0, res["rmse"]
