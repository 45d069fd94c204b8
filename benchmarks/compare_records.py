"""Flags a slowdown: the newest ``bench_line.py`` record against the previous one of the same machine.

    python benchmarks/compare_records.py                 # newest record in benchmarks/results/
    python benchmarks/compare_records.py NEW.json [OLD.json] [--threshold 0.15]

Same machine means the same CPU model, core count and device. Per station count, twin's
microseconds per machine operation are compared (by CPU time where both records have it, else by
wall time); a case more than ``threshold`` (15%) slower
than before is flagged and the exit status is 1, unless the lean SimPy model of the same record
slowed as much: each record times both models in one run, so a case whose ratio to the peer did
not fall by more than ``threshold`` met a slower machine (a busy neighbour on a shared VM), not a
slower twin, and is reported as such. Exit status 0: no slowdown, or no earlier record
of this machine to compare with. A developer runs this after ``bench_line.py``; it is not a test
(timings on a shared machine vary too much to fail a test run on).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = "twin-bench-line/1"
THRESHOLD = 0.15


def machine_key(record: dict) -> tuple:
    m = record["machine"]
    return m.get("cpu"), m.get("cores"), m.get("device")


def load_records(folder: Path) -> list[dict]:
    """bench_line records in ``folder``, oldest first (other JSON files are skipped)."""
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and rec.get("schema") == SCHEMA:
            rec["_path"] = str(path)
            out.append(rec)
    return sorted(out, key=lambda r: r["recorded_utc"])


def previous_of(new: dict, records: list[dict]) -> dict | None:
    """The latest record older than ``new`` made on the same machine."""
    same = [r for r in records if machine_key(r) == machine_key(new) and r["recorded_utc"] < new["recorded_utc"]]
    return same[-1] if same else None


def compare(new: dict, old: dict, threshold: float = THRESHOLD) -> list[dict]:
    """One row per station count in both records: twin's us per operation before and after, the
    change (new / old - 1) and whether it is a slowdown beyond ``threshold``."""
    before = {c["stations"]: c for c in old["cases"]}
    rows = []
    for case in new["cases"]:
        prev = before.get(case["stations"])
        if prev is None:
            continue
        # CPU time where both records have it: other jobs on a shared machine inflate wall time
        key = "cpu_us_per_operation" if "cpu_us_per_operation" in prev["twin"] and \
            "cpu_us_per_operation" in case["twin"] else "us_per_operation"
        a, b = prev["twin"][key], case["twin"][key]
        change = b / a - 1.0
        relative = prev["ratio"] / case["ratio"] - 1.0  # twin's slowdown against the peer of the same run
        rows.append({"stations": case["stations"], "measure": key, "old_us_per_op": a, "new_us_per_op": b,
                     "change": change, "old_ratio": prev["ratio"], "new_ratio": case["ratio"],
                     "relative_change": relative, "slower": change > threshold and relative > threshold,
                     "machine_slower": change > threshold and relative <= threshold})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("new", nargs="?", type=Path, help="record to check (default: the newest in benchmarks/results)")
    ap.add_argument("old", nargs="?", type=Path, help="record to compare with (default: the previous one of the same machine)")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--threshold", type=float, default=THRESHOLD, help="flagged slowdown (default 0.15 = 15%%)")
    args = ap.parse_args(argv)

    records = load_records(args.results)
    new = json.loads(args.new.read_text()) if args.new else (records[-1] if records else None)
    if new is None:
        print(f"no bench_line records in {args.results}")
        return 0
    old = json.loads(args.old.read_text()) if args.old else previous_of(new, records)
    cpu, cores, device = machine_key(new)
    if old is None:
        print(f"no earlier record of this machine ({cpu}, {cores} cores, {device}) to compare with")
        return 0
    rows = compare(new, old, args.threshold)
    print(f"{cpu}, {cores} cores, {device}: {old['recorded_utc']} -> {new['recorded_utc']}")
    for r in rows:
        flag = f"  SLOWER by more than {args.threshold:.0%}" if r["slower"] else \
            "  (the lean SimPy model slowed as much: the machine, not twin)" if r["machine_slower"] else ""
        print(f"  {r['stations']:4d} stations: {r['old_us_per_op']:.3f} -> {r['new_us_per_op']:.3f} us/op "
              f"[{'CPU' if r['measure'].startswith('cpu') else 'wall'}] "
              f"({r['change']:+.1%}); ratio to lean SimPy {r['old_ratio']:.1f}x -> {r['new_ratio']:.1f}x{flag}")
    if not rows:
        print("  no station count in common")
    return 1 if any(r["slower"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
