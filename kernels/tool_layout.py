"""Parameters and state of wafer-handling cluster tools (kernels/cluster_tool.py), in structs of
their own. ``index[e]`` numbers the tools: per-tool rows are indexed by that number ``t``; the
chambers, step groups, load locks, load-lock slots and load ports of all tools are concatenated
and each tool knows where its own start (``p32[t, TP_CH0]``, ``TP_STEP0``, ``TP_LL0``, ...).

Inside one tool, the vacuum robot's stations are numbered 0 .. S-1: the load locks first
(0 .. L-1), then the chambers step by step. Station ``i`` sits at angle 2*pi*i/S around the
transfer chamber. The robot's orientation is an integer in units of pi/S (0 .. 2S-1): station i is
at orientation 2i; arm 0 points at orientation o, arm 1 (dual-arm robots) at o + S.
"""

import warp as wp

wp.set_module_options({"enable_backward": False})

# chamber status (ToolState.ch32[r, c, CH_STATUS])
CH_EMPTY = wp.constant(0)    # no wafer; ch64 = step it became empty
CH_BUSY = wp.constant(1)     # processing; ch64 = step the recipe ends
CH_DONE = wp.constant(2)     # holding a finished wafer; ch64 = step the recipe ended
CH_STATUS = wp.constant(0)
CH_PORT = wp.constant(1)     # load port (FOUP) the wafer belongs to, -1 if none
CH32 = 2

# load-lock states (ToolState.ll32[r, l, LL_STATE]); ll64 = end of pump/vent, or step the state began
LL_VENTED = wp.constant(0)   # at atmosphere: the ATM robot unloads processed and loads raw wafers
LL_PUMPING = wp.constant(1)
LL_VACUUM = wp.constant(2)   # the vacuum robot picks raw and places processed wafers
LL_VENTING = wp.constant(3)
LL_STATE = wp.constant(0)
LL_RAW = wp.constant(1)      # raw wafers held
LL_PROC = wp.constant(2)     # processed wafers held
LL_VTM = wp.constant(3)      # vacuum-robot operations under way or planned at this load lock (no venting)
LL_VTM_IN = wp.constant(4)   # of which places (each keeps a slot free)
LL_ATM = wp.constant(5)      # an ATM transfer to or from this load lock is under way (no pumping)
LL_ATM_IN = wp.constant(6)   # of which a load (keeps a slot free)
LL32 = 7

# load-lock slots (ToolState.slot32[r, slot, :])
SL_PORT = wp.constant(0)     # load port of the wafer in the slot, -1: empty
SL_KIND = wp.constant(1)     # WAFER_RAW or WAFER_DONE
WAFER_RAW = wp.constant(0)
WAFER_DONE = wp.constant(1)
SL32 = 2

# load ports (ToolState.port32[r, port, :]); the FOUP itself is the element's slot (S_STATUS etc.)
P_RAW_LEFT = wp.constant(0)  # wafers still in the FOUP, not yet taken out
P_BACK = wp.constant(1)      # processed wafers returned to the FOUP
P32 = 2

# vacuum-robot operations
OP_NONE = wp.constant(0)
OP_PICK = wp.constant(1)
OP_PLACE = wp.constant(2)

# ATM robot transfers
ATM_IDLE = wp.constant(0)
ATM_LOAD = wp.constant(1)    # FOUP -> load lock (a raw wafer)
ATM_UNLOAD = wp.constant(2)  # load lock -> FOUP (a processed wafer)

# ToolState.t64[r, t, :]
T_VTM_START = wp.constant(0)   # step the current vacuum-robot operation began (rotation starts)
T_VTM_ROT = wp.constant(1)     # step its rotation ends
T_VTM_HAND = wp.constant(2)    # step its handoff (extend + retract) begins (later than T_VTM_ROT if it waits)
T_VTM_END = wp.constant(3)     # step it ends; NEVER while the robot has no operation
T_ATM_START = wp.constant(4)
T_ATM_END = wp.constant(5)     # NEVER while the ATM robot is idle
T_ACC_VTM = wp.constant(6)     # statistics window: steps the vacuum robot moves or hands off
T_ACC_ATM = wp.constant(7)     # steps the ATM robot transfers
T_ACC_LL = wp.constant(8)      # load-lock-steps pumping, venting or in an ATM transfer
T_ACC_WIP = wp.constant(9)     # wafer-steps out of their FOUPs
T_ACC_WAFERS = wp.constant(10)  # processed wafers returned to their FOUPs
T64 = 11

# ToolState.t32[r, t, :]
V_PHASE = wp.constant(0)     # 0: no operation, 1: executing the current operation
V_KIND = wp.constant(1)      # current operation: OP_PICK / OP_PLACE
V_STATION = wp.constant(2)
V_ARM = wp.constant(3)
V_SLOT = wp.constant(4)      # load-lock slot of a pick from a load lock, else -1
V_NKIND = wp.constant(5)     # the planned next operation (OP_NONE: none)
V_NSTATION = wp.constant(6)
V_NARM = wp.constant(7)
V_NSLOT = wp.constant(8)
V_ORIENT = wp.constant(9)    # orientation at the end of the current rotation (units of pi/S)
V_FROM = wp.constant(10)     # orientation at the start of the current rotation
V_ARM0 = wp.constant(11)     # load port of the wafer on arm 0, -1: empty
V_STAGE0 = wp.constant(12)   # its next step (0 .. n_steps-1), n_steps: back to a load lock
V_ARM1 = wp.constant(13)
V_STAGE1 = wp.constant(14)
A_KIND = wp.constant(15)     # ATM transfer under way: ATM_IDLE / ATM_LOAD / ATM_UNLOAD
A_PORT = wp.constant(16)
A_LL = wp.constant(17)
A_SLOT = wp.constant(18)
T_WIP = wp.constant(19)      # wafers out of their FOUPs (ATM, load locks, vacuum side)
T_INSIDE = wp.constant(20)   # wafers on the vacuum side past the load locks (chambers, robot arms)
T32 = 21

# ToolState.g64[r, group, :]: statistics window, chamber-steps (a chamber stopped by the crew
# counts as down only, whatever it holds)
G_BUSY = wp.constant(0)
G_BLOCKED = wp.constant(1)
G_DOWN = wp.constant(2)
G64 = 3

# Parts of a tool that carry health components and that the maintenance crew can stop, numbered
# within the tool: the vacuum robot, the ATM robot, then its chambers in station order. A tool's
# parts are rows TP_PART0 .. TP_PART0 + 2 + chambers - 1 of ToolState.part32/part64.
PART_VTM = wp.constant(0)
PART_ATM = wp.constant(1)
PART_CH0 = wp.constant(2)      # chamber i of the tool (0-based, station order) is part PART_CH0 + i
# ToolState.part32[r, part, :]: the crew's holds (a part is stopped while either is > 0)
PH_FAIL = wp.constant(0)
PH_SERVICE = wp.constant(1)
PT32 = 2
# ToolState.part64[r, part, :]
PT_WORK = wp.constant(0)       # operating clock: steps the part worked (robot moving or handing off,
                               # ATM robot transferring, chamber processing), over the whole run
PT_USES = wp.constant(1)       # uses: vacuum-robot picks and places, ATM transfers, recipes completed
PT_HELD_AT = wp.constant(2)    # step the current stop began
PT_DOWN = wp.constant(3)       # statistics window: steps stopped for a failure
PT_SERVICE = wp.constant(4)    # statistics window: steps stopped for a preventive service (and no failure)
PT64 = 5


# ToolParams.p32[t, :]: per-tool integers
TP_N_STEPS = wp.constant(0)     # process steps (a serial sequence)
TP_STEP0 = wp.constant(1)       # first step group of the tool (ToolParams.group rows)
TP_CH0 = wp.constant(2)         # first chamber of the tool
TP_N_CH = wp.constant(3)        # chambers
TP_LL0 = wp.constant(4)         # first load lock of the tool
TP_N_LL = wp.constant(5)        # load locks
TP_LL_CAP = wp.constant(6)      # wafers per load lock
TP_SLOT0 = wp.constant(7)       # first load-lock slot; lock l's slots: TP_SLOT0 + (l - TP_LL0) * cap
TP_PORT0 = wp.constant(8)       # first load port (ToolState.port32)
TP_PUMP = wp.constant(9)        # pump-down time distribution (Model.dists)
TP_VENT = wp.constant(10)       # vent time distribution
TP_DUAL = wp.constant(11)       # 1: dual-arm vacuum robot (arms 180 degrees apart)
TP_N_ST = wp.constant(12)       # S = load locks + chambers
TP_ROT0 = wp.constant(13)       # first entry of the tool in ToolParams.rot_steps
TP_WAFERS = wp.constant(14)     # wafers per FOUP
TP_WIP = wp.constant(15)        # most wafers out of their FOUPs at once
TP_PORTS = wp.constant(16)      # load ports
TP_PART0 = wp.constant(17)      # first part row of the tool (ToolState.part32/part64)
TP32 = 18
# ToolParams.p64[t, :]
TP_ATM_STEPS = wp.constant(0)   # steps per ATM transfer (FOUP <-> load lock)
TP_HAND_STEPS = wp.constant(1)  # steps per vacuum-robot handoff (extend + retract)
TP64 = 2
# ToolParams.group[g, :]: one row per process step of every tool
G_CHAMBERS = wp.constant(0)    # parallel chambers of the step
G_FIRST = wp.constant(1)       # first chamber of the step (global chamber index)
G_RECIPE = wp.constant(2)      # recipe distribution (Model.dists)
GROUP = 3


@wp.struct
class ToolParams:
    """Per-tool numbers in one table (p32/p64, TP_* columns), per-step rows in ``group``."""

    index: wp.array(dtype=int)             # [E] tool number of element e, -1 for other kinds
    p32: wp.array2d(dtype=int)             # [T, TP32] (TP_* fields)
    p64: wp.array2d(dtype=wp.int64)        # [T, TP64]
    group: wp.array2d(dtype=int)           # [G, GROUP] (G_* fields)
    ch_group: wp.array(dtype=int)          # [C] step (0-based, within its tool) of each chamber
    rot_steps: wp.array(dtype=wp.int64)    # [sum(S + 1)] steps to rotate by d * pi / S, d = 0 .. S


@wp.struct
class ToolState:
    t64: wp.array3d(dtype=wp.int64)   # [R, T, T64] robot timing and statistics (T_* fields)
    t32: wp.array3d(dtype=int)        # [R, T, T32] robot state and counters (V_*, A_*, T_WIP, T_INSIDE)
    ch64: wp.array2d(dtype=wp.int64)  # [R, C] chamber step (see CH_*)
    ch32: wp.array3d(dtype=int)       # [R, C, CH32]
    ll64: wp.array2d(dtype=wp.int64)  # [R, L] load-lock step (see LL_*)
    ll32: wp.array3d(dtype=int)       # [R, L, LL32]
    slot32: wp.array3d(dtype=int)     # [R, L * cap, SL32] load-lock slots
    port32: wp.array3d(dtype=int)     # [R, P, P32] load ports
    port64: wp.array2d(dtype=wp.int64)  # [R, P] step the FOUP at the port docked
    g64: wp.array3d(dtype=wp.int64)   # [R, G, G64] chamber-steps per step group
    part32: wp.array3d(dtype=int)     # [R, NP, PT32] the crew's holds on each part (PART_*)
    part64: wp.array3d(dtype=wp.int64)  # [R, NP, PT64] operating clock, uses and stops of each part
