"""Parameters and state of health components, maintenance policies and the crew
(kernels/health.py). H components, T technicians; per-component arrays are indexed by component."""

import warp as wp

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

# HealthState.f64[r, h, :]
H_WEAR = wp.constant(0)
H_LIFE = wp.constant(1)        # Weibull life, clock steps
H_EST_WEAR = wp.constant(2)    # predictive policy: worn fraction inferred from vibration
H_EST_RATE = wp.constant(3)    # predictive policy: worn fraction per clock step over the current life
H_LOAD = wp.constant(4)        # smoothed load (busy fraction) seen by the sensors
H_EST_LEVEL = wp.constant(5)   # predictive policy: smoothed wear term of the vibration readings
HF64 = 6

# HealthState.i64[r, h, :]
H_NEXT = wp.constant(0)        # step of the next health update (tick)
H_LAST = wp.constant(1)        # step of the last update
H_AGE = wp.constant(2)         # clock steps since the last renewal
H_WORK_AT = wp.constant(3)     # host E_WORK at the last update
H_USES_AT = wp.constant(4)     # host E_USES at the last update
H_USES = wp.constant(5)        # uses since the last renewal
H_STATUS = wp.constant(6)
H_FAILURES = wp.constant(7)    # failures inside the statistics window
H_SERVICES = wp.constant(8)    # preventive services started inside the window
H_WORK_STEPS = wp.constant(9)  # technician steps spent on this component inside the window
H_TICKS = wp.constant(10)      # updates so far (sensor log cadence)
H_CLOCK = wp.constant(11)      # clock steps of the component inside the window
H_RENEWED = wp.constant(12)    # step of the last renewal (repair or service end)
H_FIRST_FAIL = wp.constant(13)  # step of the first failure (0: none yet): a first-passage time
HI64 = 14

# HealthState.crew[r, :]
Q_HEAD = wp.constant(0)
Q_COUNT = wp.constant(1)
Q_BUSY = wp.constant(2)        # technician-steps of work inside the window
CREW = 3


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
    policy: wp.array(dtype=int)              # [H] POLICY_* (set per run)
    policy_value: wp.array(dtype=wp.float64)  # [H] steps (time, predictive), uses, or signal level (per run)
    policy_signal: wp.array(dtype=int)       # [H] 0 vibration, 1 temperature, 2 current (per run)
    log_replicas: int                        # sensor log: replicas 0..log_replicas-1 ...
    log_every: int                           # ... every log_every-th update ...
    log_len: int                             # ... at most log_len samples per component


@wp.struct
class HealthState:
    f64: wp.array3d(dtype=wp.float64)     # [R, H, HF64]
    i64: wp.array3d(dtype=wp.int64)       # [R, H, HI64]
    signal: wp.array3d(dtype=wp.float32)  # [R, H, 3] last vibration, temperature, current readings
    tech_job: wp.array2d(dtype=int)       # [R, T] component a technician works on, -1 free
    tech_end: wp.array2d(dtype=wp.int64)  # [R, T] step the job ends
    tech_start: wp.array2d(dtype=wp.int64)  # [R, T] step the job started
    queue: wp.array2d(dtype=int)          # [R, H] FIFO ring of components waiting for a technician
    crew: wp.array2d(dtype=wp.int64)      # [R, CREW]
    log_step: wp.array3d(dtype=wp.int64)  # [log_replicas, H, log_len] step of each sample
    log_value: wp.array4d(dtype=wp.float32)  # [log_replicas, H, log_len, 7] wear, health, vibration, temperature,
                                             # current, load, failed (1 at the update that found a failure)
    log_n: wp.array2d(dtype=int)          # [log_replicas, H] samples written
