"""Equipment health and the maintenance crew, inside the batched step.

The crew is an internal element (kind MAINTENANCE) whose timed events are (1) periodic updates of
health components: their wear grows by the component's degradation process over the clock time
since the last update, the component fails at its threshold (for Brownian wear, also when the path
crossed it between two updates: the Brownian-bridge crossing probability) or by its hazard, its
sensors are read and its maintenance policy may order a preventive service; and (2) technicians
finishing a repair or a service. Work orders wait in one FIFO queue for the next free technician.
A failed component stops its host at once (until repaired); a preventive service stops it when the
technician starts. Components draw random numbers from streams of their own (after the elements').
"""

import math

import numpy as np
import warp as wp

from .hooks import Hooks, SnapshotHooks, wire_number, wire_optional
from .health_layout import (C_FAILED, C_OK, C_QUEUED, C_REPAIR, C_SERVICE, H_AGE, H_EST_RATE, H_EST_WEAR,
                            H_CLOCK, H_EST_LEVEL, H_FAILURES, H_FIRST_FAIL, H_LAST, H_LIFE, H_LOAD, H_NEXT, H_RENEWED, H_SERVICES, H_STATUS,
                            H_TICKS, H_USES, H_USES_AT, H_WEAR, H_WORK_AT, H_WORK_STEPS, LOG_CURRENT, LOG_FAILED,
                            LOG_HEALTH, LOG_LOAD, LOG_TEMPERATURE, LOG_VIBRATION, LOG_WEAR, POLICY_CONDITION,
                            POLICY_PREDICTIVE, POLICY_TIME, POLICY_USAGE, Q_BUSY, Q_COUNT, Q_HEAD, SIG_CURRENT,
                            SIG_TEMPERATURE, SIG_VIBRATION, WEAR_GAMMA, WEAR_USAGE, WEAR_WEIBULL, WEAR_WIENER)
from .layout import E_HOLD_FAIL, E_HOLD_SERVICE, E_USES, E_WORK, NEVER, RNG_MAIN, RNG_ROUTE, RNG_TBF, RNG_TTR, Model, State
from .next_event import set_next_event
from .sampling import next_gamma, next_normal, next_uniform, row_key, sample_steps, saturated_steps

wp.set_module_options({"enable_backward": False})

ONE = wp.constant(wp.float64(1.0))
ZERO = wp.constant(wp.float64(0.0))
SMOOTH = wp.constant(wp.float64(0.1))  # weight of a new value in the predictive policy's averages


@wp.func(inline=True)
def stream_of(m: Model, h: int) -> int:
    """Random-stream owner of component h (streams after the elements')."""
    return m.n_elem + h


@wp.func
def draw_life(m: Model, s: State, r: int, h: int) -> wp.float64:
    """A Weibull life in clock steps."""
    u = next_uniform(row_key(s, r), s.draws, r, stream_of(m, h), RNG_MAIN)
    return m.health[0].param[h, 1] * wp.pow(-wp.log(u), ONE / m.health[0].param[h, 0])


@wp.func(inline=True)
def schedule_update(m: Model, s: State, r: int, h: int, k: wp.int64):
    """Next update: one period on, or sooner when a Weibull life or an age-replacement interval ends
    (assuming the host keeps working, so both are exact on a calendar clock or a busy host)."""
    nxt = k + m.health[0].period[h]
    age = wp.float64(s.health[0].i64[r, h, H_AGE])
    if m.health[0].model[h] == WEAR_WEIBULL:
        nxt = wp.min(nxt, k + wp.max(saturated_steps(wp.ceil(s.health[0].f64[r, h, H_LIFE] - age)), wp.int64(1)))
    if s.control[0].health.policy[h] == POLICY_TIME and s.health[0].i64[r, h, H_STATUS] == C_OK:
        nxt = wp.min(nxt, k + wp.max(saturated_steps(wp.ceil(s.control[0].health.policy_value[h] - age)), wp.int64(1)))
    s.health[0].i64[r, h, H_NEXT] = nxt


@wp.func(inline=True)
def enqueue(m: Model, s: State, r: int, h: int):
    n = m.health[0].n
    head = int(s.health[0].crew[r, Q_HEAD])
    count = int(s.health[0].crew[r, Q_COUNT])
    s.health[0].queue[r, (head + count) % n] = h
    s.health[0].crew[r, Q_COUNT] = wp.int64(count + 1)


@wp.func(inline=True)
def restore(m: Model, s: State, r: int, h: int, fraction: wp.float64, k: wp.int64):
    """Repair or service: scales the wear above new, the age and the uses by (1 - fraction)."""
    keep = ONE - fraction
    x0 = m.health[0].initial[h]
    s.health[0].f64[r, h, H_WEAR] = x0 + keep * (s.health[0].f64[r, h, H_WEAR] - x0)
    worn = (s.health[0].f64[r, h, H_WEAR] - x0) / (m.health[0].threshold[h] - x0)
    s.health[0].f64[r, h, H_EST_WEAR] = worn
    s.health[0].f64[r, h, H_EST_LEVEL] = m.health[0].sensor[h, 1] * worn * worn
    s.health[0].i64[r, h, H_AGE] = wp.int64(keep * wp.float64(s.health[0].i64[r, h, H_AGE]))
    s.health[0].i64[r, h, H_USES] = wp.int64(keep * wp.float64(s.health[0].i64[r, h, H_USES]))
    if m.health[0].model[h] == WEAR_WEIBULL and fraction >= ONE:
        s.health[0].f64[r, h, H_LIFE] = draw_life(m, s, r, h)
    s.health[0].i64[r, h, H_RENEWED] = k


@wp.func
def wear_increment(m: Model, s: State, r: int, h: int, clock: wp.float64, uses: wp.float64) -> wp.float64:
    model = m.health[0].model[h]
    a = m.health[0].param[h, 0]
    b = m.health[0].param[h, 1]
    owner = stream_of(m, h)
    if model == WEAR_GAMMA:  # mean a * clock, variance b^2 * clock
        if clock <= ZERO:
            return ZERO
        shape = a * a * clock / (b * b)
        return (b * b / a) * next_gamma(row_key(s, r), s.draws, r, owner, RNG_MAIN, shape)
    if model == WEAR_WIENER:
        if clock <= ZERO:
            return ZERO
        return a * clock + b * wp.sqrt(clock) * next_normal(row_key(s, r), s.draws, r, owner, RNG_MAIN)
    if model == WEAR_USAGE:  # a per use, each use gamma with cv b
        if uses <= ZERO:
            return ZERO
        if b <= ZERO:
            return a * uses
        shape = uses / (b * b)
        return a * b * b * next_gamma(row_key(s, r), s.draws, r, owner, RNG_MAIN, shape)
    return ZERO


@wp.func
def read_sensors(m: Model, s: State, r: int, h: int, worn: wp.float64, load: wp.float64):
    """Vibration, temperature and current from the wear fraction and the load (SensorModel)."""
    owner = stream_of(m, h)
    p = m.health[0].sensor
    vib = p[h, 0] * (ONE + p[h, 1] * worn * worn) * (wp.float64(0.5) + wp.float64(0.5) * load) \
        + p[h, 2] * next_normal(row_key(s, r), s.draws, r, owner, RNG_ROUTE)
    temp = p[h, 3] + p[h, 4] * load + p[h, 5] * worn + p[h, 6] * next_normal(row_key(s, r), s.draws, r, owner, RNG_ROUTE)
    cur = p[h, 7] + p[h, 8] * load * (ONE + p[h, 9] * worn) + p[h, 10] * next_normal(row_key(s, r), s.draws, r, owner,
                                                                                       RNG_ROUTE)
    s.health[0].signal[r, h, SIG_VIBRATION] = wp.float32(vib)
    s.health[0].signal[r, h, SIG_TEMPERATURE] = wp.float32(temp)
    s.health[0].signal[r, h, SIG_CURRENT] = wp.float32(cur)


CREDIBLE = wp.constant(wp.float64(0.3))  # predictive policy: wear fraction below which readings are noise


@wp.func
def predicted_life(m: Model, s: State, r: int, h: int, load: wp.float64) -> wp.float64:
    """Remaining clock steps estimated from the vibration readings (the predictive policy).

    Each reading's wear term (the reading over its no-wear value at the load of its period, minus
    1: vib_wear * h^2 plus noise) is averaged exponentially (weight a), so the noise averages out
    before the square root gives the worn fraction h. The wear rate is the average over the
    current life, h over the age since the last renewal (less the averages' lag of (1 - a) / a
    updates), and RUL = (1 - h) / rate - lag. Below h = 0.3 the readings are mostly noise and no
    prediction is made."""
    p = m.health[0].sensor
    level = wp.float64(s.health[0].signal[r, h, SIG_VIBRATION]) / (p[h, 0] * (wp.float64(0.5) + wp.float64(0.5) * load)) - ONE
    smoothed = SMOOTH * level + (ONE - SMOOTH) * s.health[0].f64[r, h, H_EST_LEVEL]
    s.health[0].f64[r, h, H_EST_LEVEL] = smoothed
    worn = ZERO
    if p[h, 1] > ZERO and smoothed > ZERO:
        worn = wp.sqrt(wp.min(smoothed / p[h, 1], ONE))
    s.health[0].f64[r, h, H_EST_WEAR] = worn
    per_update = wp.float64(m.health[0].period[h])  # clock steps per update
    if m.health[0].calendar[h] == 0:
        per_update = per_update * s.health[0].f64[r, h, H_LOAD]
    lag = per_update * (ONE - SMOOTH) / SMOOTH
    age = wp.float64(s.health[0].i64[r, h, H_AGE]) - lag
    if worn < CREDIBLE or age <= ZERO:
        return wp.float64(1.0e300)
    rate = worn / age
    s.health[0].f64[r, h, H_EST_RATE] = rate
    return (ONE - worn) / rate - lag


@wp.func
def health_next_event(m: Model, s: State, r: int) -> wp.int64:
    nxt = NEVER
    for h in range(m.health[0].n):
        st = s.health[0].i64[r, h, H_STATUS]
        if st == wp.int64(C_OK) or st == wp.int64(C_QUEUED):
            nxt = wp.min(nxt, s.health[0].i64[r, h, H_NEXT])
    for t in range(m.health[0].technicians):
        if s.health[0].tech_job[r, t] >= 0:
            nxt = wp.min(nxt, s.health[0].tech_end[r, t])
    return nxt


@wp.func
def health_start(m: Model, s: State, r: int, c: int):
    """New components and an idle crew at step 0."""
    for h in range(m.health[0].n):
        s.health[0].f64[r, h, H_WEAR] = m.health[0].initial[h]
        s.health[0].f64[r, h, H_EST_WEAR] = ZERO
        if m.health[0].model[h] == WEAR_WEIBULL:
            s.health[0].f64[r, h, H_LIFE] = draw_life(m, s, r, h)
        s.health[0].i64[r, h, H_STATUS] = wp.int64(C_OK)
        schedule_update(m, s, r, h, wp.int64(0))
    for t in range(m.health[0].technicians):
        s.health[0].tech_job[r, t] = -1
    set_next_event(m, s, r, c, health_next_event(m, s, r))


def make_crew_event(d):
    """The crew's ``event`` hook on the element dispatch ``d``: it stops hosts (``d.hold``),
    restarts them (``d.release``), accounts them and reads their clocks (``d.uses``, ``d.clock``)."""
    hold, release, account, host_work, host_uses = d.hold, d.release, d.account, d.clock, d.uses

    @wp.func(module="unique")
    def start_job(m: Model, s: State, r: int, t: int, h: int, k: wp.int64):
        status = s.health[0].i64[r, h, H_STATUS]
        dur = wp.int64(0)
        if status == wp.int64(C_FAILED):
            s.health[0].i64[r, h, H_STATUS] = wp.int64(C_REPAIR)
            dur = sample_steps(m, s, r, stream_of(m, h), RNG_TTR, m.health[0].repair_dist[h])
        else:  # a preventive order: the host stops now
            s.health[0].i64[r, h, H_STATUS] = wp.int64(C_SERVICE)
            wp.static(hold)(m, s, r, m.health[0].host[h], m.health[0].part[h], k, True)
            if k >= s.control[0].warmup_step:
                s.health[0].i64[r, h, H_SERVICES] = s.health[0].i64[r, h, H_SERVICES] + wp.int64(1)
            dur = sample_steps(m, s, r, stream_of(m, h), RNG_TBF, m.health[0].service_dist[h])
        s.health[0].tech_job[r, t] = h
        s.health[0].tech_start[r, t] = k
        s.health[0].tech_end[r, t] = k + dur

    @wp.func(module="unique")
    def finish_job(m: Model, s: State, r: int, t: int, k: wp.int64):
        h = s.health[0].tech_job[r, t]
        host = m.health[0].host[h]
        if s.health[0].i64[r, h, H_STATUS] == wp.int64(C_REPAIR):
            restore(m, s, r, h, m.health[0].repair_restores[h], k)
            wp.static(release)(m, s, r, host, m.health[0].part[h], k, False)
        else:
            restore(m, s, r, h, m.health[0].service_restores[h], k)
            wp.static(release)(m, s, r, host, m.health[0].part[h], k, True)
        lo = wp.max(s.health[0].tech_start[r, t], s.control[0].warmup_step)
        hi = wp.min(k, s.control[0].horizon_step)
        if hi > lo:
            s.health[0].crew[r, Q_BUSY] = s.health[0].crew[r, Q_BUSY] + (hi - lo)
            s.health[0].i64[r, h, H_WORK_STEPS] = s.health[0].i64[r, h, H_WORK_STEPS] + (hi - lo)
        s.health[0].tech_job[r, t] = -1
        s.health[0].i64[r, h, H_STATUS] = wp.int64(C_OK)
        s.health[0].i64[r, h, H_LAST] = k
        s.health[0].i64[r, h, H_WORK_AT] = wp.static(host_work)(m, s, r, h, host)
        s.health[0].i64[r, h, H_USES_AT] = wp.static(host_uses)(m, s, r, h, host)
        schedule_update(m, s, r, h, k)

    @wp.func(module="unique")
    def update_component(m: Model, s: State, r: int, h: int, k: wp.int64):
        """Wear, failure, sensors and policy of component h at step k (it is working or queued)."""
        host = m.health[0].host[h]
        wp.static(account)(m, s, r, host, k)
        span = wp.float64(k - s.health[0].i64[r, h, H_LAST])
        work = wp.float64(wp.static(host_work)(m, s, r, h, host) - s.health[0].i64[r, h, H_WORK_AT])
        uses = wp.static(host_uses)(m, s, r, h, host) - s.health[0].i64[r, h, H_USES_AT]
        clock = work
        if m.health[0].calendar[h] != 0:
            clock = span
        load = ZERO
        if span > ZERO:
            load = work / span
        s.health[0].f64[r, h, H_LOAD] = SMOOTH * load + (ONE - SMOOTH) * s.health[0].f64[r, h, H_LOAD]
        age = s.health[0].i64[r, h, H_AGE] + wp.int64(clock)
        s.health[0].i64[r, h, H_AGE] = age
        s.health[0].i64[r, h, H_USES] = s.health[0].i64[r, h, H_USES] + uses
        x0 = m.health[0].initial[h]
        top = m.health[0].threshold[h]
        before = s.health[0].f64[r, h, H_WEAR]
        wear = before
        failed = False
        if m.health[0].model[h] == WEAR_WEIBULL:
            life = s.health[0].f64[r, h, H_LIFE]
            wear = x0 + (top - x0) * wp.min(wp.float64(age) / life, ONE)
            failed = wp.float64(age) >= life
        else:
            wear = before + wear_increment(m, s, r, h, clock, wp.float64(uses) / m.health[0].steps_per_use[h])
            failed = wear >= top
            if m.health[0].model[h] == WEAR_WIENER and not failed and clock > ZERO:
                vol = m.health[0].param[h, 1]
                if vol > ZERO:  # Brownian bridge: did the path cross the threshold between the updates?
                    crossed = wp.exp(wp.float64(-2.0) * (top - before) * (top - wear) / (vol * vol * clock))
                    failed = next_uniform(row_key(s, r), s.draws, r, stream_of(m, h), RNG_TTR) < crossed
        if m.health[0].hazard[h] != 0:  # the hazard rule replaces the threshold
            rate = m.health[0].hazard_rate[h] * wp.exp(m.health[0].hazard_growth[h] * (wear - x0) / (top - x0))
            failed = next_uniform(row_key(s, r), s.draws, r, stream_of(m, h), RNG_TTR) < ONE - wp.exp(-rate * clock)
        s.health[0].f64[r, h, H_WEAR] = wear
        if k > s.control[0].warmup_step:  # clock time inside the window (for the mean time to failure)
            inside = wp.float64(k - wp.max(s.health[0].i64[r, h, H_LAST], s.control[0].warmup_step))
            if span > ZERO:
                s.health[0].i64[r, h, H_CLOCK] = s.health[0].i64[r, h, H_CLOCK] + wp.int64(clock * inside / span)
        worn = wp.clamp((wear - x0) / (top - x0), ZERO, ONE)
        ticks = s.health[0].i64[r, h, H_TICKS]
        s.health[0].i64[r, h, H_TICKS] = ticks + wp.int64(1)
        logged = r < s.control[0].health.log_replicas and (failed or ticks % wp.int64(s.control[0].health.log_every) == wp.int64(0))
        policy = s.control[0].health.policy[h]
        if logged or policy == POLICY_CONDITION or policy == POLICY_PREDICTIVE:  # sensors only when read
            read_sensors(m, s, r, h, worn, load)
        if logged:
            n = s.health[0].log_n[r, h]
            if n < s.control[0].health.log_len:
                s.health[0].log_step[r, h, n] = k
                s.health[0].log_value[r, h, n, LOG_WEAR] = wp.float32(wear)
                s.health[0].log_value[r, h, n, LOG_HEALTH] = wp.float32(ONE - worn)
                s.health[0].log_value[r, h, n, LOG_VIBRATION] = s.health[0].signal[r, h, SIG_VIBRATION]
                s.health[0].log_value[r, h, n, LOG_TEMPERATURE] = s.health[0].signal[r, h, SIG_TEMPERATURE]
                s.health[0].log_value[r, h, n, LOG_CURRENT] = s.health[0].signal[r, h, SIG_CURRENT]
                s.health[0].log_value[r, h, n, LOG_LOAD] = wp.float32(load)
                s.health[0].log_value[r, h, n, LOG_FAILED] = wp.float32(wp.where(failed, 1.0, 0.0))
                s.health[0].log_n[r, h] = n + 1
        s.health[0].i64[r, h, H_LAST] = k
        s.health[0].i64[r, h, H_WORK_AT] = wp.static(host_work)(m, s, r, h, host)
        s.health[0].i64[r, h, H_USES_AT] = wp.static(host_uses)(m, s, r, h, host)
        status = s.health[0].i64[r, h, H_STATUS]
        if failed:
            if k >= s.control[0].warmup_step:
                s.health[0].i64[r, h, H_FAILURES] = s.health[0].i64[r, h, H_FAILURES] + wp.int64(1)
            if s.health[0].i64[r, h, H_FIRST_FAIL] == wp.int64(0):
                s.health[0].i64[r, h, H_FIRST_FAIL] = k
            if status != wp.int64(C_QUEUED):  # a queued preventive order becomes the repair order
                enqueue(m, s, r, h)
            s.health[0].i64[r, h, H_STATUS] = wp.int64(C_FAILED)
            s.health[0].i64[r, h, H_NEXT] = NEVER
            wp.static(hold)(m, s, r, host, m.health[0].part[h], k, False)
            return
        if status == wp.int64(C_OK):
            value = s.control[0].health.policy_value[h]
            due = False
            if policy == POLICY_TIME:
                due = wp.float64(age) >= value
            elif policy == POLICY_USAGE:
                due = wp.float64(s.health[0].i64[r, h, H_USES]) >= value
            elif policy == POLICY_CONDITION:
                due = wp.float64(s.health[0].signal[r, h, s.control[0].health.policy_signal[h]]) >= value
            elif policy == POLICY_PREDICTIVE:
                due = predicted_life(m, s, r, h, load) <= value
            if due:
                s.health[0].i64[r, h, H_STATUS] = wp.int64(C_QUEUED)
                enqueue(m, s, r, h)
        schedule_update(m, s, r, h, k)

    @wp.func(module="unique")
    def health_event(m: Model, s: State, r: int, c: int, k: wp.int64):
        """The crew element's events at step k: finished jobs, component updates, new jobs."""
        for t in range(m.health[0].technicians):
            if s.health[0].tech_job[r, t] >= 0 and s.health[0].tech_end[r, t] == k:
                wp.static(finish_job)(m, s, r, t, k)
        for h in range(m.health[0].n):
            st = s.health[0].i64[r, h, H_STATUS]
            if (st == wp.int64(C_OK) or st == wp.int64(C_QUEUED)) and s.health[0].i64[r, h, H_NEXT] == k:
                wp.static(update_component)(m, s, r, h, k)
        n = m.health[0].n
        for t in range(m.health[0].technicians):
            if s.health[0].tech_job[r, t] < 0 and s.health[0].crew[r, Q_COUNT] > wp.int64(0):
                head = int(s.health[0].crew[r, Q_HEAD])
                h = s.health[0].queue[r, head]
                s.health[0].crew[r, Q_HEAD] = wp.int64((head + 1) % n)
                s.health[0].crew[r, Q_COUNT] = s.health[0].crew[r, Q_COUNT] - wp.int64(1)
                wp.static(start_job)(m, s, r, t, h, k)
        set_next_event(m, s, r, c, health_next_event(m, s, r))

    return health_event


HOOKS = Hooks(event=make_crew_event, start=health_start)


# ---- snapshots (host side, numpy: kernels/hooks.py SnapshotHooks) ----------------------------------
# The crew's snapshot is the state of every health component (its wear and its clocks), by
# component number h; twin.live names them "element.component". The crew's work is kept on the
# components too: a waiting order (failed, or a queued preventive one) has its ``queue_position``
# (0: next), a job under way (repair, service) its ``technician`` and the work's elapsed and
# remaining seconds. A component that stops its host (failed, repair, service) needs a host
# whose snapshot says ``held`` (or ``down``): a machine's parts paused (kernels/machine.py), a
# robot's phase paused (kernels/robot.py); a cluster tool says which part is held
# (``equipment.held``, kernels/cluster_tool.py).
STATUS_NAMES = ("ok", "failed", "repair", "queued", "service")
WAITING = ("failed", "queued")    # in the crew's queue
WORKED = ("repair", "service")    # a technician's job
STOPS_HOST = ("failed", "repair", "service")


def health_capture(v, c) -> dict:
    """Per component: status, wear, age (clock seconds since its last renewal), uses since then,
    a Weibull life (clock seconds), the sensors' last readings and smoothed load, and the exact
    clocks of its next update (seconds ahead; the time, host work and uses since the last one)."""
    f64, i64, sig = v.struct("health.f64"), v.struct("health.i64"), v.struct("health.signal")
    host, weibull = v.param("health.host"), v.param("health.model")
    out = []
    for h in range(f64.shape[0]):
        e = int(host[h])
        work, uses = _host_counters(v, h, e)
        comp = {"status": STATUS_NAMES[int(i64[h, H_STATUS])], "wear": float(f64[h, H_WEAR]),
                "age_s": v.seconds(int(i64[h, H_AGE])), "uses": int(i64[h, H_USES]),
                "load": float(f64[h, H_LOAD]), "signal": [float(x) for x in sig[h]],
                "since_update_s": v.seconds(v.step - int(i64[h, H_LAST])),
                "work_since_update_s": v.seconds(work - int(i64[h, H_WORK_AT])),
                "uses_since_update": uses - int(i64[h, H_USES_AT]),
                "est_wear": float(f64[h, H_EST_WEAR]), "est_level": float(f64[h, H_EST_LEVEL]),
                "est_rate_per_s": float(f64[h, H_EST_RATE]) / v.dt}
        if int(i64[h, H_NEXT]) < int(NEVER):  # none while the component's host is stopped
            comp["next_update_in_s"] = v.seconds(int(i64[h, H_NEXT]) - v.step)
        if int(weibull[h]) == int(WEAR_WEIBULL):
            comp["life_s"] = float(f64[h, H_LIFE]) * v.dt
        out.append(comp)
    queue, crew = v.struct("health.queue"), v.struct("health.crew")
    n, head = len(out), int(crew[Q_HEAD])
    for i in range(int(crew[Q_COUNT])):
        out[int(queue[(head + i) % n])]["queue_position"] = i
    jobs, starts, ends = v.struct("health.tech_job"), v.struct("health.tech_start"), v.struct("health.tech_end")
    for t in range(len(jobs)):
        h = int(jobs[t])
        if h >= 0:
            out[h].update(technician=t, work_elapsed_s=v.seconds(v.step - int(starts[t])),
                          work_remaining_s=v.seconds(int(ends[t]) - v.step))
    return {"components": out}


def _host_counters(v, h: int, e: int) -> tuple[int, int]:
    """The operating clock and use counter component h wears on, as the kernels read them: its
    host kind's (SnapshotHooks ``clock`` / ``uses``: a tool part's, a robot's joint work), else
    the host's E_WORK / E_USES."""
    hooks = _kind_hooks(v, e)
    work = hooks.clock(v, h, e) if hooks is not None and hooks.clock is not None else int(v.el64[e, E_WORK])
    uses = hooks.uses(v, h, e) if hooks is not None and hooks.uses is not None else int(v.el64[e, E_USES])
    return int(work), int(uses)


def _kind_hooks(v, e: int):
    """The snapshot hooks of host e's kind (SnapshotHooks), or None."""
    from .snapshot import snapshot_hooks  # at call time: kernels.snapshot imports the kinds, this one among them
    return snapshot_hooks(v.model.kinds[e])


def health_restore(v, c, comps: list) -> None:
    """Writes the components (in component order) into the rows: clocks relative to step 0 (the
    hosts' work and use counters restart at 0). A missing next update is due at step 0 (it
    re-reads the component and schedules the next one as after any update); a missing Weibull
    life is drawn conditioned on the age (``v.weibull_life``)."""
    f64, i64, sig = v.struct("health.f64"), v.struct("health.i64"), v.struct("health.signal")
    model = v.param("health.model")
    nxt = np.full(f64.shape[0], int(NEVER), np.int64)
    for h, comp in enumerate(comps):
        f64[:, h, H_WEAR] = comp["wear"]
        f64[:, h, H_LOAD] = comp.get("load") or 0.0
        f64[:, h, H_EST_WEAR] = comp.get("est_wear") or 0.0
        f64[:, h, H_EST_LEVEL] = comp.get("est_level") or 0.0
        f64[:, h, H_EST_RATE] = (comp.get("est_rate_per_s") or 0.0) * v.dt
        age = int(v.steps(comp.get("age_s") or 0.0))
        i64[:, h, H_AGE] = age
        i64[:, h, H_USES] = int(comp.get("uses") or 0)
        status = comp.get("status", "ok")
        i64[:, h, H_STATUS] = STATUS_NAMES.index(status)  # the order of the C_* codes
        if int(model[h]) == int(WEAR_WEIBULL):
            life = comp.get("life_s")
            f64[:, h, H_LIFE] = life / v.dt if life is not None else v.weibull_life(h, age)
        if comp.get("signal") is not None:
            sig[:, h, :] = np.asarray(comp["signal"], np.float32)
        i64[:, h, H_LAST] = -v.steps(comp.get("since_update_s") or 0.0)
        i64[:, h, H_WORK_AT] = -v.steps(comp.get("work_since_update_s") or 0.0)
        i64[:, h, H_USES_AT] = -int(comp.get("uses_since_update") or 0)
        due = comp.get("next_update_in_s")
        i64[:, h, H_NEXT] = v.steps(due) if due is not None else 0
        if status in STOPS_HOST:  # no updates while the host is stopped (health_next_event)
            i64[:, h, H_NEXT] = int(NEVER)
        nxt = np.minimum(nxt, i64[:, h, H_NEXT])
    nxt = np.minimum(nxt, _restore_crew(v, comps))
    v.schedule(c, nxt if len(comps) else int(NEVER))


def _restore_crew(v, comps: list) -> np.ndarray:
    """The queue (head 0, in queue_position order), the technicians' jobs (started
    ``work_elapsed_s`` before step 0, ending after ``work_remaining_s``, else after a draw of the
    repair or service time conditioned on the elapsed one) and the crew's holds on the hosts
    (E_HOLD_FAIL / E_HOLD_SERVICE, which the host's restore left at 0). Returns the crew's next
    event per row (a job's end; step 0 when a technician is free while orders wait)."""
    queue, crew = v.struct("health.queue"), v.struct("health.crew")
    jobs, starts, ends = v.struct("health.tech_job"), v.struct("health.tech_start"), v.struct("health.tech_end")
    host = v.param("health.host")
    waiting = sorted((comp["queue_position"], h) for h, comp in enumerate(comps) if comp.get("status") in WAITING)
    for i, (_, h) in enumerate(waiting):
        queue[:, i] = h
    crew[:, Q_HEAD] = 0
    crew[:, Q_COUNT] = len(waiting)
    jobs[:] = -1
    nxt = np.full(jobs.shape[0], int(NEVER), np.int64)
    for h, comp in enumerate(comps):
        status = comp.get("status", "ok")
        if status in STOPS_HOST:
            e = int(host[h])
            hold = _kind_hooks(v, e).hold
            if hold is not None:  # the kind's own count (a tool's part)
                hold(v, h, e, status == "service")
            else:
                v.el32[:, e, E_HOLD_SERVICE if status == "service" else E_HOLD_FAIL] += 1
        if status in WORKED:
            t = int(comp["technician"])
            elapsed = comp.get("work_elapsed_s") or 0.0
            jobs[:, t] = h
            starts[:, t] = -v.steps(elapsed)
            known = comp.get("work_remaining_s")  # 0: the job ends at step 0 (a moment before its end event)
            ends[:, t] = v.component_duration(h, status, known, elapsed, least=0 if known is not None else 1,
                                              purpose=int(RNG_TTR if status == "repair" else RNG_TBF))
            nxt = np.minimum(nxt, ends[:, t])
    if waiting and (jobs < 0).any():  # a free technician takes the first order at once
        nxt = np.minimum(nxt, np.where((jobs < 0).any(axis=1), 0, int(NEVER)))
    return nxt


def health_link(v, c, comps: list):
    """What is wrong with the crew's work in the snapshot, or None: the queue positions must be
    0, 1, ... over the waiting orders; at most one job per technician and no more jobs than
    technicians; a job with neither elapsed nor remaining work needs a memoryless time; a
    component that stops its host needs that host (or its part) held in the snapshot, and a held
    host (or part) a component that stops it (``_stops_problem``)."""
    plant = v.model.plant
    names = [f"{e}.{comp.name}" for e, comp in plant.health_components()]
    specs = [comp for _, comp in plant.health_components()]
    techs = _technicians(plant)
    waiting = sorted((comp.get("queue_position"), names[h]) for h, comp in enumerate(comps)
                     if comp.get("status") in WAITING)
    for i, (pos, name) in enumerate(waiting):
        if pos != i:
            return (f"health component '{name}': queue_position {pos} leaves the queue with gaps or duplicates "
                    f"(the {len(waiting)} waiting orders need positions 0 to {len(waiting) - 1})")
    worked = [(int(comp["technician"]), names[h], h, comp) for h, comp in enumerate(comps)
              if comp.get("status") in WORKED]
    if len(worked) > techs:
        return (f"maintenance crew: {len(worked)} repairs or services under way "
                f"({', '.join(n for _, n, _, _ in worked)}), more than its {techs} technicians")
    seen = {}
    for t, name, h, comp in worked:
        if t >= techs:
            return f"health component '{name}': technician {t} is not in the crew (0 to {techs - 1})"
        if t in seen:
            return f"health component '{name}': technician {t} already works on '{seen[t]}'"
        seen[t] = name
        dist = getattr(specs[h], comp["status"] if comp["status"] == "service" else "repair")
        if comp.get("work_elapsed_s") is None and comp.get("work_remaining_s") is None \
                and not dist.memoryless:
            return (f"health component '{name}': a {comp['status']} under way needs work_elapsed_s (its time is "
                    "not memoryless)")
    return _stops_problem(v, comps, names)


def _stops_problem(v, comps: list, names: list):
    """A component that stops its host needs the host (or, for a kind whose crew stops parts,
    SnapshotHooks ``held``: the part) stopped in the snapshot, and a stopped host or part needs
    a component that stops it."""
    host, part = v.param("health.host"), v.param("health.part")
    stoppers = {}
    for h, comp in enumerate(comps):
        if comp.get("status") in STOPS_HOST:
            stoppers.setdefault(int(host[h]), []).append(h)
    for e, name in enumerate(v.model.names):
        st = v.snapshot.elements[name]
        if st is None:
            continue
        hooks = _kind_hooks(v, e)
        if hooks is None or hooks.held is None:  # the whole element stops
            if e in stoppers and st.state not in ("held", "down"):
                return (f"health component '{names[stoppers[e][0]]}': stops its host, but element '{name}' is "
                        f"{st.state or 'not held'} in the snapshot (say held, its parts paused)")
            if e not in stoppers and st.state == "held":
                return f"element '{name}': held, but no health component of it is failed, under repair or in service"
            continue
        spec = v.spec(e)
        held, stopping = hooks.held(spec, st), {int(part[h]) for h in stoppers.get(e, ())}
        for h in stoppers.get(e, ()):
            if int(part[h]) not in held:
                return (f"health component '{names[h]}': stops {spec.part_names()[int(part[h])]} of its host, but "
                        f"element '{name}' does not say it is held in the snapshot (equipment.held)")
        for p in sorted(held - stopping):
            return (f"element '{name}': {spec.part_names()[p]} is held, but no health component of it is failed, "
                    "under repair or in service")
    return None


def _technicians(plant) -> int:
    """The crew's technicians (a plant with health components and no crew has one: twin.maintenance.Crew())."""
    return plant.crew.technicians if plant.crew is not None else 1


def health_check(name: str, comp: dict, spec=None):
    """What is wrong with component ``name``'s snapshot ``comp`` alone, or None; with its
    ``spec`` (twin.maintenance.HealthComponent) also a wear that contradicts its status."""
    status = comp.get("status", "ok")
    if status not in STATUS_NAMES:
        return f"unknown status {status!r} (known: {', '.join(STATUS_NAMES)})"
    pos, tech = comp.get("queue_position"), comp.get("technician")
    if status in WAITING and (not isinstance(pos, int) or isinstance(pos, bool) or pos < 0):
        return f"is {status}: it waits for a technician and needs its queue_position (an integer >= 0), got {pos!r}"
    if status not in WAITING and pos is not None:
        return f"is {status}, not waiting for a technician: it has no queue_position (got {pos!r})"
    if status in WORKED and (not isinstance(tech, int) or isinstance(tech, bool) or tech < 0):
        return f"is in {status}: it needs its technician (an integer >= 0), got {tech!r}"
    if status not in WORKED:
        for key in ("technician", "work_elapsed_s", "work_remaining_s"):
            if comp.get(key) is not None:
                return f"is {status}, not in a technician's hands: it has no {key} (got {comp[key]!r})"
    if not isinstance(comp.get("wear"), (int, float)):
        return "needs its wear (a number)"
    for key in ("age_s", "life_s", "next_update_in_s", "since_update_s", "work_since_update_s", "uses",
                "uses_since_update", "work_elapsed_s", "work_remaining_s"):
        x = comp.get(key)
        if x is not None and (not isinstance(x, (int, float)) or not x >= 0):
            return f"{key} must be a number >= 0, got {x!r}"
    return _wear_problem(spec, status, float(comp["wear"])) if spec is not None else None


def _wear_problem(spec, status: str, wear: float):
    """A wear its component's model cannot reach (a Weibull wear outside [initial, threshold],
    a gamma or usage wear below initial: they never decrease), or, under the threshold rule with
    repairs that renew, a component at or beyond its failure threshold that has not failed (it
    fails at the update that sees it there: the kernels' ``update_component``)."""
    top = spec.threshold
    problem = spec.degradation.wear_problem(wear, spec.initial, top)  # each model knows its range
    if problem:
        return problem
    if status not in STOPS_HOST and spec.failure == "threshold" and spec.repair_restores >= 1.0 and wear >= top:
        return f"wear {wear:g} is at or beyond its failure threshold {top:g}, but the component is {status}"
    return None


# ---- the live wire (twin.live.wire): what a line with predictive maintenance publishes ------------
# Per component ("element.component"): its status, wear, age since its last renewal (clock
# seconds, as of its last update), uses since then, the sensors' last readings (vibration,
# temperature, current) and, while a technician works on it, the work's elapsed time. The crew
# ("crew"): per technician the component it works on ("" when free), and the waiting work orders,
# next first. A wear and the readings may be negative (a Wiener wear, a sensor's noise): "real".
COMPONENT_WIRE = (("status", "text"), ("wear", "real"), ("age_s", "float"), ("uses", "int"),
                  ("signal", "reals"), ("work_elapsed_s", "float"))
CREW_WIRE = (("jobs", "texts"), ("queue", "texts"))
CREW_NAME = "crew"  # the crew's name on the wire
N_SIGNALS = 3       # vibration, temperature, current (SIG_*)


def _component_names(plant) -> list[str]:
    return [f"{e}.{c.name}" for e, c in plant.health_components()]


def health_wire_names(plant) -> dict:
    """{wire name: its fields}: every health component ("element.component") and the crew."""
    names = {n: tuple(f for f, _ in COMPONENT_WIRE) for n in _component_names(plant)}
    if names:
        names[CREW_NAME] = tuple(f for f, _ in CREW_WIRE)
    return names


def health_encode(health: dict, plant) -> dict:
    """{wire name: {field: value}} of a snapshot's components (observed: no internal clocks)."""
    names = _component_names(plant)
    out, jobs, queue = {}, [""] * _technicians(plant), []
    for name in names:
        comp = health[name]
        out[name] = {"status": comp.get("status", "ok"), "wear": wire_number(comp.get("wear")),
                     "age_s": wire_number(comp.get("age_s")), "uses": int(comp["uses"]) if comp.get("uses") is not None else float("nan"),
                     "signal": [wire_number(x) for x in comp.get("signal") or [None] * N_SIGNALS],
                     "work_elapsed_s": wire_number(comp.get("work_elapsed_s"))}
        if comp.get("technician") is not None:
            jobs[int(comp["technician"])] = name
        if comp.get("queue_position") is not None:
            queue.append((int(comp["queue_position"]), name))
    if names:
        out[CREW_NAME] = {"jobs": jobs, "queue": [n for _, n in sorted(queue)]}
    return out


def health_decode(get, plant) -> dict:
    """The snapshot's components ({"element.component": {...}}) that the values ``get(name,
    field, default)`` describe: the crew's jobs and queue become each component's technician
    and queue position; NaN (unknown) and missing values are left out."""
    jobs, queue = list(get(CREW_NAME, "jobs", [])), list(get(CREW_NAME, "queue", []))
    out = {}
    for name in _component_names(plant):
        comp = {"status": get(name, "status", "ok")}
        for f in ("wear", "age_s", "work_elapsed_s"):
            x = wire_optional(get(name, f))
            if x is not None:
                comp[f] = x
        uses = wire_optional(get(name, "uses"))
        if uses is not None:
            comp["uses"] = int(uses)
        signal = get(name, "signal")
        if signal is not None:
            comp["signal"] = [float(x) for x in signal]
        if name in jobs:
            comp["technician"] = jobs.index(name)
        if name in queue:
            comp["queue_position"] = queue.index(name)
        out[name] = comp
    return out


def health_plausible(name: str, plant, field: str, value):
    """Why a value of component or crew ``name`` contradicts the plant, or None: an unknown
    status, a wear its model cannot reach, not three sensor readings, a technician or work order
    naming no component (or one twice), more technicians than the crew has."""
    comps = dict((f"{e}.{c.name}", c) for e, c in plant.health_components())
    if field == "status" and value not in STATUS_NAMES:
        return f"{name}.status: unknown state code {value!r} (known: {', '.join(STATUS_NAMES)})"
    if field == "wear" and not math.isnan(value):
        problem = _wear_problem(comps[name], "failed", float(value))  # the status is checked with the snapshot
        return f"{name}.wear: {problem}" if problem else None
    if field == "signal" and len(value) != N_SIGNALS:
        return f"{name}.signal: {len(value)} readings, expected {N_SIGNALS} (vibration, temperature, current)"
    if field in ("jobs", "queue"):
        techs = _technicians(plant)
        if field == "jobs" and len(value) != techs:
            return f"{name}.jobs: {len(value)} technicians, the crew has {techs}"
        named = [v for v in value if v != ""] if field == "jobs" else list(value)
        for v in named:
            if v not in comps:
                return f"{name}.{field}: unknown component {v!r} (known: {', '.join(comps)})"
        if len(set(named)) < len(named):
            twice = next(v for v in named if named.count(v) > 1)
            return f"{name}.{field}: {twice!r} appears twice"
    return None


SNAPSHOT = SnapshotHooks(capture=health_capture, restore=health_restore, check=health_check, link=health_link,
                         wire=COMPONENT_WIRE + CREW_WIRE, names=health_wire_names, encode=health_encode,
                         decode=health_decode, plausible=health_plausible)
