"""benchmarks/compare_records.py: the slowdown check between two benchmark records (synthetic
records, hand-computed changes), and what bench_line.py puts in a record (a tiny real run: which
run's time is reported, not how fast it was)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import compare_records as cr  # noqa: E402


def record(when: str, us: dict, cpu="Xeon", cores=2, device="cpu") -> dict:
    return {"schema": cr.SCHEMA, "recorded_utc": when, "machine": {"cpu": cpu, "cores": cores, "device": device},
            "cases": [{"stations": s, "ratio": 10.0 / u, "twin": {"us_per_operation": u}} for s, u in us.items()]}


def test_a_slowdown_beyond_15_percent_is_flagged_and_one_within_is_not():
    old = record("2026-01-01T00:00:00Z", {5: 1.00, 20: 1.00, 50: 2.00})
    new = record("2026-01-02T00:00:00Z", {5: 1.14, 20: 1.16, 50: 1.00, 200: 9.0})
    rows = {r["stations"]: r for r in cr.compare(new, old)}
    assert set(rows) == {5, 20, 50}  # 200 stations has nothing to compare with
    assert rows[5]["change"] == pytest.approx(0.14) and not rows[5]["slower"]
    assert rows[20]["change"] == pytest.approx(0.16) and rows[20]["slower"]
    assert rows[50]["change"] == pytest.approx(-0.5) and not rows[50]["slower"]


def test_the_previous_record_is_the_latest_older_one_of_the_same_machine(tmp_path):
    recs = [record("2026-01-01T00:00:00Z", {5: 1.0}), record("2026-01-02T00:00:00Z", {5: 5.0}, cpu="EPYC"),
            record("2026-01-03T00:00:00Z", {5: 1.0}), record("2026-01-04T00:00:00Z", {5: 1.3})]
    for i, r in enumerate(recs):
        (tmp_path / f"bench_line-{i}.json").write_text(json.dumps(r))
    (tmp_path / "equipment-cpu.json").write_text(json.dumps({"benchmark": "other"}))  # skipped
    loaded = cr.load_records(tmp_path)
    assert [r["recorded_utc"] for r in loaded] == [r["recorded_utc"] for r in recs]
    assert cr.previous_of(loaded[-1], loaded)["recorded_utc"] == "2026-01-03T00:00:00Z"
    assert cr.main(["--results", str(tmp_path)]) == 1          # 1.0 -> 1.3 us/op: 30% slower
    assert cr.main([str(tmp_path / "bench_line-2.json"), "--results", str(tmp_path)]) == 0  # vs Jan 1: same
    assert cr.main([str(tmp_path / "bench_line-1.json"), "--results", str(tmp_path)]) == 0  # no earlier EPYC


def test_cpu_time_is_compared_where_both_records_have_it():
    old = record("2026-01-01T00:00:00Z", {5: 1.0})
    new = record("2026-01-02T00:00:00Z", {5: 3.0})  # wall time tripled (a busy machine) ...
    old["cases"][0]["twin"]["cpu_us_per_operation"] = 0.9
    new["cases"][0]["twin"]["cpu_us_per_operation"] = 1.0  # ... CPU time per operation +11%
    (row,) = cr.compare(new, old)
    assert row["measure"] == "cpu_us_per_operation" and row["change"] == pytest.approx(1 / 0.9 - 1)
    assert not row["slower"]
    del old["cases"][0]["twin"]["cpu_us_per_operation"]  # an older record without CPU time: wall time
    (row,) = cr.compare(new, old)
    assert row["measure"] == "us_per_operation" and row["slower"]


def test_bench_line_reports_the_best_of_its_alternating_runs_and_records_them_all(tmp_path):
    """bench_line.py --repeat: each model runs that many times; the reported time, ratio and µs per
    operation come from the best run of each (a real, tiny case: 2 stations, 4 replicas, 30 min)."""
    pytest.importorskip("simpy")
    import bench_line
    out = tmp_path / "rec.json"
    bench_line.main(["--stations", "2", "--replicas", "4", "--horizon", "30min", "--warmup", "5min",
                     "--repeat", "3", "--out", str(out)])
    case = json.loads(out.read_text())["cases"][0]
    assert case["repeat"] == 3
    for side in ("twin", "lean_simpy"):
        runs = case[side]["wall_s_runs"]
        assert len(runs) == 3 and all(t > 0 for t in runs)
        assert case[side]["wall_s"] == min(runs)
        assert case[side]["us_per_operation"] == pytest.approx(1e6 * min(runs) / case["operations"])
    assert case["ratio"] == pytest.approx(case["lean_simpy"]["wall_s"] / case["twin"]["wall_s"])


def test_a_slowdown_the_peer_shares_is_the_machine_not_twin():
    """Both models are timed in one run, so a machine that got 40% slower slows both: twin's us per
    operation rise by 40%, its ratio to the peer does not fall, and nothing is flagged. A twin that
    got 40% slower on an unchanged machine loses 29% of its ratio and is flagged."""
    old = record("2026-01-01T00:00:00Z", {5: 1.0, 20: 1.0})
    new = record("2026-01-02T00:00:00Z", {5: 1.4, 20: 1.4})
    new["cases"][0]["ratio"] = old["cases"][0]["ratio"]  # 5 stations: the peer slowed by 40% too
    rows = {r["stations"]: r for r in cr.compare(new, old)}
    assert rows[5]["change"] == pytest.approx(0.4) and rows[5]["relative_change"] == pytest.approx(0.0)
    assert not rows[5]["slower"] and rows[5]["machine_slower"]
    assert rows[20]["relative_change"] == pytest.approx(0.4) and rows[20]["slower"] and not rows[20]["machine_slower"]
