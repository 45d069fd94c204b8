"""Kinematics and dynamics of serial arms of revolute joints (standard Denavit–Hartenberg).

Conventions. Joint i (0-based) of an arm with n joints turns about the z axis of frame i; frame
i + 1 is frame i moved by ``Rz(q_i + theta_i) Tz(d_i) Tx(a_i) Rx(alpha_i)``. Frame 0 is the base:
the plant frame translated to ``base`` and turned by ``base_yaw`` about the vertical (z up). The
tool centre point (TCP) is ``tool`` (metres) in the flange frame n. Gravity is ``gravity`` in plant
coordinates (-9.80665 m/s^2 along z for robots). Everything is float64: these kernels run at
compile time (inverse kinematics, move tables) and for recordings, never in the step loop.

Dynamics model: point masses. Link i (moved by joints 0..i) carries ``mass[i]`` at ``com[i]`` in
frame i + 1 (default: the frame's origin); a held part is a point mass ``payload`` at the TCP.
For point masses Newton–Euler is exact and short: the Cartesian acceleration of every mass follows
from a forward recursion of angular velocity and acceleration along the chain (Coriolis and
centripetal terms included), and the torque joint j needs is
``tau_j = z_j . sum_{i >= j} (p_i - o_j) x m_i (a_i - g)`` (z_j, o_j: axis and origin of frame j).

Motion: synchronised joint-space trapezoids. Each joint's minimum time for |dq| under its velocity
limit v and acceleration limit a is ``T = |dq| / v + v / a`` when |dq| >= v^2 / a, else
``2 sqrt(|dq| / a)``; the move takes the slowest joint's time T and every joint then follows the
gentlest trapezoid of exactly that duration: cruise speed ``min(v, 2 |dq| / T)``, constant
acceleration phases of equal length. All joints start and stop together and every limit holds.
"""

import warp as wp

from .layout import E_COUNT, Model, State
from .robot_layout import PH_TO_PICK, PH_TO_PLACE, RB_CONF, RB_FROM, RB_MOVE_START, RB_PHASE
from .sampling import saturated_steps

wp.set_module_options({"enable_backward": False})

F0 = wp.constant(wp.float64(0.0))
F1 = wp.constant(wp.float64(1.0))
F2 = wp.constant(wp.float64(2.0))
FHALF = wp.constant(wp.float64(0.5))
TWO_PI = wp.constant(wp.float64(6.283185307179586))

# orientation of an inverse-kinematics target
ORIENT_FREE = wp.constant(0)  # position only
ORIENT_DOWN = wp.constant(1)  # tool z axis pointing down (-z), free about it
ORIENT_YAW = wp.constant(2)   # tool z axis down and tool x axis at angle ``yaw`` from the plant x axis


# ---- forward kinematics ------------------------------------------------------------------------
@wp.func(inline=True)
def rot_z(yaw: wp.float64) -> wp.mat33d:
    c = wp.cos(yaw)
    s = wp.sin(yaw)
    return wp.mat33d(c, -s, F0, s, c, F0, F0, F0, F1)


@wp.func(inline=True)
def dh_rot(alpha: wp.float64, theta: wp.float64) -> wp.mat33d:
    """Rotation of Rz(theta) Rx(alpha)."""
    ct = wp.cos(theta)
    st = wp.sin(theta)
    ca = wp.cos(alpha)
    sa = wp.sin(alpha)
    return wp.mat33d(ct, -st * ca, st * sa, st, ct * ca, -ct * sa, F0, sa, ca)


@wp.func(inline=True)
def dh_trans(a: wp.float64, d: wp.float64, theta: wp.float64) -> wp.vec3d:
    return wp.vec3d(a * wp.cos(theta), a * wp.sin(theta), d)


@wp.func(inline=True)
def col_z(R: wp.mat33d) -> wp.vec3d:
    return wp.vec3d(R[0, 2], R[1, 2], R[2, 2])


@wp.func
def tcp_pose(dh: wp.array2d(dtype=wp.float64), j0: int, n: int, base: wp.vec3d, yaw: wp.float64,
             tool: wp.vec3d, q: wp.array2d(dtype=wp.float64), row: int):
    """Position and rotation of the TCP for the joint angles q[row, :n] (DH rows j0 .. j0 + n)."""
    R = rot_z(yaw)
    p = base
    for j in range(n):
        th = q[row, j] + dh[j0 + j, 3]
        p = p + R * dh_trans(dh[j0 + j, 0], dh[j0 + j, 2], th)
        R = R * dh_rot(dh[j0 + j, 1], th)
    return p + R * tool, R


@wp.kernel
def forward_kinematics(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64,
                       tool: wp.vec3d, q: wp.array2d(dtype=wp.float64), points: wp.array2d(dtype=wp.vec3d),
                       tool_rot: wp.array(dtype=wp.mat33d)):
    """Batched FK: for configuration i, ``points[i, 0..n]`` are the origins of frames 0 (base) to n
    (flange), ``points[i, n + 1]`` the TCP, and ``tool_rot[i]`` the rotation of the flange/tool frame."""
    i = wp.tid()
    R = rot_z(yaw)
    p = base
    points[i, 0] = p
    for j in range(n):
        th = q[i, j] + dh[j, 3]
        p = p + R * dh_trans(dh[j, 0], dh[j, 2], th)
        R = R * dh_rot(dh[j, 1], th)
        points[i, j + 1] = p
    points[i, n + 1] = p + R * tool
    tool_rot[i] = R


# ---- inverse kinematics ------------------------------------------------------------------------
@wp.func
def orientation_error(R: wp.mat33d, mode: int, yaw: wp.float64):
    """(rotation vector in plant coordinates that turns the tool towards the target, angle left)."""
    if mode == ORIENT_FREE:
        return wp.vec3d(F0, F0, F0), F0
    z = col_z(R)
    if mode == ORIENT_DOWN:
        zt = wp.vec3d(F0, F0, -F1)
        v = wp.cross(z, zt)
        return v, wp.atan2(wp.length(v), wp.dot(z, zt))
    # full rotation: x = (cos yaw, sin yaw, 0), z = -z_plant, y = z x x
    cy = wp.cos(yaw)
    sy = wp.sin(yaw)
    Rt = wp.mat33d(cy, sy, F0, sy, -cy, F0, F0, F0, -F1)
    M = wp.transpose(R) * Rt
    s = FHALF * wp.vec3d(M[2, 1] - M[1, 2], M[0, 2] - M[2, 0], M[1, 0] - M[0, 1])
    c = FHALF * (M[0, 0] + M[1, 1] + M[2, 2] - F1)
    return R * s, wp.atan2(wp.length(s), c)


@wp.func
def ik_residual(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64, tool: wp.vec3d,
                q: wp.array2d(dtype=wp.float64), row: int, target: wp.vec3d, mode: int, tyaw: wp.float64,
                w: wp.float64):
    """(residual [dp, w * drot], position error m, orientation error rad, TCP position, tool z axis)."""
    p, R = tcp_pose(dh, 0, n, base, yaw, tool, q, row)
    dp = target - p
    er, ang = orientation_error(R, mode, tyaw)
    e = wp.spatial_vectord(dp[0], dp[1], dp[2], w * er[0], w * er[1], w * er[2])
    return e, wp.length(dp), ang, p, col_z(R)


@wp.func
def cholesky_solve(A: wp.spatial_matrixd, b: wp.spatial_vectord) -> wp.spatial_vectord:
    """Solves A x = b for a symmetric positive definite 6 x 6 matrix."""
    L = wp.spatial_matrixd()
    for i in range(6):
        for j in range(i + 1):
            acc = A[i, j]
            for k in range(j):
                acc = acc - L[i, k] * L[j, k]
            if i == j:
                L[i, j] = wp.sqrt(wp.max(acc, wp.float64(1e-300)))
            else:
                L[i, j] = acc / L[j, j]
    y = wp.spatial_vectord()
    for i in range(6):
        acc = b[i]
        for k in range(i):
            acc = acc - L[i, k] * y[k]
        y[i] = acc / L[i, i]
    x = wp.spatial_vectord()
    for ii in range(6):
        i = 5 - ii
        acc = y[i]
        for k in range(i + 1, 6):
            acc = acc - L[k, i] * x[k]
        x[i] = acc / L[i, i]
    return x


@wp.func
def ik_column(R: wp.mat33d, o: wp.vec3d, p: wp.vec3d, w: wp.float64, mode: int, zt: wp.vec3d) -> wp.spatial_vectord:
    """Jacobian column of the joint with frame (R, o) for the TCP at p: linear part, then the
    angular part (weighted by w; for ORIENT_DOWN without the turn about the tool axis zt, which
    is free)."""
    z = col_z(R)
    v = wp.cross(z, p - o)
    u = z
    if mode == ORIENT_DOWN:
        u = z - zt * wp.dot(z, zt)
    return wp.spatial_vectord(v[0], v[1], v[2], w * u[0], w * u[1], w * u[2])


@wp.func
def ik_step(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64, tool: wp.vec3d,
            lo: wp.array(dtype=wp.float64), hi: wp.array(dtype=wp.float64), home: wp.array(dtype=wp.float64),
            limited: int, q: wp.array2d(dtype=wp.float64), q_try: wp.array2d(dtype=wp.float64), row: int,
            e: wp.spatial_vectord, p: wp.vec3d, zt: wp.vec3d, w: wp.float64, mode: int, damp: wp.float64,
            gain: wp.float64, max_step: wp.float64):
    """One damped least-squares step from q[row] into q_try[row]: dq = z + J^T (J J^T + damp^2 I)^-1
    (e - J z), z = gain (home - q) (a pull towards home, in the null space of J as far as the
    damping allows), scaled to at most ``max_step`` per joint and clipped to the limits if
    ``limited``. Returns the squared distances from home before and after."""
    A = wp.spatial_matrixd()
    jz = wp.spatial_vectord()
    R = rot_z(yaw)
    o = base
    for j in range(n):
        col = ik_column(R, o, p, w, mode, zt)
        A = A + wp.outer(col, col)
        jz = jz + col * (gain * (home[j] - q[row, j]))
        th = q[row, j] + dh[j, 3]
        o = o + R * dh_trans(dh[j, 0], dh[j, 2], th)
        R = R * dh_rot(dh[j, 1], th)
    for i in range(6):
        A[i, i] = A[i, i] + damp * damp
    # rows the target leaves free (the turn about the tool axis; any orientation) get a unit
    # eigenvalue instead of none: nothing in e - J z points there, so y gets nothing there either
    if mode == ORIENT_DOWN:
        free = wp.spatial_vectord(F0, F0, F0, zt[0], zt[1], zt[2])
        A = A + wp.outer(free, free)
    elif mode == ORIENT_FREE:
        for i in range(3, 6):
            A[i, i] = A[i, i] + F1
    y = cholesky_solve(A, e - jz)
    R = rot_z(yaw)
    o = base
    big = F0
    for j in range(n):
        col = ik_column(R, o, p, w, mode, zt)
        dq = wp.dot(col, y) + gain * (home[j] - q[row, j])
        q_try[row, j] = dq
        big = wp.max(big, wp.abs(dq))
        th = q[row, j] + dh[j, 3]
        o = o + R * dh_trans(dh[j, 0], dh[j, 2], th)
        R = R * dh_rot(dh[j, 1], th)
    scale = F1
    if big > max_step:
        scale = max_step / big
    d_old = F0
    d_new = F0
    for j in range(n):
        v = q[row, j] + scale * q_try[row, j]
        if limited == 1:
            v = wp.clamp(v, lo[j], hi[j])
        q_try[row, j] = v
        d_old = d_old + (q[row, j] - home[j]) * (q[row, j] - home[j])
        d_new = d_new + (v - home[j]) * (v - home[j])
    return d_old, d_new


@wp.kernel
def inverse_kinematics(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64,
                       tool: wp.vec3d, lo: wp.array(dtype=wp.float64), hi: wp.array(dtype=wp.float64),
                       home: wp.array(dtype=wp.float64), targets: wp.array(dtype=wp.vec3d),
                       modes: wp.array(dtype=int), target_yaw: wp.array(dtype=wp.float64),
                       seeds: wp.array2d(dtype=wp.float64), iterations: int, q: wp.array2d(dtype=wp.float64),
                       q_try: wp.array2d(dtype=wp.float64), err: wp.array2d(dtype=wp.float64)):
    """Damped least squares (Levenberg–Marquardt) from every seed, for every target; launched over
    (targets, seeds, 2): the last index 1 keeps the joints inside [lo, hi] (projected steps), 0
    ignores the limits (to tell 'out of reach' from 'outside the limits'). Once on target, steps
    in the null space of the Jacobian pull the joints towards ``home`` (redundant arms, a free tool
    yaw), each followed by corrections back onto the target. Row ``(t * seeds + s) * 2 + c`` of
    ``q`` gets the solution, ``err`` its position (m) and orientation (rad) errors."""
    t, si, c = wp.tid()
    row = (t * seeds.shape[0] + si) * 2 + c
    target = targets[t]
    mode = modes[t]
    tyaw = target_yaw[t]
    w = F1
    if mode == ORIENT_FREE:
        w = F0
    for j in range(n):
        v = seeds[si, j]
        if c == 1:
            v = wp.clamp(v, lo[j], hi[j])
        q[row, j] = v
    e, ep, er, p, zt = ik_residual(dh, n, base, yaw, tool, q, row, target, mode, tyaw, w)
    cost = wp.dot(e, e)
    lam = wp.float64(1e-2)
    tol = wp.float64(1e-10)
    null_step = wp.float64(0.1)
    null_tol = wp.float64(1e-4)
    pulling = int(1)
    wrapped = int(0)
    for it in range(iterations):
        on_target = ep < tol and er < tol
        if on_target and pulling == 0:
            break
        if on_target and wrapped == 0:
            # whole turns change nothing: take each joint to the turn nearest home (inside the limits)
            wrapped = 1
            for j in range(n):
                v = q[row, j]
                u = v + wp.round((home[j] - v) / TWO_PI) * TWO_PI
                if c == 0 or (u >= lo[j] and u <= hi[j]):
                    q[row, j] = u
        if on_target:
            d_old, d_new = ik_step(dh, n, base, yaw, tool, lo, hi, home, c, q, q_try, row, e, p, zt, w, mode,
                                   wp.float64(1e-7), FHALF, null_step)
        else:
            d_old, d_new = ik_step(dh, n, base, yaw, tool, lo, hi, home, c, q, q_try, row, e, p, zt, w, mode,
                                   lam, F0, wp.float64(0.4))
        e2, ep2, er2, p2, zt2 = ik_residual(dh, n, base, yaw, tool, q_try, row, target, mode, tyaw, w)
        cost2 = wp.dot(e2, e2)
        accept = cost2 < cost
        if on_target:  # a pull towards home may leave the target a little: the next steps correct that
            accept = ep2 < null_tol and er2 < null_tol and d_new < d_old - wp.float64(1e-12)
            if not accept:
                if d_new < d_old - wp.float64(1e-12) and null_step > wp.float64(1e-4):
                    null_step = null_step * FHALF  # too far off the target: a shorter pull
                else:
                    pulling = 0  # as near home as the target allows
        if accept:
            for j in range(n):
                q[row, j] = q_try[row, j]
            e = e2
            ep = ep2
            er = er2
            p = p2
            zt = zt2
            cost = cost2
            lam = wp.max(lam * FHALF, wp.float64(1e-6))
        elif not on_target:
            lam = lam * wp.float64(4.0)
            if lam > wp.float64(1e4):
                break
    err[row, 0] = ep
    err[row, 1] = er


# ---- motion profiles ---------------------------------------------------------------------------
@wp.func
def joint_min_time(dist: wp.float64, v: wp.float64, a: wp.float64) -> wp.float64:
    """Shortest time to move |dist| from rest to rest under speed v and acceleration a."""
    d = wp.abs(dist)
    if d >= v * v / a:
        return d / v + v / a
    return F2 * wp.sqrt(d / a)


@wp.func
def profile(dist: wp.float64, v: wp.float64, T: wp.float64, t: wp.float64) -> wp.vec3d:
    """(position, velocity, acceleration) at time t of the gentlest trapezoid moving ``dist`` in
    exactly T under speed limit v (T must be at least the joint's minimum time)."""
    d = wp.abs(dist)
    if d <= F0 or T <= F0:
        return wp.vec3d(F0, F0, F0)
    sgn = F1
    if dist < F0:
        sgn = -F1
    if t >= T:
        return wp.vec3d(dist, F0, F0)
    t = wp.max(t, F0)
    vc = wp.min(v, F2 * d / T)
    ta = T - d / vc           # length of each acceleration phase
    acc = vc / ta
    x = F0
    xd = F0
    xdd = F0
    if t < ta:
        x = FHALF * acc * t * t
        xd = acc * t
        xdd = acc
    elif t <= T - ta:
        x = FHALF * acc * ta * ta + vc * (t - ta)
        xd = vc
    else:
        u = T - t
        x = d - FHALF * acc * u * u
        xd = acc * u
        xdd = -acc
    return sgn * wp.vec3d(x, xd, xdd)


@wp.kernel
def plan_moves(conf: wp.array2d(dtype=wp.float64), n: int, vmax: wp.array(dtype=wp.float64),
               amax: wp.array(dtype=wp.float64), steps_per_second: wp.float64,
               seconds: wp.array(dtype=wp.float64), steps: wp.array(dtype=wp.int64)):
    """Duration of the synchronised move between every pair (i, j) of configurations (thread
    i * C + j): the slowest joint's minimum time, and that rounded up to whole steps."""
    i, j = wp.tid()
    p = i * conf.shape[0] + j
    T = F0
    for k in range(n):
        T = wp.max(T, joint_min_time(conf[j, k] - conf[i, k], vmax[k], amax[k]))
    seconds[p] = T
    steps[p] = saturated_steps(wp.ceil(T * steps_per_second - wp.float64(1e-9)))  # 2^61 at most


@wp.kernel
def sample_profiles(q0: wp.array2d(dtype=wp.float64), q1: wp.array2d(dtype=wp.float64), n: int,
                    vmax: wp.array(dtype=wp.float64), duration: wp.array(dtype=wp.float64),
                    times: wp.array(dtype=wp.float64), out: wp.array3d(dtype=wp.float64)):
    """out[m, s, j * 3 : j * 3 + 3] = (q, qd, qdd) of joint j of move m (q0[m] -> q1[m] in
    duration[m] seconds) at times[s]."""
    m, si = wp.tid()
    for j in range(n):
        x = profile(q1[m, j] - q0[m, j], vmax[j], duration[m], times[si])
        out[m, si, j * 3] = q0[m, j] + x[0]
        out[m, si, j * 3 + 1] = x[1]
        out[m, si, j * 3 + 2] = x[2]


# ---- dynamics ----------------------------------------------------------------------------------
@wp.func
def arm_torques(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64, tool: wp.vec3d,
                mass: wp.array(dtype=wp.float64), com: wp.array(dtype=wp.vec3d), payload: wp.float64,
                gravity: wp.vec3d, qs: wp.array3d(dtype=wp.float64), row: int, tau: wp.array2d(dtype=wp.float64)):
    """Joint torques (N m) into tau[row, :n] for the joint state qs[row, j, :] = (q, qd, qdd)
    (point-mass Newton–Euler, see the module docstring)."""
    # pass 1: total force and moment (about the plant origin) of m_i (a_i - g) over all masses
    ftot = wp.vec3d(F0, F0, F0)
    mtot = wp.vec3d(F0, F0, F0)
    R = rot_z(yaw)
    p = base
    w = wp.vec3d(F0, F0, F0)
    al = wp.vec3d(F0, F0, F0)
    ao = wp.vec3d(F0, F0, F0)
    for j in range(n):
        z = col_z(R)
        qd = qs[row, j, 1]
        th = qs[row, j, 0] + dh[j, 3]
        w2 = w + z * qd
        al = al + z * qs[row, j, 2] + wp.cross(w, z * qd)
        w = w2
        p2 = p + R * dh_trans(dh[j, 0], dh[j, 2], th)
        R = R * dh_rot(dh[j, 1], th)
        pm = p2 + R * com[j]
        rm = pm - p
        am = ao + wp.cross(al, rm) + wp.cross(w, wp.cross(w, rm))
        f = mass[j] * (am - gravity)
        ftot = ftot + f
        mtot = mtot + wp.cross(pm, f)
        r = p2 - p
        ao = ao + wp.cross(al, r) + wp.cross(w, wp.cross(w, r))
        p = p2
    pt = p + R * tool
    rt = pt - p
    at = ao + wp.cross(al, rt) + wp.cross(w, wp.cross(w, rt))
    ft = payload * (at - gravity)
    ftot = ftot + ft
    mtot = mtot + wp.cross(pt, ft)
    # pass 2: tau_j = z_j . (sum over masses beyond joint j of (p_i - o_j) x f_i)
    fpre = wp.vec3d(F0, F0, F0)
    mpre = wp.vec3d(F0, F0, F0)
    R = rot_z(yaw)
    p = base
    w = wp.vec3d(F0, F0, F0)
    al = wp.vec3d(F0, F0, F0)
    ao = wp.vec3d(F0, F0, F0)
    for j in range(n):
        z = col_z(R)
        tau[row, j] = wp.dot(z, (mtot - mpre) - wp.cross(p, ftot - fpre))
        qd = qs[row, j, 1]
        th = qs[row, j, 0] + dh[j, 3]
        w2 = w + z * qd
        al = al + z * qs[row, j, 2] + wp.cross(w, z * qd)
        w = w2
        p2 = p + R * dh_trans(dh[j, 0], dh[j, 2], th)
        R = R * dh_rot(dh[j, 1], th)
        pm = p2 + R * com[j]
        rm = pm - p
        am = ao + wp.cross(al, rm) + wp.cross(w, wp.cross(w, rm))
        f = mass[j] * (am - gravity)
        fpre = fpre + f
        mpre = mpre + wp.cross(pm, f)
        r = p2 - p
        ao = ao + wp.cross(al, r) + wp.cross(w, wp.cross(w, r))
        p = p2


@wp.kernel
def joint_torques(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64, tool: wp.vec3d,
                  mass: wp.array(dtype=wp.float64), com: wp.array(dtype=wp.vec3d), payload: wp.float64,
                  gravity: wp.vec3d, qs: wp.array3d(dtype=wp.float64), tau: wp.array2d(dtype=wp.float64)):
    """Batched inverse dynamics: tau[i, j] for the joint states qs[i, j, :] = (q, qd, qdd)."""
    i = wp.tid()
    arm_torques(dh, n, base, yaw, tool, mass, com, payload, gravity, qs, i, tau)


@wp.func
def set_move_state(conf: wp.array2d(dtype=wp.float64), n: int, vmax: wp.array(dtype=wp.float64), i: int, j: int,
                   T: wp.float64, t: wp.float64, qs: wp.array3d(dtype=wp.float64), row: int):
    for k in range(n):
        x = profile(conf[j, k] - conf[i, k], vmax[k], T, t)
        qs[row, k, 0] = conf[i, k] + x[0]
        qs[row, k, 1] = x[1]
        qs[row, k, 2] = x[2]


@wp.kernel
def move_dynamics(dh: wp.array2d(dtype=wp.float64), n: int, base: wp.vec3d, yaw: wp.float64, tool: wp.vec3d,
                  mass: wp.array(dtype=wp.float64), com: wp.array(dtype=wp.vec3d), payload: wp.float64,
                  gravity: wp.vec3d, conf: wp.array2d(dtype=wp.float64), vmax: wp.array(dtype=wp.float64),
                  steps: wp.array(dtype=wp.int64), dt: wp.float64, max_samples: int,
                  qs: wp.array3d(dtype=wp.float64), tau: wp.array2d(dtype=wp.float64),
                  energy: wp.array2d(dtype=wp.float64), peak: wp.array3d(dtype=wp.float64),
                  joint_work: wp.array3d(dtype=wp.float64)):
    """Peak |torque| per joint, the work of each joint int |tau_j qd_j| dt (``joint_work``) and their
    sum (``energy``) over the move between every
    pair of configurations (thread (pair, loaded): loaded = 1 adds the payload at the TCP). The
    move lasts its whole number of steps; the torques are sampled at N = min(steps, max_samples)
    equal sub-steps: peak over the N + 1 sub-step ends, work by the midpoint rule."""
    pair, loaded = wp.tid()
    C = conf.shape[0]
    i = pair // C
    j = pair % C
    row = pair * 2 + loaded
    load = F0
    if loaded == 1:
        load = payload
    T = wp.float64(steps[pair]) * dt
    N = int(wp.min(steps[pair], wp.int64(max_samples)))
    for k in range(n):
        peak[pair, loaded, k] = F0
        joint_work[pair, loaded, k] = F0
    work = F0
    if N == 0:  # no motion: the holding torque at the configuration
        set_move_state(conf, n, vmax, i, j, T, F0, qs, row)
        arm_torques(dh, n, base, yaw, tool, mass, com, load, gravity, qs, row, tau)
        for k in range(n):
            peak[pair, loaded, k] = wp.abs(tau[row, k])
    else:
        h = T / wp.float64(N)
        for s in range(N + 1):
            set_move_state(conf, n, vmax, i, j, T, wp.float64(s) * h, qs, row)
            arm_torques(dh, n, base, yaw, tool, mass, com, load, gravity, qs, row, tau)
            for k in range(n):
                peak[pair, loaded, k] = wp.max(peak[pair, loaded, k], wp.abs(tau[row, k]))
        for s in range(N):
            set_move_state(conf, n, vmax, i, j, T, (wp.float64(s) + FHALF) * h, qs, row)
            arm_torques(dh, n, base, yaw, tool, mass, com, load, gravity, qs, row, tau)
            for k in range(n):
                w = wp.abs(tau[row, k] * qs[row, k, 1]) * h
                joint_work[pair, loaded, k] = joint_work[pair, loaded, k] + w
                work = work + w
    energy[pair, loaded] = work


# ---- recording ---------------------------------------------------------------------------------
@wp.func
def robot_joint_at(m: Model, s: State, r: int, b: int, j: int, k: wp.int64) -> wp.float64:
    """Joint j of robot b of replica r at step k (on its move profile while moving)."""
    cs = m.robot[0].conf_start[b]
    to = s.robot[0].i32[r, b, RB_CONF]
    phase = s.robot[0].i32[r, b, RB_PHASE]
    q1 = m.robot[0].conf_q[cs + to, j]
    if phase == PH_TO_PICK or phase == PH_TO_PLACE:
        frm = s.robot[0].i32[r, b, RB_FROM]
        steps = m.robot[0].move_steps[m.robot[0].move_start[b] + frm * m.robot[0].n_conf[b] + to]
        T = wp.float64(steps) / m.steps_per_second
        t = wp.float64(k - s.robot[0].i64[r, b, RB_MOVE_START]) / m.steps_per_second
        q0 = m.robot[0].conf_q[cs + frm, j]
        x = profile(q1 - q0, m.robot[0].vmax[m.robot[0].joint_start[b] + j], T, t)
        return q0 + x[0]
    return q1


@wp.kernel
def record_robots(m: Model, s: State, r: int, frame: int, k: wp.int64, joints: wp.array3d(dtype=wp.float64),
                  links: wp.array4d(dtype=wp.float64), tcp: wp.array3d(dtype=wp.float64),
                  holding: wp.array2d(dtype=wp.int8)):
    """Frame ``frame`` of robot b (thread) of replica r at step k: joint angles joints[frame, b, :J],
    frame origins links[frame, b, :J + 1, :] (base first) and the TCP, plant coordinates, and
    whether it holds a part."""
    b = wp.tid()
    holding[frame, b] = wp.int8(s.el32[r, m.robot[0].elem[b], E_COUNT])
    j0 = m.robot[0].joint_start[b]
    n = m.robot[0].joint_start[b + 1] - j0
    R = rot_z(m.robot[0].base_yaw[b])
    p = m.robot[0].base[b]
    for c in range(3):
        links[frame, b, 0, c] = p[c]
    for j in range(n):
        qj = robot_joint_at(m, s, r, b, j, k)
        joints[frame, b, j] = qj
        th = qj + m.robot[0].dh[j0 + j, 3]
        p = p + R * dh_trans(m.robot[0].dh[j0 + j, 0], m.robot[0].dh[j0 + j, 2], th)
        R = R * dh_rot(m.robot[0].dh[j0 + j, 1], th)
        for c in range(3):
            links[frame, b, j + 1, c] = p[c]
    pt = p + R * m.robot[0].tool[b]
    for c in range(3):
        tcp[frame, b, c] = pt[c]
