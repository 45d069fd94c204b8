"""Predictive maintenance: equipment health, sensors, policies and remaining-useful-life."""

from .cmapss import evaluate_fd001, find_cmapss_dir, load_cmapss
from .compiled import SensorLog, SensorRecords
from .spec import (Crew, GammaWear, HealthComponent, Policy, SensorModel, UsageWear, WeibullLife,
                   WienerWear)
from .study import MaintenanceStudy, compare, parse_sweep, sweep
from .rul import (RULEstimator, capped_rul, cross_validate, evaluate_holdout, phm08_score, rmse,
                  split_units, truncate_units)

__all__ = [
    "HealthComponent", "GammaWear", "WienerWear", "WeibullLife", "UsageWear", "SensorModel", "Crew", "Policy",
    "SensorLog", "SensorRecords", "MaintenanceStudy", "compare", "sweep", "parse_sweep",
    "RULEstimator", "rmse", "phm08_score", "capped_rul", "evaluate_holdout", "cross_validate",
    "split_units", "truncate_units", "load_cmapss", "find_cmapss_dir", "evaluate_fd001",
]
