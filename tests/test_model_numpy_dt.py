"""A numpy scalar time step is read as the number the user wrote, in Plant.compile as in
simulate(): np.float32(0.1) is 0.1 s, not refused and not 0.10000000149 (issue 15 loose end)."""

import numpy as np
import pytest

import twin
from twin.errors import PlantError


@pytest.fixture(scope="module")
def plant():
    return twin.load_scene("balanced_line").plant


@pytest.mark.parametrize("dt, expected", [(np.float32(0.1), 0.1), (np.float16(0.5), 0.5), (np.int64(1), 1.0),
                                          (np.float64(0.1), 0.1)])
def test_compile_reads_a_numpy_dt_as_written(plant, dt, expected):
    model = plant.compile(device="cpu", dt=dt)
    assert model.dt == expected and type(model.dt) is float


def test_compile_and_simulate_agree_on_a_float32_dt(plant):
    res = twin.simulate(plant, replicas=2, horizon=600.0, device="cpu", dt=np.float32(0.1), progress=False)
    assert res.meta["dt_s"] == plant.compile(device="cpu", dt=np.float32(0.1)).dt == 0.1


@pytest.mark.parametrize("dt", [np.bool_(True), np.float32("nan"), np.float32(-0.1)])
def test_a_numpy_dt_that_is_no_time_step_is_refused(plant, dt):
    with pytest.raises(PlantError, match="dt"):
        plant.compile(device="cpu", dt=dt)
