"""Shared plants of the study tests: lines whose behaviour is known in closed form."""

import pytest

import twin


def two_station_plant(m1: float = 1.0, m2: float = 1.0, capacity: int = 2) -> twin.Plant:
    """Saturated source -> M1 (exponential, mean m1 s) -> buffer (capacity) -> M2 (exponential,
    mean m2 s) -> sink; blocking after service."""
    p = twin.Plant("two_station")
    p.add(twin.Source("src"), twin.Machine("m1", process=twin.Exponential(m1)), twin.Buffer("b", capacity=capacity),
          twin.Machine("m2", process=twin.Exponential(m2)), twin.Sink("out"))
    p.line("src", "m1", "b", "m2", "out")
    return p


def two_station_throughput(m1: float, m2: float, capacity: int) -> float:
    """Parts per hour of the two-station exponential line with blocking after service.

    The parts between M1's output and M2 (in the buffer, at M2, and a finished part blocked on
    M1) form a birth-death chain on 0..K with K = capacity + 2, birth rate mu1 = 1/m1 and death
    rate mu2 = 1/m2: pi_n ~ rho^n with rho = mu1/mu2, and throughput = mu2 (1 - pi_0)."""
    mu1, mu2, k = 1.0 / m1, 1.0 / m2, capacity + 2
    rho = mu1 / mu2
    p0 = 1.0 / (k + 1) if abs(rho - 1.0) < 1e-12 else (1.0 - rho) / (1.0 - rho ** (k + 1))
    return 3600.0 * mu2 * (1.0 - p0)


@pytest.fixture
def two_station():
    return two_station_plant


@pytest.fixture
def two_station_th():
    return two_station_throughput
