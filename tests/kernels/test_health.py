"""Equipment health and maintenance policies against closed-form reliability results.

Each check allows 4 standard errors of the replica mean plus a stated systematic allowance (the
update period, or rounding to steps); replica counts make a standard error about 1% of the value.
"""

import math

import numpy as np
import pytest

import twin
from checks import assert_matches, standard_error
from twin.maintenance import (Crew, GammaWear, HealthComponent, Policy, SensorLog, SensorModel, UsageWear,
                              WeibullLife, WienerWear)

HOUR = 3600.0


def host_with(component: HealthComponent, *, cycle: float = 600.0, technicians: int = 1,
              hourly_rate: float = 0.0) -> twin.Plant:
    """A saturated machine (slow fixed cycle, so few flow events) carrying one component."""
    p = twin.Plant("host", crew=Crew(technicians, hourly_rate))
    p.add(twin.Source("raw"), twin.Machine("m", process=twin.Deterministic(cycle), health=[component]),
          twin.Sink("out"))
    p.line("raw", "m", "out")
    return p


def test_wiener_first_passage_is_inverse_gaussian(device):
    """X(t) = x0 + mu t + sigma W(t) first reaches D at an inverse-Gaussian time with mean
    (D - x0) / mu and variance (D - x0) sigma^2 / mu^3. Updates every 0.25 h with the
    Brownian-bridge crossing check: the remaining detection delay is under a quarter hour (0.25%
    of the 100 h mean, the stated allowance)."""
    mu, x0, d = 0.8 / (100 * HOUR), 0.2, 1.0
    cv = 0.3
    sigma = cv * math.sqrt(mu * (d - x0))  # cv^2 = sigma^2 / (mu (D - x0))
    c = HealthComponent("seal", WienerWear(mu, sigma), clock="calendar", initial=x0, threshold=d,
                        repair=60.0, service=60.0, sensors=SensorModel(period=0.25 * HOUR))
    res = twin.simulate(host_with(c), replicas=1000, horizon=400 * HOUR, seed=4, device=device)
    first = res.maintenance["components"]["m.seal"]["first_failure_h"]
    assert first.n == 1000  # every replica failed inside the horizon (P(tau > 4 mean) ~ 1e-9)
    mean = (d - x0) / mu / HOUR
    assert_matches(first, mean, bias=0.0025 * mean, what="mean first passage")
    sd = res.per_replica["maintenance"]["components"]["m.seal"]["first_failure_h"].std(ddof=1)
    assert sd == pytest.approx(cv * mean, rel=0.08)  # the sample sd of 1000 draws is within ~5%


@pytest.mark.parametrize("shape,scale_h", [(2.5, 100.0), (0.8, 40.0)])
def test_weibull_lives_have_mean_eta_gamma(device, shape, scale_h):
    """Weibull lives: mean = eta Gamma(1 + 1/beta), from the first life of each replica (exact: a
    failure is scheduled at the life's step) and over renewals (clock time per failure). The
    renewal estimate is a ratio per replica: after a warm-up of 5 eta (the renewal process is then
    near stationary) and ~50 failures per replica, its bias is about cv^2 / 50 < 3% of the mean for
    these lives (cv 0.44 and 1.26), the allowance."""
    c = HealthComponent("tool", WeibullLife(shape, scale_h * HOUR), clock="calendar", repair=1.0, service=1.0,
                        sensors=SensorModel(period=24 * HOUR))
    mean = scale_h * math.gamma(1 + 1 / shape)
    res = twin.simulate(host_with(c), replicas=500, horizon=5 * scale_h * HOUR + 50 * mean * HOUR,
                        warmup=5 * scale_h * HOUR, seed=8, device=device)
    comp = res.maintenance["components"]["m.tool"]
    assert_matches(comp["first_failure_h"], mean, what="first life")
    assert_matches(comp["mttf_h"], mean, bias=0.03 * mean, what="time per failure over renewals")


def test_preventive_service_cannot_help_a_memoryless_component(device):
    """With exponential lives (Weibull shape 1) the failure rate does not depend on age: a
    time-based preventive service only adds downtime, so availability cannot rise, whatever the
    interval, and the failure rate per hour of age stays 1 / MTTF."""
    c = HealthComponent("board", WeibullLife(1.0, 50 * HOUR), clock="calendar", repair=2 * HOUR, service=HOUR,
                        sensors=SensorModel(period=24 * HOUR))
    plant = host_with(c)
    base = twin.simulate(plant, replicas=400, horizon=3000 * HOUR, seed=5, device=device)
    a0 = base.maintenance["availability"]
    for interval in (20 * HOUR, 50 * HOUR, 120 * HOUR):
        pm = twin.simulate(plant, replicas=400, horizon=3000 * HOUR, seed=5, device=device,
                           policy=Policy.time_based(interval))
        a1 = pm.maintenance["availability"]
        se = math.hypot(standard_error(a0), standard_error(a1))
        assert a1.mean <= a0.mean + 3.29 * se, (interval, a1, a0)
        assert_matches(pm.maintenance["components"]["m.board"]["mttf_h"], 50.0, bias=0.5, what="MTTF with PM")


def age_replacement_cost_rate(t, shape, scale, cp, cf, tp, tf) -> float:
    """Renewal reward: C(T) = (Cp R(T) + Cf F(T)) / (int_0^T R dt + tp R(T) + tf F(T))."""
    grid = np.linspace(0.0, t, 4001)
    r = np.exp(-(grid / scale) ** shape)
    area = float(np.sum((r[1:] + r[:-1]) * np.diff(grid)) / 2)
    rt = math.exp(-(t / scale) ** shape)
    return (cp * rt + cf * (1 - rt)) / (area + tp * rt + tf * (1 - rt))


def test_age_replacement_cost_rate_and_optimum(device):
    """Weibull life (beta = 2.5, eta = 100 h), preventive cost 1, corrective cost 10, service and
    repair 0.1 h. The simulated cost per hour matches the renewal-reward formula at several ages T,
    and the sweep's cheapest T is the analytic optimum (within one grid step)."""
    shape, scale = 2.5, 100.0
    cp, cf, tp, tf = 1.0, 10.0, 0.1, 0.1
    c = HealthComponent("spindle", WeibullLife(shape, scale * HOUR), clock="calendar", repair=tf * HOUR,
                        service=tp * HOUR, repair_cost=cf, service_cost=cp, sensors=SensorModel(period=1000 * HOUR))
    plant = host_with(c, cycle=HOUR)
    model = plant.compile(device=device)
    grid = [20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 120.0]
    simulated = {}
    for t in grid:
        res = twin.Simulator(model, 400).run(6000 * HOUR, 500 * HOUR, seed=12, policy=Policy.time_based(t * HOUR))
        kpi = res.maintenance["cost_rate_per_hour"]
        exact = age_replacement_cost_rate(t, shape, scale, cp, cf, tp, tf)
        assert_matches(kpi, exact, bias=0.003 * exact, what=f"cost rate at T = {t} h")
        simulated[t] = kpi.mean
    fine = np.linspace(10, 150, 1401)
    analytic = [age_replacement_cost_rate(t, shape, scale, cp, cf, tp, tf) for t in fine]
    t_star = fine[int(np.argmin(analytic))]
    best = min(simulated, key=simulated.get)
    neighbours = sorted(grid, key=lambda t: abs(t - t_star))[:2]
    assert best in neighbours, (best, t_star, simulated)
    rtf = twin.Simulator(model, 400).run(6000 * HOUR, 500 * HOUR, seed=12).maintenance["cost_rate_per_hour"]
    mean_life = scale * math.gamma(1 + 1 / shape)
    assert_matches(rtf, cf / (mean_life + tf), bias=0.003 * cf / mean_life, what="run to failure")


def test_policies_that_look_at_the_equipment_prevent_failures(device):
    """On gamma wear, condition-based and predictive service catch most lives before they fail,
    and usage-based service counts parts: all three cut failures against run to failure."""
    c = HealthComponent("bearing", GammaWear(1 / (60 * HOUR), 0.25 / math.sqrt(60 * HOUR)), repair=4 * HOUR,
                        service=HOUR, repair_cost=5000.0, service_cost=500.0, sensors=SensorModel(period=0.5 * HOUR))
    plant = host_with(c, cycle=600.0)
    model = plant.compile(device=device)
    runs = {name: twin.Simulator(model, 200).run(2000 * HOUR, 100 * HOUR, seed=3, policy=pol).maintenance
            for name, pol in {"rtf": Policy.run_to_failure(), "condition": Policy.condition_based("vibration", 6.0),
                              "predictive": Policy.predictive(8 * HOUR), "usage": Policy.usage_based(270)}.items()}
    failures = {k: v["failures"].mean for k, v in runs.items()}
    assert failures["condition"] < 0.5 * failures["rtf"], failures
    assert failures["predictive"] < 0.2 * failures["rtf"], failures
    assert failures["usage"] < 0.6 * failures["rtf"], failures
    assert runs["predictive"]["cost_per_good_unit"].mean < runs["rtf"]["cost_per_good_unit"].mean


def test_usage_wear_follows_the_parts_made(device):
    """Usage wear: 0.001 per part (gamma, cv 0.2), failure at wear 1. A saturated machine with a
    fixed 60 s cycle makes a part a minute, so its first failure comes after the number of parts
    whose wear first exceeds 1: 1000 + (1 + cv^2) / 2 on average (the overshoot of a renewal
    count), i.e. 16.675 h; the failure is found at the next 300 s update (the allowance). Fed at
    half its capacity, the machine works half the time and fails about twice as late on the
    calendar: wear follows parts, not time."""
    c = HealthComponent("nozzle", UsageWear(0.001, cv=0.2), repair=60.0, service=60.0,
                        sensors=SensorModel(period=300.0))
    busy = twin.simulate(host_with(c, cycle=60.0), replicas=200, horizon=40 * HOUR, seed=2, device=device)
    parts = 1000 + (1 + 0.2 ** 2) / 2
    first = busy.maintenance["components"]["m.nozzle"]["first_failure_h"]
    assert_matches(first, parts * 60 / HOUR, bias=300 / HOUR, what="first failure, saturated")
    p = twin.Plant("half load")
    p.add(twin.Source("in", interarrival=twin.Exponential(120.0)), twin.Buffer("q"),
          twin.Machine("m", process=twin.Deterministic(60.0), health=[c]), twin.Sink("out"))
    p.line("in", "q", "m", "out")
    half = twin.simulate(p, replicas=200, horizon=80 * HOUR, seed=2, device=device)
    ratio = half.maintenance["components"]["m.nozzle"]["first_failure_h"].mean / first.mean
    assert 1.8 < ratio < 2.2, ratio


def test_crew_queue_and_costs(device):
    """Two hosts, one technician: repairs queue. Costs add up as failures x repair cost plus
    services x service cost plus labour, and the crew is never busier than 100%."""
    comp = HealthComponent("drive", WeibullLife(3.0, 20 * HOUR), clock="calendar", repair=2 * HOUR,
                           service=HOUR, repair_cost=300.0, service_cost=100.0, sensors=SensorModel(period=HOUR))
    p = twin.Plant("crew", crew=Crew(technicians=1, hourly_rate=50.0))
    p.add(twin.Source("raw"), twin.Machine("a", process=60.0, health=[comp]), twin.Buffer("b", capacity=5),
          twin.Machine("c", process=60.0, health=[comp]), twin.Sink("out"))
    p.line("raw", "a", "b", "c", "out")
    res = twin.simulate(p, replicas=100, horizon=500 * HOUR, seed=9, device=device, policy=Policy.time_based(15 * HOUR))
    mt = res.per_replica["maintenance"]
    comps = mt["components"]
    expected = sum(comps[k]["failures"] * 300.0 + comps[k]["services"] * 100.0 for k in comps) \
        + mt["maintenance_hours"] * 50.0
    np.testing.assert_allclose(mt["cost"], expected)
    assert np.all(mt["crew_utilization"] <= 1.0 + 1e-9)
    hours = comps["a.drive"]["maintenance_hours"] + comps["c.drive"]["maintenance_hours"]
    np.testing.assert_allclose(hours, mt["maintenance_hours"], rtol=1e-9, atol=1e-9)
    machine = res.element("a")
    total = sum(machine[k].mean for k in ("utilization", "blocked", "starved", "down", "service"))
    assert total == pytest.approx(1.0)
    assert machine["service"].mean > 0 and machine["down"].mean > 0


def test_sensor_log_exports_and_feeds_the_rul_estimator(tmp_path, device):
    """The twin's own run-to-failure sensor records train the RUL estimator, which predicts held-out
    simulated lives far better than a constant guess; the log exports to CSV and Parquet.

    Lives are gamma wear of mean 40 h with a 10% spread of the whole life, so even an oracle that
    knew the wear would err by ~2-3 h at a random cut (the rest of the path is random), against
    ~12 h for the constant guess: half the constant guess's error is a clear but reachable bar."""
    from twin.maintenance import RULEstimator, rmse
    c = HealthComponent("bearing", GammaWear(1 / (40 * HOUR), 0.1 / math.sqrt(40 * HOUR)), repair=HOUR, service=HOUR,
                        sensors=SensorModel(period=HOUR))
    res = twin.simulate(host_with(c, cycle=30.0), replicas=4, horizon=3000 * HOUR, seed=1, device=device,
                        sensor_log=SensorLog(replicas=4, every=1, max_samples=5000))
    rec = res.sensors
    lives = [life for r in range(4) for life in rec.lives("m", "bearing", replica=r)]
    assert len(lives) > 150
    assert all(len(x) >= 2 for x in lives)
    train, test = lives[: len(lives) * 3 // 4], lives[len(lives) * 3 // 4:]
    est = RULEstimator(window=5, cap=60, n_models=2, epochs=40, seed=0).fit(train, ["vibration", "temperature", "current"])
    rng = np.random.default_rng(0)
    cuts, truth = [], []
    for life in test:
        if len(life) > 8:
            i = int(rng.integers(6, len(life)))
            cuts.append(life[:i])
            truth.append(min(len(life) - i, 60))
    pred = est.predict(cuts)
    naive = np.full(len(truth), np.mean(truth))
    assert rmse(pred, truth) < 0.5 * rmse(naive, truth), (rmse(pred, truth), rmse(naive, truth))
    csv_path = tmp_path / "sensors.csv"
    rec.to_csv(csv_path)
    header = csv_path.read_text().splitlines()[0].split(",")
    assert header == ["replica", "element", "component", "time_s", "wear", "health", "vibration", "temperature",
                      "current", "load", "failed"]
    assert len(csv_path.read_text().splitlines()) == len(rec) + 1
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (extra 'maintenance') not installed")
    rec.to_parquet(tmp_path / "sensors.parquet")
    table = pq.read_table(tmp_path / "sensors.parquet")
    assert table.num_rows == len(rec) and table.column("vibration").to_pylist()[:3] == list(rec.values[:3, 2])


def test_maintenance_input_errors():
    with pytest.raises(twin.PlantError, match="threshold 0.5 must be above the initial wear 0.7"):
        HealthComponent("x", GammaWear(1e-6, 1e-4), threshold=0.5, initial=0.7, repair=1, service=1)
    with pytest.raises(twin.PlantError, match="drift"):
        WienerWear(-1e-6, 1e-4)
    with pytest.raises(twin.PlantError, match="restores"):
        HealthComponent("x", GammaWear(1e-6, 1e-4), repair=1, service=1, repair_restores=1.5)
    with pytest.raises(twin.PlantError, match="needs a repair"):
        HealthComponent("x", GammaWear(1e-6, 1e-4), service=1)
    c = HealthComponent("seal", GammaWear(1e-6, 1e-4), repair=1, service=1)
    plant = host_with(c)
    with pytest.raises(twin.PlantError, match="element 'm'.*component 'bearing'.*components: seal"):
        twin.simulate(plant, replicas=2, horizon=100, device="cpu", policy={"m.bearing": Policy.time_based(10)})
    with pytest.raises(twin.PlantError, match="element 'press'.*not in the plant"):
        twin.simulate(plant, replicas=2, horizon=100, device="cpu", policy={"press": Policy.time_based(10)})
    with pytest.raises(twin.PlantError, match="signal"):
        Policy.condition_based("pressure", 3.0)
    with pytest.raises(twin.PlantError, match="element 'm', key 'health'.*two health components"):
        twin.Machine("m", process=5, health=[c, c])
