"""Study plots: measurable properties of the figures drawn from a study's Parquet."""

import numpy as np
import pytest

from twin.study import Experiment
from twin.study import plots

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("study_conftest", Path(__file__).with_name("conftest.py"))
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    two_station_plant = helpers.two_station_plant
    out = tmp_path_factory.mktemp("study")
    exp = Experiment(two_station_plant(), {"b.capacity": [1, 2, 4], "m1.process.mean": [0.8, 1.2]},
                     ["throughput", "wip"])
    exp.run(replicas=12, horizon=300.0, warmup=30.0, device="cpu", out=out)
    return out


def test_main_effects(study_dir, tmp_path):
    fig = plots.main_effects(study_dir, "throughput", path=tmp_path / "me.png")
    axes = fig.axes
    assert len(axes) == 2
    assert [ax.get_xlabel() for ax in axes] == ["b.capacity", "m1.process.mean"]
    assert axes[0].get_ylabel().startswith("throughput")
    assert [len(ax.lines[0].get_xdata()) for ax in axes] == [3, 2]
    # a bigger buffer and a faster M1 both raise throughput
    assert np.all(np.diff(axes[0].lines[0].get_ydata()) > 0)
    assert axes[1].lines[0].get_ydata()[0] > axes[1].lines[0].get_ydata()[1]
    assert (tmp_path / "me.png").stat().st_size > 1000


def test_interaction(study_dir):
    fig = plots.interaction(study_dir, "b.capacity", "m1.process.mean", "throughput")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and all(len(line.get_xdata()) == 3 for line in ax.lines)
    assert ax.get_xlabel() == "b.capacity"


def test_pareto_front(study_dir):
    fig = plots.pareto_front(study_dir, "throughput", "wip")
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 6
    assert ax.get_xlabel() == "throughput (mean)" and ax.get_ylabel() == "wip (mean)"
    import pandas as pd
    means = pd.read_parquet(study_dir / "replicas.parquet").groupby("point")[["throughput", "wip"]].mean()
    # brute-force non-dominated set (max throughput, min wip)
    front = sorted(i for i in means.index if not any(
        (means.loc[j, "throughput"] >= means.loc[i, "throughput"] and means.loc[j, "wip"] <= means.loc[i, "wip"])
        and (means.loc[j, "throughput"] > means.loc[i, "throughput"] or means.loc[j, "wip"] < means.loc[i, "wip"])
        for j in means.index))
    assert sorted(fig.front) == front and len(ax.lines[0].get_xdata()) == len(front)


def test_paired_differences(study_dir):
    fig = plots.paired_differences(study_dir, "throughput")
    ax = fig.axes[0]
    assert len(ax.get_yticks()) == 5  # every design point but the baseline
    assert "difference to point 0" in ax.get_xlabel()
