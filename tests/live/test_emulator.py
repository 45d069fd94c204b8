"""The emulated line (twin/live/emulator.py) that forecasts are checked against (issue 14.2, 14.4)."""

import pytest

import twin
from twin.live.emulator import Emulator


def test_emulator_elapsed_plus_remaining_is_the_whole_duration():
    """Deterministic process and repair times: what the emulator says has elapsed plus what the
    kernels still have to run is exactly the duration (checked at 200 moments)."""
    p = twin.Plant("det")
    p.add(twin.Source("src", interarrival=twin.Exponential(50)))
    p.add(twin.Buffer("b", capacity=4))
    p.add(twin.Machine("m", process=twin.Deterministic(45),
                       failures=twin.Failures(tbf=twin.Exponential(900), ttr=twin.Deterministic(120))))
    p.add(twin.Sink("out"))
    p.line("src", "b", "m", "out")
    em = Emulator(p, seed=4)
    seen = {"processing": 0, "down": 0, "paused": 0}
    for k in range(1, 201):
        em.advance_to(k * 37.0)
        m = em.snapshot().elements["m"]
        for part in m.parts:
            if part.status in ("processing", "paused"):
                assert part.elapsed_s + part.remaining_s == pytest.approx(45.0, abs=1e-9)
                seen[part.status] += 1
        if m.state == "down":
            assert m.repair_elapsed_s + m.repair_remaining_s == pytest.approx(120.0, abs=1e-9)
            seen["down"] += 1
    assert min(seen.values()) > 0, seen
