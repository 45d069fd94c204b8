"""What a user says about equipment health and maintenance. Pure data, no Warp.

A ``HealthComponent`` sits on a machine, a conveyor, a robot or a cluster tool (its *host*). It has a *wear* level that
starts at ``initial`` and grows with a degradation process; the component fails when the wear
reaches ``threshold`` (or, with ``failure="hazard"``, at a rate that rises with the wear). A
failed component stops its host until a technician repairs it; a maintenance policy may send a
technician earlier for a preventive service. Health = 1 - (wear - initial) / (threshold - initial),
from 1 (new) to 0 (failed).

All times are seconds and rates are per second, as everywhere in twin; scene files may give them
in other units ("2000 h", "0.0005 /h").
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, ClassVar

from ..distributions import Distribution, from_dict
from ..errors import PlantError

CLOCKS = ("operating", "calendar")
FAILURE_RULES = ("threshold", "hazard")
SIGNALS = ("vibration", "temperature", "current")
USAGES = ("cycles", "load")


def _num(value, key: str, *, minimum: float = 0.0, strict: bool = False, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PlantError(f"must be a finite number{unit}, got {value!r}", key=key)
    v = float(value)
    if v < minimum or (strict and v == minimum):
        need = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise PlantError(f"must be {need}{unit}, got {v:g}", key=key)
    return v


def _fraction(value, key: str) -> float:
    v = _num(value, key)
    if v > 1.0:
        raise PlantError(f"must be between 0 and 1, got {v:g}", key=key)
    return v


# ---- degradation processes -------------------------------------------------------------------
@dataclass(frozen=True)
class GammaWear:
    """Monotone wear: a gamma process whose increments over a clock time t have mean
    ``drift`` * t and variance ``volatility``^2 * t (wear units per second and per sqrt(second))."""

    drift: float
    volatility: float
    model: ClassVar[str] = "gamma"
    code: ClassVar[int] = 0
    field_units: ClassVar[dict[str, str]] = {"drift": "rate", "volatility": "sqrt_rate"}

    def __post_init__(self):
        object.__setattr__(self, "drift", _num(self.drift, "drift", strict=True, unit=" per second"))
        object.__setattr__(self, "volatility", _num(self.volatility, "volatility", strict=True,
                                                    unit=" per sqrt(second)"))

    def kernel_params(self) -> tuple[float, float]:
        return self.drift, self.volatility

    def step_params(self, dt: float) -> tuple[float, float]:
        """kernel_params on the kernels' clock of ``dt`` seconds a step (HealthParams.param)."""
        a, b = self.kernel_params()
        return a * dt, b * math.sqrt(dt)  # per step, per sqrt(step)

    def wear_problem(self, wear: float, initial: float, threshold: float) -> str | None:
        """Why an observed ``wear`` cannot be this model's (None if it can): it never decreases."""
        return _below_initial(self.model, wear, initial)


@dataclass(frozen=True)
class WienerWear:
    """Wear as a Brownian motion with drift: increments over a clock time t are normal with mean
    ``drift`` * t and variance ``volatility``^2 * t (they may be negative). The first time it
    reaches the threshold D from x0 is inverse-Gaussian with mean (D - x0) / drift."""

    drift: float
    volatility: float
    model: ClassVar[str] = "wiener"
    code: ClassVar[int] = 1
    field_units: ClassVar[dict[str, str]] = {"drift": "rate", "volatility": "sqrt_rate"}

    def __post_init__(self):
        object.__setattr__(self, "drift", _num(self.drift, "drift", strict=True, unit=" per second"))
        object.__setattr__(self, "volatility", _num(self.volatility, "volatility", unit=" per sqrt(second)"))

    def kernel_params(self) -> tuple[float, float]:
        return self.drift, self.volatility

    def step_params(self, dt: float) -> tuple[float, float]:
        """kernel_params on the kernels' clock of ``dt`` seconds a step (HealthParams.param)."""
        a, b = self.kernel_params()
        return a * dt, b * math.sqrt(dt)  # per step, per sqrt(step)

    def wear_problem(self, wear: float, initial: float, threshold: float) -> str | None:
        """Any wear is possible: a Brownian wear goes up and down."""
        return None


@dataclass(frozen=True)
class WeibullLife:
    """A life drawn at every renewal from a Weibull(shape, scale) distribution of clock time;
    the wear grows linearly from ``initial`` to ``threshold`` over that life. Mean life =
    scale * Gamma(1 + 1/shape)."""

    shape: float
    scale: float
    model: ClassVar[str] = "weibull"
    code: ClassVar[int] = 2
    field_units: ClassVar[dict[str, str]] = {"scale": "time"}

    def __post_init__(self):
        object.__setattr__(self, "shape", _num(self.shape, "shape", minimum=0.05))
        object.__setattr__(self, "scale", _num(self.scale, "scale", strict=True, unit=" seconds"))

    @property
    def mean_life(self) -> float:
        return self.scale * math.gamma(1.0 + 1.0 / self.shape)

    def kernel_params(self) -> tuple[float, float]:
        return self.shape, self.scale

    def step_params(self, dt: float) -> tuple[float, float]:
        """kernel_params on the kernels' clock of ``dt`` seconds a step (HealthParams.param)."""
        a, b = self.kernel_params()
        return a, b / dt  # shape, scale in steps

    def wear_problem(self, wear: float, initial: float, threshold: float) -> str | None:
        """Why an observed ``wear`` cannot be this model's (None if it can): it runs from initial to
        threshold over the drawn life."""
        if not initial <= wear <= threshold:
            return (f"wear {wear:g} is outside [{initial:g}, {threshold:g}] (a Weibull life's wear runs from "
                    "initial to threshold)")
        return None


@dataclass(frozen=True)
class UsageWear:
    """Wear driven by what the host does: ``per_use`` wear per use on average, each use's wear
    gamma-distributed with coefficient of variation ``cv``. ``usage="cycles"``: one use per part
    a machine finishes or per pick-and-place cycle a robot completes; ``"load"``: on a conveyor one
    use per part-hour carried (items on the belt), on a robot one use per kilojoule of joint work
    (the integral of |torque x joint speed| over its moves, summed over the joints, or of the
    joint the component's ``part`` names)."""

    per_use: float
    cv: float = 0.0
    usage: str = "cycles"
    model: ClassVar[str] = "usage"
    code: ClassVar[int] = 3
    field_units: ClassVar[dict[str, str]] = {}

    def __post_init__(self):
        object.__setattr__(self, "per_use", _num(self.per_use, "per_use", strict=True))
        object.__setattr__(self, "cv", _num(self.cv, "cv"))
        if self.usage not in USAGES:
            raise PlantError(f"must be one of {', '.join(USAGES)}, got {self.usage!r}", key="usage")

    def kernel_params(self) -> tuple[float, float]:
        return self.per_use, self.cv

    def step_params(self, dt: float) -> tuple[float, float]:
        """kernel_params on the kernels' clock of ``dt`` seconds a step (HealthParams.param)."""
        return self.kernel_params()  # per use, cv: no time in them

    def wear_problem(self, wear: float, initial: float, threshold: float) -> str | None:
        """Why an observed ``wear`` cannot be this model's (None if it can): it never decreases."""
        return _below_initial(self.model, wear, initial)


def _below_initial(model: str, wear: float, initial: float) -> str | None:
    if wear < initial:
        return f"wear {wear:g} is below a new component's {initial:g} ({model} wear never decreases)"
    return None


DEGRADATIONS = {cls.model: cls for cls in (GammaWear, WienerWear, WeibullLife, UsageWear)}


def _degradation_dict(d) -> dict:
    return {"model": d.model, **{f.name: getattr(d, f.name) for f in dataclasses.fields(d)}}


# ---- sensors ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SensorModel:
    """Synthetic signals of a component, sampled every ``period`` seconds (also the period at
    which its wear is updated and its policy checked). With h = 1 - health
    (0 new, 1 failed), the host's load u (busy fraction of the last period) and independent
    normal noise e:

    vibration RMS (mm/s)  = vib_base * (1 + vib_wear * h^2) * (0.5 + 0.5 u) + vib_noise * e
    temperature (deg C)   = temp_ambient + temp_load * u + temp_wear * h + temp_noise * e
    motor current (A)     = current_idle + current_load * u * (1 + current_wear * h) + current_noise * e
    """

    period: float = 600.0
    vib_base: float = 2.0
    vib_wear: float = 3.0
    vib_noise: float = 0.15
    temp_ambient: float = 25.0
    temp_load: float = 15.0
    temp_wear: float = 20.0
    temp_noise: float = 0.5
    current_idle: float = 2.0
    current_load: float = 6.0
    current_wear: float = 0.3
    current_noise: float = 0.1
    field_units: ClassVar[dict[str, str]] = {"period": "time"}

    def __post_init__(self):
        for f in dataclasses.fields(self):
            strict = f.name == "period"
            object.__setattr__(self, f.name, _num(getattr(self, f.name), f.name, minimum=0.0, strict=strict))

    def kernel_params(self) -> tuple[float, ...]:
        return (self.vib_base, self.vib_wear, self.vib_noise, self.temp_ambient, self.temp_load, self.temp_wear,
                self.temp_noise, self.current_idle, self.current_load, self.current_wear, self.current_noise)


# ---- the component -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HealthComponent:
    """A wearing part of a host element (a bearing, a drive, a nozzle).

    ``clock="operating"``: wear and age accrue only while the host works; ``"calendar"``: always.
    Corrective ``repair`` (after a failure) and preventive ``service`` take a technician for a
    random duration and cost ``repair_cost`` / ``service_cost``. Each restores the component
    by a fraction (``repair_restores``, ``service_restores``): 1 is as good as new, 0 as bad as
    old; the wear above ``initial`` and the age are scaled by (1 - fraction), and a Weibull life
    is drawn anew after a full restoration. ``failure="hazard"``: instead of failing at the
    threshold, the component fails at rate hazard_rate * exp(hazard_growth * (1 - health)) per
    second of its clock.

    ``part``: on a cluster tool, the part the component sits on and stops when it fails or is
    serviced: ``"vtm_robot"``, ``"atm_robot"`` or ``"stepJ.chamberK"`` (1-based, as in
    ``ClusterTool.station_angles()``), required there; on a robot arm, optionally the joint
    (``"joint2"``) whose work drives load wear (a failure still stops the whole arm); empty on
    machines and conveyors.
    """

    name: str
    degradation: object
    clock: str = "operating"
    threshold: float = 1.0
    initial: float = 0.0
    failure: str = "threshold"
    hazard_rate: float = 0.0
    hazard_growth: float = 0.0
    repair: Distribution = None
    repair_cost: float = 0.0
    repair_restores: float = 1.0
    service: Distribution = None
    service_cost: float = 0.0
    service_restores: float = 1.0
    sensors: SensorModel = SensorModel()
    part: str = ""
    field_units: ClassVar[dict[str, str]] = {"hazard_rate": "rate"}
    scene_variants: ClassVar[dict] = {"degradation": ("model", {})}  # filled below

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip() or "." in self.name:
            raise PlantError(f"a component name must be a non-empty string without '.', got {self.name!r}",
                             key="name")
        deg = self.degradation
        if isinstance(deg, dict):
            deg = dict(deg)
            model = deg.pop("model", None)
            if model not in DEGRADATIONS:
                raise PlantError(f"model must be one of {', '.join(DEGRADATIONS)}, got {model!r}",
                                 key="degradation.model")
            try:
                deg = DEGRADATIONS[model](**deg)
            except PlantError as err:
                raise err.located(key_prefix="degradation") from None
            except TypeError as err:
                raise PlantError(f"bad parameters for a {model} degradation: {err}", key="degradation") from None
        if not isinstance(deg, tuple(DEGRADATIONS.values())):
            raise PlantError(f"must be GammaWear, WienerWear, WeibullLife or UsageWear, got {deg!r}",
                             key="degradation")
        object.__setattr__(self, "degradation", deg)
        if self.clock not in CLOCKS:
            raise PlantError(f"must be one of {', '.join(CLOCKS)}, got {self.clock!r}", key="clock")
        if self.failure not in FAILURE_RULES:
            raise PlantError(f"must be one of {', '.join(FAILURE_RULES)}, got {self.failure!r}", key="failure")
        initial = _num(self.initial, "initial", minimum=-math.inf)
        threshold = _num(self.threshold, "threshold", minimum=-math.inf)
        if not threshold > initial:
            raise PlantError(f"the failure threshold {threshold:g} must be above the initial wear {initial:g}",
                             key="threshold")
        object.__setattr__(self, "initial", initial)
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "hazard_rate", _num(self.hazard_rate, "hazard_rate", unit=" per second"))
        object.__setattr__(self, "hazard_growth", _num(self.hazard_growth, "hazard_growth", minimum=-math.inf))
        if self.failure == "hazard" and self.hazard_rate <= 0:
            raise PlantError("failure='hazard' needs a positive hazard_rate", key="hazard_rate")
        for key in ("repair", "service"):
            value = getattr(self, key)
            if value is None:
                raise PlantError(f"needs a {key} duration (seconds or a distribution)", key=key)
            try:
                object.__setattr__(self, key, from_dict(value))
            except PlantError as err:
                raise err.located(key_prefix=key) from None
        for key in ("repair_cost", "service_cost"):
            object.__setattr__(self, key, _num(getattr(self, key), key))
        for key in ("repair_restores", "service_restores"):
            object.__setattr__(self, key, _fraction(getattr(self, key), key))
        if isinstance(self.sensors, dict):
            try:
                object.__setattr__(self, "sensors", SensorModel(**self.sensors))
            except TypeError as err:
                raise PlantError(f"unknown sensor parameter: {err}", key="sensors") from None
        if not isinstance(self.sensors, SensorModel):
            raise PlantError(f"must be a SensorModel, got {self.sensors!r}", key="sensors")
        if not isinstance(self.part, str):
            raise PlantError(f"must be the name of a part of the host (a string), got {self.part!r}", key="part")

    def health(self, wear: float) -> float:
        return 1.0 - (wear - self.initial) / (self.threshold - self.initial)

    def durations(self) -> dict[str, Distribution]:
        out = {f"health.{self.name}.repair": self.repair, f"health.{self.name}.service": self.service}
        return out


@dataclass(frozen=True)
class Crew:
    """The maintenance technicians shared by the plant: work orders wait in one FIFO queue for
    the next free technician. ``hourly_rate``: labour cost per technician-hour of work."""

    technicians: int = 1
    hourly_rate: float = 0.0

    def __post_init__(self):
        if isinstance(self.technicians, bool) or not isinstance(self.technicians, int) or self.technicians < 1:
            raise PlantError(f"must be an integer >= 1, got {self.technicians!r}", key="technicians")
        object.__setattr__(self, "hourly_rate", _num(self.hourly_rate, "hourly_rate"))


# ---- policies ------------------------------------------------------------------------------------
def _duration(text: str) -> float:
    from ..units import duration  # "8h", "30min", "45s": the same reader as scene files and the CLI
    return duration(text)


def _per_step(value: float, dt: float, use_scale) -> float:
    return value / dt  # seconds -> steps of the kernels' clock


def _per_use(value: float, dt: float, use_scale) -> float:
    return value * use_scale()  # uses -> the host's counter units (1, or load units per use)


def _as_is(value: float, dt: float, use_scale) -> float:
    return value  # a signal level, or no value


@dataclass(frozen=True)
class PolicyKind:
    """One maintenance policy kind, registered once in ``POLICIES`` with what the rest of twin
    needs of it: ``Policy`` validation and labels, ``Policy.parse`` / the study sweeps
    (``short``, ``read``, ``on_signal``) and the kernel value (twin.maintenance.compiled). Its
    position in ``POLICIES`` is its code in the kernels (``POLICY_*`` in kernels/health_layout.py,
    whose ``if policy == ...`` decides when a service is due; tests/kernels/test_tables.py checks
    that the orders agree)."""

    name: str                # Policy.kind
    short: str               # its name in CLI strings and sweeps ("time:200h", "time:10h..200h/20")
    read: Callable[[str], float] | None  # text of its value -> the value; None: it takes no value
    kernel_value: Callable   # (value, dt, use_scale) -> what the kernel compares (use_scale(): counter units per use)
    on_signal: bool = False  # its value is a reading of ``Policy.signal`` ("condition:vibration:7")
    preventive: bool = True  # it may send a technician before a failure (studies flag one that never did)
    doc: str = ""

    @property
    def in_seconds(self) -> bool:
        """Its value is a duration (labels show seconds; studies show hours or minutes)."""
        return self.read is _duration

    def label(self, policy: "Policy") -> str:
        if self.read is None:
            return self.name
        if self.on_signal:
            return f"{self.name}({policy.signal}>={policy.value:g})"
        return f"{self.name}({policy.value:g}{' s' if self.in_seconds else ''})"


POLICIES = {k.name: k for k in (  # the order is the kernel code: do not reorder (append a new one)
    PolicyKind("run_to_failure", "rtf", None, _as_is, preventive=False, doc="never; repair after failure only"),
    PolicyKind("time_based", "time", _duration, _per_step, doc="age on the component's clock reaches the interval"),
    PolicyKind("usage_based", "usage", float, _per_use, doc="uses since the last renewal reach the value"),
    PolicyKind("condition_based", "condition", float, _as_is, on_signal=True,
               doc="a reading of the signal reaches the threshold"),
    PolicyKind("predictive", "predictive", _duration, _per_step, doc="estimated remaining life falls to the lead time"),
)}
POLICY_KINDS = tuple(POLICIES)


def policy_kind(text: str) -> PolicyKind | None:
    """The policy kind named ``text`` (its name or its short name: "time" -> time_based), or None."""
    return next((k for k in POLICIES.values() if text in (k.name, k.short)), None)


@dataclass(frozen=True)
class Policy:
    """When to send a technician for preventive service of a component (corrective repair after a
    failure always happens). Build with the class methods:

    - ``Policy.run_to_failure()``: never.
    - ``Policy.time_based(interval)``: when the component's age on its clock (time since its last
      repair or service) reaches ``interval`` seconds (age replacement).
    - ``Policy.usage_based(uses)``: after ``uses`` uses (parts processed) since the last renewal.
    - ``Policy.condition_based(signal, threshold)``: when a reading of ``signal`` (vibration,
      temperature, current) reaches ``threshold``.
    - ``Policy.predictive(lead_time)``: when the estimated remaining life falls to ``lead_time``
      seconds. The estimate is made inside the step from the component's own vibration readings:
      each reading's wear term (the reading over its no-wear value at the load of its period,
      minus 1, i.e. vib_wear * h^2 plus noise) is averaged exponentially (weight a = 0.1) and
      inverted through the vibration model to the worn fraction h; the wear rate is the average
      over the current life, h / (age since the last renewal - lag), with lag = (1 - a) / a update
      periods (how far the average trails a trend); RUL = (1 - h) / rate - lag. Below h = 0.3 the
      readings are mostly noise and nothing is predicted.
    """

    kind: str = "run_to_failure"
    value: float = 0.0
    signal: str = "vibration"

    def __post_init__(self):
        if self.kind not in POLICIES:
            raise PlantError(f"must be one of {', '.join(POLICIES)}, got {self.kind!r}", key="policy")
        if POLICIES[self.kind].read is not None:
            _num(self.value, "policy value", strict=True)
        if self.signal not in SIGNALS:
            raise PlantError(f"must be one of {', '.join(SIGNALS)}, got {self.signal!r}", key="signal")

    @classmethod
    def run_to_failure(cls) -> "Policy":
        return cls("run_to_failure")

    @classmethod
    def time_based(cls, interval: float) -> "Policy":
        return cls("time_based", float(interval))

    @classmethod
    def usage_based(cls, uses: float) -> "Policy":
        return cls("usage_based", float(uses))

    @classmethod
    def condition_based(cls, signal: str, threshold: float) -> "Policy":
        return cls("condition_based", float(threshold), signal)

    @classmethod
    def predictive(cls, lead_time: float) -> "Policy":
        return cls("predictive", float(lead_time))

    @property
    def label(self) -> str:
        return POLICIES[self.kind].label(self)

    @classmethod
    def parse(cls, text: str) -> "Policy":
        """'run_to_failure', 'time:200h', 'usage:5000', 'condition:vibration:7' (or, quoted,
        'condition:vibration>=7'), 'predictive:24h'."""
        usage = ("use run_to_failure, time:INTERVAL, usage:N, condition:SIGNAL:LEVEL or "
                 "predictive:LEAD_TIME (e.g. time:200h, condition:vibration:6.5, predictive:12h)")
        name, _, arg = text.partition(":")
        kind = policy_kind(name)
        try:
            if kind is not None and kind.read is None:
                return cls(kind.name)
            if kind is not None and not kind.on_signal:
                return cls(kind.name, float(kind.read(arg)))
            if kind is not None:
                for sep in (">=", ">", ":", "="):
                    if sep in arg:
                        sig, _, level = arg.partition(sep)
                        return cls(kind.name, float(kind.read(level)), sig.strip())
        except ValueError as err:  # twin.errors.UnitError is a ValueError
            raise PlantError(f"cannot read the policy {text!r} ({err}); {usage}", key="policy") from None
        raise PlantError(f"unknown policy {text!r}; {usage}", key="policy")


HealthComponent.scene_variants["degradation"] = ("model", DEGRADATIONS)


def _component_dict(c: HealthComponent) -> dict:
    """A scene-file table of a component (SI units), for save_scene."""
    out = {}
    for f in dataclasses.fields(c):
        v = getattr(c, f.name)
        if f.name == "degradation":
            v = _degradation_dict(v)
        elif isinstance(v, Distribution):
            v = v.to_dict()
        elif isinstance(v, SensorModel):
            default = SensorModel()
            v = {g.name: getattr(v, g.name) for g in dataclasses.fields(v) if getattr(v, g.name) != getattr(default, g.name)}
            if not v:
                continue
        elif f.default is not dataclasses.MISSING and v == f.default:
            continue
        out[f.name] = v
    return out
