"""Which device a plant compiles to (twin/model.py, resolve_device): the CPU unless one is named,
also where a GPU is present (the measured GPU figures: README, "GPU figures")."""

import pytest

import twin
from twin import model as model_module
from twin.errors import TwinError
from twin.model import resolve_device

from test_simulator_defaults import small


def test_the_cpu_is_the_default_even_where_a_gpu_is(monkeypatch):
    monkeypatch.setattr(model_module.wp, "is_cuda_available", lambda: True)
    assert resolve_device(None) == "cpu"
    assert small().compile().device == "cpu"


def test_a_named_device_is_used_and_one_that_is_not_here_is_refused_by_name():
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(TwinError, match="device 'cuda:7' is not available here"):
        resolve_device("cuda:7")


def test_a_study_without_a_device_runs_on_the_cpu():
    res = twin.simulate(small(), replicas=2, horizon="10 min")
    assert res.meta["device"] == "cpu"
