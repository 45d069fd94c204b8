"""Where the SMT2020 datasets are: $TWIN_SMT2020_DIR or ../shared/data/smt2020 from the repository
root. Tests that need them skip with the reason when they are absent (the data is never committed)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def smt2020_dir() -> Path | None:
    env = os.environ.get("TWIN_SMT2020_DIR")
    d = Path(env) if env else ROOT.parent / "shared" / "data" / "smt2020"
    return d if (d / "SMT2020_HVLM").is_dir() and (d / "SMT2020_LVHM").is_dir() else None


def dataset(name: str) -> Path:
    d = smt2020_dir()
    if d is None:
        pytest.skip("SMT2020 data not found: set TWIN_SMT2020_DIR or place it in ../shared/data/smt2020")
    return d / f"SMT2020_{name}"
