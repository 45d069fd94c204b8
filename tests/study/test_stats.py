"""Statistics of a study (twin/study/stats.py): MSER on a series with a known transient."""

import numpy as np

from twin.study.stats import mser


def test_mser_on_a_synthetic_series():
    rng = np.random.default_rng(0)
    x = 5.0 + rng.normal(0, 0.2, 200)
    x[:40] -= np.linspace(4.0, 0.0, 40)  # a 40-observation ramp
    d, _ = mser(x, 5)
    assert 25 <= d <= 50
