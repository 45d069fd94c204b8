"""benchmarks/count_instructions.py: instructions per machine operation under callgrind. What is
checked is the counting, not a speed: the operations it divides by equal those of the same two
runs without valgrind (each machine's output, an independent count), and the instructions it
counts are the engine's, not start-up or compilation (a 1 h run costs far less than the 8 h
difference it reports, so the difference is not dominated by fixed costs)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import count_instructions as ci  # noqa: E402

import twin  # noqa: E402
from lines import saturated_line  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None or shutil.which("callgrind_control") is None,
                                reason="needs valgrind's callgrind (Debian: valgrind)")


@pytest.fixture(scope="module")
def plain() -> dict:
    """The count of a 3-station line, 2 replicas (one callgrind run, ~25 s, shared by the tests)."""
    return ci.count(stations=3, replicas=2)


def test_instructions_are_counted_per_machine_operation_of_the_8_hours_between_the_runs(plain):
    case = plain
    plant = saturated_line(3)
    model = plant.compile(device="cpu")
    machines = [n for n in plant.elements if isinstance(plant[n], twin.Machine)]
    done = []
    for hours in ci.HOURS:  # the child's two runs, natively
        res = twin.Simulator(model, 2).run(hours * 3600.0, 0.0, seed=1, threads=1)
        done.append(sum(float(res.element(n)["throughput_per_hour"].mean) for n in machines) * hours * 2)
    assert case["operations"] == pytest.approx(done[1] - done[0], rel=1e-12)
    assert case["throughput_per_hour"] == pytest.approx(float(res.throughput.mean), rel=1e-12)
    # An engine operation costs a few thousand instructions (2,186 here, 2,068 at 10 stations on
    # 2026-11-30); the child's start-up and compilation (~10^10) are not in the count, and the KPIs'
    # Python work after the runs, counted in one draft, made it 7,018 at 10 stations.
    assert 300 < case["instructions_per_operation"] < 5_000


def test_cache_misses_are_counted_beside_the_same_instructions(plain):
    """--cache adds callgrind's cache simulation: the run and its instructions are the same (the
    simulation observes, it does not change the program), and a first-level data cache miss is a
    fraction of the ~800 data accesses of an operation, never zero (each launch's state comes in)."""
    cached = ci.count(stations=3, replicas=2, cache=True)
    assert cached["operations"] == plain["operations"]
    # the Python around the launches varies by ~10^4 instructions between runs: 0.2-0.3% of this
    # tiny case's 5 x 10^6 (of the 8 h of a 20-station case, under 0.1%)
    assert cached["instructions"] == pytest.approx(plain["instructions"], rel=1e-2)
    misses = cached["d1_read_misses_per_operation"] + cached["d1_write_misses_per_operation"]
    assert 0 < misses < 20
    assert "B, 64 B" in cached["d1_cache"]  # the simulated D1's size and line, as callgrind names it
