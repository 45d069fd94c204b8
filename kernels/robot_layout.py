"""Parameters and state of robot arms (kernels/robot.py), kept in structs of their own.

``index[e]`` numbers the robots: robot arrays are indexed by that number ``b``, not by element.
Joint rows of all robots are concatenated (robot b owns rows ``joint_start[b] : joint_start[b + 1]``),
and so are their configurations, tasks and moves. Units: metres, radians, kilograms, seconds; time
is in integer steps.

A robot's *configurations* are the joint vectors it moves between: 0 is ``home``, then the pick
and the place configuration of each task (solved by inverse kinematics at compile time). A *move*
goes from configuration ``i`` to configuration ``j`` of the same robot (pair ``i * n_conf + j``);
its duration, peak joint torques and energy are tabulated at compile time, unloaded and loaded.
"""

import warp as wp

from .tables import Column, Table

wp.set_module_options({"enable_backward": False})

JMAX = 8                       # most joints of one arm (Python int: array widths)
JOINTS_MAX = wp.constant(JMAX)

# robot phases (RobotState.i32[r, b, RB_PHASE])
PH_IDLE = wp.constant(0)       # at its current configuration, holding nothing (starved)
PH_TO_PICK = wp.constant(1)    # moving (empty) to the pick configuration of its task
PH_GRIP = wp.constant(2)       # at the pick, closing the gripper (the part is still in its element)
PH_TO_PLACE = wp.constant(3)   # moving (loaded) to the place configuration
PH_AT_PLACE = wp.constant(4)   # at the place, offering the part until the place element takes it (blocked)
PH_RELEASE = wp.constant(5)    # the place element has the part; opening the gripper and retracting
PH_LIFT = wp.constant(6)       # gripped: the part leaves its element when the robot is next visited (same step)

# ---- RobotState tables, declared once (kernels/tables.py) --------------------------------------
_T = __name__
I32_TABLE = Table("robot.i32", "int32", ("replica", "robot"), "robot phase and claim", owner=_T,
                  width_const="RB32", columns=(
                      Column("RB_PHASE", "phase", "code", "PH_* phase"),
                      Column("RB_CONF", "conf", "configuration", "configuration it is at (idle) or moving to"),
                      Column("RB_FROM", "from", "configuration", "configuration the current move started from"),
                      Column("RB_TASK", "task", "task", "task (global row) it is serving"),
                      Column("RB_PICK_ELEM", "pick_elem", "element", "element holding the claimed part"),
                      Column("RB_PICK_SLOT", "pick_slot", "slot", "slot of the claimed part in that element"),
                  ))
I64_TABLE = Table("robot.i64", "int64", ("replica", "robot"), "robot timing and counters", owner=_T,
                  width_const="RB64", columns=(
                      Column("RB_MOVE_START", "move_start", "step", "the current move started"),
                      Column("RB_CYCLE_START", "cycle_start", "step",
                             "the current pick-and-place cycle started (the claim)"),
                      Column("RB_PICKS", "picks", "grips", "grips completed inside the statistics window"),
                      Column("RB_CYCLES", "cycles", "cycles",
                             "cycles (claim .. end of release) completed inside the window"),
                      Column("RB_CYCLE_SUM", "cycle_sum", "steps", "their total duration"),
                  ))
MOVES_TABLE = Table("robot.moves", "int64", ("replica", "robot", "move"),
                    "moves started in the window, by (pair, loaded): pair * 2 + loaded", owner=_T)
JOINT_MJ_TABLE = Table("robot.joint_mj", "int64", ("replica", "joint"),
                       "work of each joint since the start, millijoules (not window-clipped; drives load wear "
                       "of a component on that joint)", owner=_T)
TABLES = (I32_TABLE, I64_TABLE, MOVES_TABLE, JOINT_MJ_TABLE)
for _t in TABLES:
    globals().update({_k: wp.constant(_v) for _k, _v in _t.constants().items()})


@wp.struct
class RobotParams:
    """Robots (NR of them), their joints (NJ rows), configurations (NC), tasks (NT) and moves (NP)."""

    index: wp.array(dtype=int)                # [E] robot number of element e, -1 for other kinds
    elem: wp.array(dtype=int)                 # [NR] element of robot b
    joint_start: wp.array(dtype=int)          # [NR + 1] first joint row of robot b
    dh: wp.array2d(dtype=wp.float64)          # [NJ, 4] standard DH a (m), alpha (rad), d (m), theta offset (rad)
    vmax: wp.array(dtype=wp.float64)          # [NJ] joint velocity limit, rad/s
    base: wp.array(dtype=wp.vec3d)            # [NR] base frame origin in plant coordinates, m
    base_yaw: wp.array(dtype=wp.float64)      # [NR] base frame rotation about the vertical, rad
    tool: wp.array(dtype=wp.vec3d)            # [NR] tool centre point in the flange frame, m
    n_conf: wp.array(dtype=int)               # [NR] configurations of robot b
    conf_start: wp.array(dtype=int)           # [NR] first row of robot b in conf_q
    conf_q: wp.array2d(dtype=wp.float64)      # [NC, JMAX] joint angles of each configuration, rad
    task_start: wp.array(dtype=int)           # [NR + 1] tasks of robot b: task_start[b] : task_start[b + 1]
    task_pick: wp.array(dtype=int)            # [NT] element to pick from
    task_place: wp.array(dtype=int)           # [NT] element to place into
    task_pick_conf: wp.array(dtype=int)       # [NT] configuration (of its robot) at the pick
    task_place_conf: wp.array(dtype=int)      # [NT] configuration at the place
    grip_steps: wp.array(dtype=wp.int64)      # [NR]
    release_steps: wp.array(dtype=wp.int64)   # [NR]
    move_start: wp.array(dtype=int)           # [NR] first move (pair) of robot b
    move_steps: wp.array(dtype=wp.int64)      # [NP] duration of move pair p, steps
    move_energy: wp.array2d(dtype=wp.float64)  # [NP, 2] joint work of the move unloaded / loaded, J
    move_peak: wp.array3d(dtype=wp.float64)   # [NP, 2, JMAX] peak |torque| per joint, N m
    move_joint_energy: wp.array3d(dtype=wp.float64)  # [NP, 2, JMAX] work of each joint over the move, J


@wp.struct
class RobotState:
    # the tables declared above (TABLES)
    i32: wp.array3d(dtype=int)            # I32_TABLE [R, NR, RB32]
    i64: wp.array3d(dtype=wp.int64)       # I64_TABLE [R, NR, RB64]
    moves: wp.array3d(dtype=wp.int64)     # MOVES_TABLE [R, NR, 2 * n_conf^2 (max)]
    joint_mj: wp.array2d(dtype=wp.int64)  # JOINT_MJ_TABLE [R, NJ]


# the kind's own structs (kernels/registry.py ``layout``): kernels/layout.py adds them as Model.robot
# and State.robot (one-element arrays: m.robot[0], s.robot[0]); TABLES above are STATE's tables
FIELD = "robot"
PARAMS = RobotParams
STATE = RobotState
CONTROL = None  # no per-run inputs of its own (layout.Control)
