"""Maintenance policies are one table (twin.maintenance.spec POLICIES): parsing, labels, sweeps and
the kernel values all read a policy's entry, so a new policy is one entry (plus its kernel branch).

References are hand-computed: the strings a person types, the labels they read, the values the
kernels compare (seconds / dt, uses x counter units per use)."""

from __future__ import annotations


import numpy as np
import pytest

from twin.errors import PlantError
from twin.kernels import health_layout as hl
from twin.maintenance import Policy, compiled, spec, study


@pytest.mark.parametrize("text, kind, value, signal, label", [
    ("rtf", "run_to_failure", 0.0, "vibration", "run_to_failure"),
    ("run_to_failure", "run_to_failure", 0.0, "vibration", "run_to_failure"),
    ("time:2h", "time_based", 7200.0, "vibration", "time_based(7200 s)"),
    ("time_based:90s", "time_based", 90.0, "vibration", "time_based(90 s)"),
    ("usage:5000", "usage_based", 5000.0, "vibration", "usage_based(5000)"),
    ("condition:temperature:71.5", "condition_based", 71.5, "temperature", "condition_based(temperature>=71.5)"),
    ("condition:current>=3", "condition_based", 3.0, "current", "condition_based(current>=3)"),
    ("predictive:30min", "predictive", 1800.0, "vibration", "predictive(1800 s)"),
])
def test_parse_and_label_every_policy(text, kind, value, signal, label):
    p = Policy.parse(text)
    assert (p.kind, p.value, p.signal, p.label) == (kind, value, signal, label)


@pytest.mark.parametrize("text, needle", [("often:3", "unknown policy"), ("condition:vibration", "unknown policy"),
                                          ("time:soon", "cannot read the policy"), ("usage:-2", "policy value")])
def test_bad_policy_strings_are_one_clear_error(text, needle):
    with pytest.raises(PlantError, match=needle):
        Policy.parse(text)


def test_the_kernel_codes_follow_the_table():
    """A policy's position in POLICIES is its POLICY_* code in the kernels (kernels/health.py
    decides when a service is due by it): reordering the table would change every study."""
    codes = {k: compiled.POLICY_CODES[k] for k in spec.POLICIES}
    assert codes == {"run_to_failure": hl.POLICY_NONE, "time_based": hl.POLICY_TIME, "usage_based": hl.POLICY_USAGE,
                     "condition_based": hl.POLICY_CONDITION, "predictive": hl.POLICY_PREDICTIVE}


def test_kernel_values_per_policy():
    """What the kernels compare: durations in steps (seconds / dt), uses times the host's counter
    units per use, signal levels as given, nothing for run to failure."""
    dt = 0.5
    scale = lambda: 3.0  # noqa: E731 - a load-driven usage wear: 3 counter units per use
    got = {k: spec.POLICIES[k].kernel_value(12.0, dt, scale) for k in spec.POLICIES}
    assert got == {"run_to_failure": 12.0, "time_based": 24.0, "usage_based": 36.0, "condition_based": 12.0,
                   "predictive": 24.0}


def test_a_new_policy_is_one_entry(monkeypatch):
    """An entry added to POLICIES is parsed, labelled, validated and swept with no other change."""
    shift = spec.PolicyKind("per_shift", "shift", spec._duration, spec._per_step, doc="a service every shift")
    monkeypatch.setitem(spec.POLICIES, "per_shift", shift)
    p = Policy.parse("shift:8h")
    assert (p.kind, p.value, p.label) == ("per_shift", 28800.0, "per_shift(28800 s)")
    assert study.policy_label(p) == "per_shift(8 h)"
    assert study.parse_sweep("shift:1h..3h/3") == ("per_shift", [3600.0, 7200.0, 10800.0], "vibration")
    with pytest.raises(PlantError, match="policy value"):
        Policy("per_shift", 0.0)


def test_sweeps_read_values_by_the_policy_kind():
    assert study.parse_sweep("time:10h..20h/2") == ("time_based", [36000.0, 72000.0], "vibration")
    assert study.parse_sweep("usage:100..300/3") == ("usage_based", [100.0, 200.0, 300.0], "vibration")
    kind, values, signal = study.parse_sweep("condition:temperature>=60..70/3")
    assert (kind, signal) == ("condition_based", "temperature") and np.allclose(values, [60.0, 65.0, 70.0])


def test_compile_control_uses_the_table(monkeypatch):
    """The crew's Control part (twin.maintenance.compiled compile_control) takes each component's
    kernel value from its policy's entry: a time policy of 2 h at dt = 1 s is 7200 steps."""
    import twin
    from twin.model import compile_plant
    model = compile_plant(twin.load_scene("press_shop").plant, device="cpu")
    c = compiled.compile_control(model, 0, 4, policy=Policy.time_based(7200.0))
    n = model.n_components
    assert n > 0
    np.testing.assert_array_equal(c.policy.numpy(), np.full(n, hl.POLICY_TIME))
    np.testing.assert_array_equal(c.policy_value.numpy(), np.full(n, 7200.0 / model.dt))
    log = compiled.SensorLog(replicas=3, every=2, max_samples=5)
    c = compiled.compile_control(model, 2, 4, sensor_log=log)  # a block from replica 2 holds 1 logged replica
    assert (c.log_replicas, c.log_every, c.log_len) == (1, 2, 5)
    assert compiled.compile_control(model, 3, 4, sensor_log=log).log_replicas == 0


def test_a_study_flags_a_preventive_policy_that_never_triggered():
    """``preventive`` comes from the policy's entry: a time policy with no service is flagged,
    run to failure (no service by design) is not, and services > 0 is never flagged."""
    from types import SimpleNamespace

    def scenario(kind, services):
        return SimpleNamespace(policy={"*": {"kind": kind, "value": 1.0}}, kpis={"services": {"mean": services}})
    assert study.never_triggered(scenario("time_based", 0))
    assert not study.never_triggered(scenario("run_to_failure", 0))
    assert not study.never_triggered(scenario("usage_based", 2.5))
