"""The C-MAPSS loader (twin.maintenance.cmapss) on a small fake dataset: where it looks, what it
reads, and the message when the data is missing."""

import numpy as np
import pytest

from twin.maintenance import cmapss


def _write_fake_cmapss(d, n_train=3, n_test=2):
    rng = np.random.default_rng(0)

    def table(n_units, lengths):
        rows = []
        for u in range(n_units):
            for c in range(lengths[u]):
                rows.append([u + 1, c + 1, *rng.normal(size=24)])
        return np.array(rows)

    np.savetxt(d / "train_FD001.txt", table(n_train, [40, 35, 50]), fmt="%.4f")
    np.savetxt(d / "test_FD001.txt", table(n_test, [31, 33]), fmt="%.4f")
    np.savetxt(d / "RUL_FD001.txt", [12, 40], fmt="%d")


def test_loader_honours_env_var(tmp_path, monkeypatch):
    _write_fake_cmapss(tmp_path)
    monkeypatch.setenv(cmapss.ENV_VAR, str(tmp_path))
    assert cmapss.find_cmapss_dir() == tmp_path
    data = cmapss.load_cmapss()
    assert [len(u) for u in data.train] == [40, 35, 50]
    assert [u.shape for u in data.test] == [(31, 24), (33, 24)]
    np.testing.assert_array_equal(data.test_rul, [12, 40])
    assert data.channel_names[0] == "setting_1" and data.channel_names[-1] == "sensor_21"
    np.testing.assert_array_equal(data.train_cycles[2], np.arange(1, 51))


def test_loader_missing_data_message(tmp_path, monkeypatch):
    monkeypatch.setenv(cmapss.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="TWIN_CMAPSS_DIR"):
        cmapss.load_cmapss("FD009")
