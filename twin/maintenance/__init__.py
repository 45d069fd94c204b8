"""Predictive maintenance: equipment health, sensors, policies and remaining-useful-life.

Names load from their submodule on first use: element specs (``spec``, no Warp) do not pull in
the compiled arrays (``compiled``, Warp), the studies (``study``), the RUL estimator (``rul``) or
the C-MAPSS loader (``cmapss``).
"""

from __future__ import annotations

_EXPORTS = {
    "HealthComponent": "spec", "GammaWear": "spec", "WienerWear": "spec", "WeibullLife": "spec",
    "UsageWear": "spec", "SensorModel": "spec", "Crew": "spec", "Policy": "spec",
    "SensorLog": "compiled", "SensorRecords": "compiled",
    "MaintenanceStudy": "study", "compare": "study", "sweep": "study", "parse_sweep": "study",
    "RULEstimator": "rul", "rmse": "rul", "phm08_score": "rul", "capped_rul": "rul", "evaluate_holdout": "rul",
    "cross_validate": "rul", "split_units": "rul", "truncate_units": "rul",
    "load_cmapss": "cmapss", "find_cmapss_dir": "cmapss", "evaluate_fd001": "cmapss",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'twin.maintenance' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
