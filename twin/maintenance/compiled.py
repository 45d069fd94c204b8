"""Health components, policies and the crew as Warp arrays (the maintenance part of the Model and
State), and the sensor log that comes back from a run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import warp as wp

from ..errors import PlantError
from ..stepclock import whole_steps
from ..kernels import health_layout as hl
from ..kernels.layout import host_struct
from .spec import POLICIES, POLICY_KINDS, SIGNALS, Crew, Policy

POLICY_CODES = dict(zip(POLICY_KINDS, range(len(POLICY_KINDS))))


@dataclass(frozen=True)
class SensorLog:
    """Keep the sensor readings of replicas 0..replicas-1: every ``every``-th update of each
    component, at most ``max_samples`` samples per component (bounded memory)."""

    replicas: int = 1
    every: int = 1
    max_samples: int = 20_000

    def __post_init__(self):
        for key in ("replicas", "every", "max_samples"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise PlantError(f"SensorLog {key} must be an integer >= 1, got {v!r}", key=key)


def components(plant) -> list[tuple[str, object]]:
    return plant.health_components()


def load_units_per_use(host, dt: float) -> float | None:
    """Counter units per use of load-driven wear on element ``host`` (its kind's
    ``load_units_per_use``); None for kinds without a load measure."""
    return host.load_units_per_use(dt)


def load_kinds() -> str:
    """The kinds that measure a load (for error messages)."""
    from ..elements import KINDS, Element
    return ", ".join(k for k, cls in KINDS.items() if cls.load_units_per_use is not Element.load_units_per_use)


def compile_params(plant, names: list[str], dt: float, device: str, dist_id) -> hl.HealthParams:
    """Model.health (the crew's fill hook, kernels/registry.py): the crew is an internal element
    after the plant's, present when the plant has health components."""
    crew_element = len(names) if components(plant) else len(names) - 1
    return compile_health(plant, {n: i for i, n in enumerate(names)}, dt, device, dist_id, crew_element)


def compile_health(plant, index: dict, dt: float, device: str, dist_id, crew_element: int) -> hl.HealthParams:
    """HealthParams of the plant's components; per-run fields (policy, log) are placeholders."""
    comps = components(plant)
    n = len(comps)
    crew = plant.crew if plant.crew is not None else Crew()
    rows = max(n, 1)
    host = np.zeros(rows, np.int32)
    part = np.full(rows, -1, np.int32)
    model = np.zeros(rows, np.int32)
    param = np.zeros((rows, 2), np.float64)
    calendar = np.zeros(rows, np.int32)
    per_load = np.zeros(rows, np.int32)
    steps_per_use = np.ones(rows, np.float64)
    threshold = np.ones(rows, np.float64)
    initial = np.zeros(rows, np.float64)
    hazard = np.zeros(rows, np.int32)
    hazard_rate = np.zeros(rows, np.float64)
    hazard_growth = np.zeros(rows, np.float64)
    repair_dist = np.zeros(rows, np.int32)
    service_dist = np.zeros(rows, np.int32)
    repair_restores = np.ones(rows, np.float64)
    service_restores = np.ones(rows, np.float64)
    period = np.ones(rows, np.int64)
    sensor = np.zeros((rows, 11), np.float64)
    for i, (host_name, c) in enumerate(comps):
        d = c.degradation
        host[i] = index[host_name]
        if c.part:  # a cluster tool's robot or chamber, a robot arm's joint
            part[i] = plant[host_name].part_index(c.part)
        model[i] = d.code
        param[i] = d.step_params(dt)  # each degradation model converts its own (spec.py)
        if getattr(d, "usage", "cycles") == "load":
            units = load_units_per_use(plant[host_name], dt)
            if units is None:
                raise PlantError(f"usage 'load' needs a host that measures a load ({load_kinds()}); a "
                                 f"{plant[host_name].kind} wears by 'cycles' (parts it finishes, or its part's "
                                 f"picks, transfers or recipes)", element=host_name,
                                 key=f"health[{c.name}].degradation.usage")
            per_load[i] = 1
            steps_per_use[i] = units
        calendar[i] = int(c.clock == "calendar")
        threshold[i], initial[i] = c.threshold, c.initial
        hazard[i] = int(c.failure == "hazard")
        hazard_rate[i], hazard_growth[i] = c.hazard_rate * dt, c.hazard_growth
        repair_dist[i], service_dist[i] = dist_id(c.repair), dist_id(c.service)
        repair_restores[i], service_restores[i] = c.repair_restores, c.service_restores
        period[i] = whole_steps(c.sensors.period / dt)  # saturated: twin/stepclock.py
        sensor[i] = c.sensors.kernel_params()

    def arr(values, dtype):
        return wp.array(np.asarray(values), dtype=dtype, device=device)

    p = hl.HealthParams()
    p.n = n
    p.crew_element = crew_element
    p.technicians = crew.technicians
    p.host, p.part = arr(host, wp.int32), arr(part, wp.int32)
    p.model, p.param = arr(model, wp.int32), arr(param, wp.float64)
    p.calendar, p.per_load = arr(calendar, wp.int32), arr(per_load, wp.int32)
    p.steps_per_use = arr(steps_per_use, wp.float64)
    p.threshold, p.initial = arr(threshold, wp.float64), arr(initial, wp.float64)
    p.hazard, p.hazard_rate = arr(hazard, wp.int32), arr(hazard_rate, wp.float64)
    p.hazard_growth = arr(hazard_growth, wp.float64)
    p.repair_dist, p.service_dist = arr(repair_dist, wp.int32), arr(service_dist, wp.int32)
    p.repair_restores, p.service_restores = arr(repair_restores, wp.float64), arr(service_restores, wp.float64)
    p.period, p.sensor = arr(period, wp.int64), arr(sensor, wp.float64)
    return p


def resolve_policies(plant, policy) -> list[Policy]:
    """One Policy per component from ``policy``: a Policy for all, or a dict whose keys are
    "element.component", "element" (all its components) or "*" (the rest)."""
    comps = components(plant)
    if policy is None:
        return [Policy.run_to_failure()] * len(comps)
    if isinstance(policy, Policy):
        return [policy] * len(comps)
    if not isinstance(policy, dict):
        raise PlantError(f"policy must be a twin.maintenance.Policy or a dict of them, got {policy!r}", key="policy")
    known = {f"{h}.{c.name}" for h, c in comps}
    hosts = {h for h, _ in comps}
    for key, value in policy.items():
        if not isinstance(value, Policy):
            raise PlantError(f"policy for {key!r} must be a Policy, got {value!r}", key="policy")
        if key == "*":
            continue
        el, _, comp = key.partition(".")
        if el not in plant:
            raise PlantError(f"the policy names element {el!r}, which is not in the plant", element=el, key="policy")
        if el not in hosts:
            raise PlantError("the policy names this element, which has no health components", element=el,
                             key="policy")
        if comp and key not in known:
            names = ", ".join(c.name for h, c in comps if h == el)
            raise PlantError(f"the policy names component {comp!r}, which this element does not have "
                             f"(components: {names})", element=el, key="policy")
    out = []
    for h, c in comps:
        out.append(policy.get(f"{h}.{c.name}", policy.get(h, policy.get("*", Policy.run_to_failure()))))
    return out


CONTROL_INPUTS = ("policy", "sensor_log")  # the run inputs compile_control takes (twin/model.py Model.control)


def compile_control(model, replica0: int, replicas: int | None, policy=None,
                    sensor_log: SensorLog | None = None) -> hl.HealthControl:
    """The crew's part of a run's Control (its fill hook, kernels/registry.py; Control.health):
    the policy of each component (``policy`` as ``Simulator.run`` takes it: a Policy, a dict of
    them or None for run to failure; resolved and checked here, before any kernel runs) and the
    sensor log of the block of ``replicas`` replicas from run index ``replica0``."""
    base = host_struct(model.arrays.health)
    rows = max(base.n, 1)
    dev = model.device
    c = hl.HealthControl()
    log = block_log(sensor_log, replica0, replicas)
    c.log_replicas, c.log_every, c.log_len = (log.replicas, log.every, log.max_samples) \
        if log is not None and base.n else (0, 1, 1)
    c.policy = wp.zeros(rows, dtype=wp.int32, device=dev)
    c.policy_value = wp.zeros(rows, dtype=wp.float64, device=dev)
    c.policy_signal = wp.zeros(rows, dtype=wp.int32, device=dev)
    policies = resolve_policies(model.plant, policy)  # also refuses a policy for a plant without components
    if base.n == 0:
        return c
    dt = model.dt
    comps = components(model.plant)
    code = np.zeros(base.n, np.int32)
    value = np.zeros(base.n, np.float64)
    signal = np.zeros(base.n, np.int32)
    for i, (pol, (host_name, comp)) in enumerate(zip(policies, comps)):
        code[i] = POLICY_CODES[pol.kind]

        def use_scale(host=model.plant[host_name], comp=comp) -> float:
            load = getattr(comp.degradation, "usage", "cycles") == "load"
            return load_units_per_use(host, dt) if load else 1.0
        value[i] = POLICIES[pol.kind].kernel_value(pol.value, dt, use_scale)
        signal[i] = SIGNALS.index(pol.signal)
    c.policy = wp.array(code, dtype=wp.int32, device=dev)
    c.policy_value = wp.array(value, dtype=wp.float64, device=dev)
    c.policy_signal = wp.array(signal, dtype=wp.int32, device=dev)
    return c


def block_log(log: SensorLog | None, first: int, count: int | None) -> SensorLog | None:
    """The sensor log of one block of ``count`` replicas from run index ``first`` (None: all the
    log's): replicas 0..log.replicas-1 of the run that it holds, as its own first rows (kernels
    log rows r < log_replicas)."""
    if log is None or log.replicas <= first:
        return None
    count = log.replicas - first if count is None else count
    return dataclasses.replace(log, replicas=min(log.replicas - first, count))


_NO_LOG = SimpleNamespace(log_replicas=0, log_len=1)  # a run without a sensor log


def state_dims(model, replicas: int, control=None) -> dict:
    """Axis sizes of the health State tables (the crew's fill hook; kernels/health_layout.py TABLES,
    twin/state.py allocates them): components, technicians, and the sensor log's replicas and
    samples (the run's ``control``, a kernels.layout.Control; None: no sensor log)."""
    params = host_struct(model.arrays.health)
    control = _NO_LOG if control is None else getattr(control, hl.FIELD)  # its part of the run's Control
    return {"component": max(params.n, 1), "technician": max(params.technicians, 1),
            "logged": max(min(control.log_replicas, replicas), 1) if control.log_replicas else 1,
            "sample": control.log_len if control.log_replicas else 1}


LOG_COLUMNS = tuple(c.name for c, _ in hl.LOG_VALUE_TABLE.columns())  # wear, health, vibration, ... (declared once)


@dataclass
class SensorRecords:
    """Sensor readings of the logged replicas: one table, one row per reading.

    Columns: replica, element, component, time_s, wear, health, vibration (mm/s RMS),
    temperature (deg C), current (A), load (busy fraction of the last period), failed (1 at the
    reading that found the component failed; such readings are always kept).
    """

    replica: np.ndarray
    element: np.ndarray
    component: np.ndarray
    time_s: np.ndarray
    values: np.ndarray  # [rows, 7] in LOG_COLUMNS order

    @classmethod
    def from_arrays(cls, model, arrays: dict, replicas: int) -> "SensorRecords":
        steps, vals, counts = arrays["health.log_step"], arrays["health.log_value"], arrays["health.log_n"]
        comps = components(model.plant)
        rep, el, comp, t, v = [], [], [], [], []
        for r in range(min(replicas, counts.shape[0])):
            for h, (host, c) in enumerate(comps):
                n = int(counts[r, h])
                rep.append(np.full(n, r))
                el.append(np.full(n, host, dtype=object))
                comp.append(np.full(n, c.name, dtype=object))
                t.append(steps[r, h, :n] * model.dt)
                v.append(vals[r, h, :n].astype(np.float64))
        if not rep:
            return cls(np.zeros(0, int), np.zeros(0, object), np.zeros(0, object), np.zeros(0),
                       np.zeros((0, len(LOG_COLUMNS))))
        return cls(np.concatenate(rep), np.concatenate(el), np.concatenate(comp), np.concatenate(t),
                   np.concatenate(v))

    def __len__(self) -> int:
        return len(self.time_s)

    def columns(self) -> dict:
        out = {"replica": self.replica, "element": self.element, "component": self.component, "time_s": self.time_s}
        out.update({name: self.values[:, i] for i, name in enumerate(LOG_COLUMNS)})
        return out

    def to_csv(self, path) -> None:
        import csv
        cols = self.columns()
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(list(cols))
            for row in zip(*cols.values()):
                w.writerow(row)

    def to_parquet(self, path) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as err:
            raise ImportError("writing Parquet needs pyarrow: pip install twin[maintenance]") from err
        cols = self.columns()
        table = pa.table({k: (v.astype(str) if v.dtype == object else v) for k, v in cols.items()})
        pq.write_table(table, path)

    def lives(self, element: str, component: str, replica: int = 0) -> list[np.ndarray]:
        """Run-to-failure histories of one component (from a run-to-failure study's log): the
        readings [n, 3] (vibration, temperature, current) of each life, each ending at the reading
        that found the failure."""
        sel = (self.element == element) & (self.component == component) & (self.replica == replica)
        values = self.values[sel]
        out, start = [], 0
        for i in np.flatnonzero(values[:, 6] > 0.5):  # each failure closes a life
            out.append(values[start: i + 1, 2:5])
            start = i + 1
        return [life for life in out if len(life)]
