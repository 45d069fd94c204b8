"""What benchmarks/gpu_check.sh runs on a lent GPU, tried here on the CPU with tiny cases:
gpu_bench.py's stages within a budget and its sweep, and bench_threads.py's thread counts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_threads  # noqa: E402
import gpu_bench  # noqa: E402

HOUR, DAY = 3600.0, 86400.0


def test_gpu_bench_runs_an_hour_a_day_and_the_horizon_and_compares_the_graph_on_the_day(tmp_path):
    out = tmp_path / "b.json"
    rec = gpu_bench.main(["--device", "cpu", "--stations", "3", "--replicas", "4", "--horizon", str(2 * DAY),
                          "--warmup", "600", "--json", str(out)])
    assert [s["horizon_s"] for s in rec["stages"]] == [HOUR + 600, DAY + 600, 2 * DAY]
    assert all("wall_s" in s for s in rec["stages"])
    assert rec["graph"] == "pass" and rec["graph_compare_horizon_s"] == DAY + 600
    assert rec["timed_horizon_s"] == 2 * DAY and rec["wall_s"] == rec["stages"][-1]["wall_s"]
    assert rec["meets_target"] is None  # the target is a GPU's
    assert json.loads(out.read_text()) == json.loads(json.dumps(rec))


def test_gpu_bench_skips_a_horizon_predicted_past_its_budget_and_reports_the_longest_run():
    """With no budget left after the first run, every longer horizon is predicted not to fit:
    skipped, said so, and the figures are those of the run that was made."""
    rec = gpu_bench.main(["--device", "cpu", "--stations", "3", "--replicas", "4", "--horizon", str(2 * DAY),
                          "--warmup", "600", "--budget-s", "0"])
    made, skipped = rec["stages"]
    assert made["horizon_s"] == HOUR + 600 and "wall_s" in made
    assert skipped["horizon_s"] == DAY + 600 and skipped["skipped"].startswith("predicted")
    assert rec["timed_horizon_s"] == HOUR + 600 and "graph" not in rec


def test_gpu_bench_sweep_reports_each_replica_count_and_checks_the_numbers_match():
    rec = gpu_bench.main(["--device", "cpu", "--stations", "3", "--replicas", "4", "--horizon", str(2 * HOUR),
                          "--warmup", "600", "--sweep-replicas", "4,8", "--sweep-block-dims", "64,256",
                          "--sweep-horizon", str(HOUR + 600)])
    rows = rec["sweep"]["rows"]
    assert [(r["replicas"], r["block_dim"]) for r in rows] == [(4, 256), (8, 256)] * 2  # the CPU keeps 256
    assert all(r["identical"] and r["wall_s"] > 0 for r in rows)


def test_gpu_bench_sweep_flags_numbers_that_differ(monkeypatch):
    monkeypatch.setattr(gpu_bench, "same_numbers", lambda a, b: a is b)
    rec = gpu_bench.main(["--device", "cpu", "--stations", "3", "--replicas", "4", "--horizon", str(2 * HOUR),
                          "--warmup", "600", "--sweep-replicas", "4", "--sweep-block-dims", "64,256",
                          "--sweep-horizon", str(HOUR + 600)])
    assert [r["identical"] for r in rec["sweep"]["rows"]] == [True, False]


def test_bench_threads_reports_the_best_run_of_each_count_against_one_thread(tmp_path):
    out = tmp_path / "t.json"
    rec = bench_threads.main(["--stations", "3", "--replicas", "8", "--horizon", "7200", "--warmup", "600",
                              "--threads", "1,2", "--repeat", "2", "--json", str(out)])
    assert rec["identical"] is True and rec["threads"] == [1, 2]
    for n in ("1", "2"):
        assert len(rec["wall_s_runs"][n]) == 2 and rec["wall_s"][n] == min(rec["wall_s_runs"][n])
    assert rec["speedup_vs_one_thread"]["2"] == pytest.approx(rec["wall_s"]["1"] / rec["wall_s"]["2"], abs=5.1e-4)  # rounded to 3 decimals
    assert json.loads(out.read_text())["wall_s"] == rec["wall_s"]


def test_bench_threads_fails_when_a_thread_count_changes_the_numbers(monkeypatch):
    monkeypatch.setattr(gpu_bench, "same_numbers", lambda a, b: False)
    with pytest.raises(SystemExit) as stop:
        bench_threads.main(["--stations", "3", "--replicas", "8", "--horizon", "7200", "--warmup", "600",
                            "--threads", "1,2", "--repeat", "1"])
    assert stop.value.code == 1


def test_thread_counts_double_up_to_the_cores():
    assert bench_threads.thread_counts(16) == [1, 2, 4, 8, 16]
    assert bench_threads.thread_counts(6) == [1, 2, 4, 6]
    assert bench_threads.thread_counts(1) == [1]
