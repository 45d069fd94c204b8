"""Parameters and state of health components, maintenance policies and the crew
(kernels/health.py). H components, T technicians; per-component arrays are indexed by component."""

import warp as wp

from .tables import Column, Table

wp.set_module_options({"enable_backward": False})

# degradation models (twin/maintenance/spec.py codes)
WEAR_GAMMA = wp.constant(0)
WEAR_WIENER = wp.constant(1)
WEAR_WEIBULL = wp.constant(2)
WEAR_USAGE = wp.constant(3)

# policies
POLICY_NONE = wp.constant(0)
POLICY_TIME = wp.constant(1)
POLICY_USAGE = wp.constant(2)
POLICY_CONDITION = wp.constant(3)
POLICY_PREDICTIVE = wp.constant(4)

# component status
C_OK = wp.constant(0)
C_FAILED = wp.constant(1)      # failed, waiting for a technician (host stopped)
C_REPAIR = wp.constant(2)      # under repair (host stopped)
C_QUEUED = wp.constant(3)      # preventive order waiting for a technician (host running)
C_SERVICE = wp.constant(4)     # under preventive service (host stopped)

# ---- HealthState tables, declared once (kernels/tables.py) -------------------------------------
_T = __name__
F64_TABLE = Table("health.f64", "float64", ("replica", "component"), "health component condition", owner=_T,
                  width_const="HF64", columns=(
                      Column("H_WEAR", "wear", "1", "wear (failure at the threshold)"),
                      Column("H_LIFE", "life", "clock steps", "Weibull life"),
                      Column("H_EST_WEAR", "est_wear", "1", "predictive policy: worn fraction inferred from vibration"),
                      Column("H_EST_RATE", "est_rate", "1 / clock step",
                             "predictive policy: worn fraction per clock step over the current life"),
                      Column("H_LOAD", "load", "1", "smoothed load (busy fraction) seen by the sensors"),
                      Column("H_EST_LEVEL", "est_level", "1",
                             "predictive policy: smoothed wear term of the vibration readings"),
                  ))
I64_TABLE = Table("health.i64", "int64", ("replica", "component"), "health component clocks and counters",
                  owner=_T, width_const="HI64", columns=(
                      Column("H_NEXT", "next", "step", "next health update (tick)"),
                      Column("H_LAST", "last", "step", "last update"),
                      Column("H_AGE", "age", "clock steps", "since the last renewal"),
                      Column("H_WORK_AT", "work_at", "steps", "host E_WORK at the last update"),
                      Column("H_USES_AT", "uses_at", "uses", "host E_USES at the last update"),
                      Column("H_USES", "uses", "uses", "uses since the last renewal"),
                      Column("H_STATUS", "status", "code", "C_OK, C_FAILED, C_REPAIR, C_QUEUED or C_SERVICE"),
                      Column("H_FAILURES", "failures", "failures", "failures inside the statistics window"),
                      Column("H_SERVICES", "services", "services", "preventive services started inside the window"),
                      Column("H_WORK_STEPS", "work_steps", "steps",
                             "technician steps spent on this component inside the window"),
                      Column("H_TICKS", "ticks", "updates", "updates so far (sensor log cadence)"),
                      Column("H_CLOCK", "clock", "clock steps", "clock steps of the component inside the window"),
                      Column("H_RENEWED", "renewed", "step", "last renewal (repair or service end)"),
                      Column("H_FIRST_FAIL", "first_fail", "step",
                             "first failure (0: none yet): a first-passage time"),
                  ))
SIGNAL_TABLE = Table("health.signal", "float32", ("replica", "component"), "last sensor readings", owner=_T,
                     width_const="SIGNALS", columns=(  # the order of twin.maintenance SIGNALS (policy_signal)
                         Column("SIG_VIBRATION", "vibration", "mm/s RMS", "vibration"),
                         Column("SIG_TEMPERATURE", "temperature", "deg C", "temperature"),
                         Column("SIG_CURRENT", "current", "A", "motor current"),
                     ))
TECH_JOB_TABLE = Table("health.tech_job", "int32", ("replica", "technician"),
                       "component a technician works on, -1 free", owner=_T, fill=-1)
TECH_END_TABLE = Table("health.tech_end", "int64", ("replica", "technician"), "step the job ends", owner=_T)
TECH_START_TABLE = Table("health.tech_start", "int64", ("replica", "technician"), "step the job started", owner=_T)
QUEUE_TABLE = Table("health.queue", "int32", ("replica", "component"),
                    "FIFO ring of components waiting for a technician", owner=_T)
CREW_TABLE = Table("health.crew", "int64", ("replica",), "the crew's queue and work", owner=_T, width_const="CREW",
                   columns=(
                       Column("Q_HEAD", "head", "entry", "queue ring head"),
                       Column("Q_COUNT", "count", "components", "components waiting"),
                       Column("Q_BUSY", "busy", "technician-steps", "work inside the window"),
                   ))
LOG_STEP_TABLE = Table("health.log_step", "int64", ("logged", "component", "sample"), "step of each sample",
                       owner=_T)
LOG_VALUE_TABLE = Table("health.log_value", "float32", ("logged", "component", "sample"), "sensor log samples",
                        owner=_T, width_const="LOG_VALUES", columns=(
                            Column("LOG_WEAR", "wear", "1", "wear"),
                            Column("LOG_HEALTH", "health", "1", "health (1 - worn fraction)"),
                            Column("LOG_VIBRATION", "vibration", "mm/s RMS", "vibration reading"),
                            Column("LOG_TEMPERATURE", "temperature", "deg C", "temperature reading"),
                            Column("LOG_CURRENT", "current", "A", "current reading"),
                            Column("LOG_LOAD", "load", "1", "busy fraction of the last period"),
                            Column("LOG_FAILED", "failed", "flag", "1 at the update that found a failure"),
                        ))
LOG_N_TABLE = Table("health.log_n", "int32", ("logged", "component"), "samples written", owner=_T)
TABLES = (F64_TABLE, I64_TABLE, SIGNAL_TABLE, TECH_JOB_TABLE, TECH_END_TABLE, TECH_START_TABLE, QUEUE_TABLE,
          CREW_TABLE, LOG_STEP_TABLE, LOG_VALUE_TABLE, LOG_N_TABLE)
for _t in TABLES:
    globals().update({_k: wp.constant(_v) for _k, _v in _t.constants().items()})


@wp.struct
class HealthParams:
    n: int                                   # H components (0: no maintenance in this plant)
    crew_element: int                        # element index of the crew (an internal element)
    technicians: int                         # T
    host: wp.array(dtype=int)                # [H] element the component belongs to
    part: wp.array(dtype=int)                # [H] on a cluster tool, the part (tool_layout PART_*); else -1
    model: wp.array(dtype=int)               # [H] WEAR_*
    param: wp.array2d(dtype=wp.float64)      # [H, 2] gamma/wiener: drift per step, volatility per sqrt(step);
                                             #        weibull: shape, scale (steps); usage: per use, cv
    calendar: wp.array(dtype=int)            # [H] 1: calendar clock, 0: operating clock
    per_load: wp.array(dtype=int)            # [H] usage wear counts item-steps (load) instead of cycles
    steps_per_use: wp.array(dtype=wp.float64)  # [H] usage: host uses per wear use (1 for cycles, steps per hour for load)
    threshold: wp.array(dtype=wp.float64)    # [H] failure wear
    initial: wp.array(dtype=wp.float64)      # [H] wear when new
    hazard: wp.array(dtype=int)              # [H] 1: failure by hazard, 0: at the threshold
    hazard_rate: wp.array(dtype=wp.float64)  # [H] per clock step, when new
    hazard_growth: wp.array(dtype=wp.float64)  # [H]
    repair_dist: wp.array(dtype=int)         # [H] distributions in Model.dists
    service_dist: wp.array(dtype=int)        # [H]
    repair_restores: wp.array(dtype=wp.float64)   # [H]
    service_restores: wp.array(dtype=wp.float64)  # [H]
    period: wp.array(dtype=wp.int64)         # [H] steps between updates (sensor samples)
    sensor: wp.array2d(dtype=wp.float64)     # [H, 11] SensorModel.kernel_params()


@wp.struct
class HealthState:
    # the tables declared above (TABLES)
    f64: wp.array3d(dtype=wp.float64)     # F64_TABLE [R, H, HF64]
    i64: wp.array3d(dtype=wp.int64)       # I64_TABLE [R, H, HI64]
    signal: wp.array3d(dtype=wp.float32)  # SIGNAL_TABLE [R, H, SIGNALS]
    tech_job: wp.array2d(dtype=int)       # TECH_JOB_TABLE [R, T]
    tech_end: wp.array2d(dtype=wp.int64)  # TECH_END_TABLE [R, T]
    tech_start: wp.array2d(dtype=wp.int64)  # TECH_START_TABLE [R, T]
    queue: wp.array2d(dtype=int)          # QUEUE_TABLE [R, H]
    crew: wp.array2d(dtype=wp.int64)      # CREW_TABLE [R, CREW]
    log_step: wp.array3d(dtype=wp.int64)  # LOG_STEP_TABLE [log_replicas, H, log_len]
    log_value: wp.array4d(dtype=wp.float32)  # LOG_VALUE_TABLE [log_replicas, H, log_len, LOG_VALUES]
    log_n: wp.array2d(dtype=int)          # LOG_N_TABLE [log_replicas, H]


@wp.struct
class HealthControl:
    """The crew's part of a run's inputs (layout.Control): the maintenance policies and the sensor
    log, filled per run by twin.maintenance.compiled ``compile_control``."""

    policy: wp.array(dtype=int)            # [H] POLICY_* (the codes of twin.maintenance POLICIES)
    policy_value: wp.array(dtype=wp.float64)  # [H] steps (time, predictive), uses, or signal level
    policy_signal: wp.array(dtype=int)     # [H] SIGNAL_TABLE column: 0 vibration, 1 temperature, 2 current
    log_replicas: int                      # sensor log: replicas 0..log_replicas-1 ...
    log_every: int                         # ... every log_every-th update ...
    log_len: int                           # ... at most log_len samples per component


# the crew's own structs (kernels/registry.py ``layout``): kernels/layout.py adds them as Model.health
# and State.health (one-element arrays: m.health[0], s.health[0]) and as Control.health (by value
# inside the run's Control: s.control[0].health); TABLES above are STATE's tables
FIELD = "health"
PARAMS = HealthParams
STATE = HealthState
CONTROL = HealthControl
