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

from .tables import Column, Table

wp.set_module_options({"enable_backward": False})

# chamber status (ToolState.ch32[r, c, CH_STATUS])
CH_EMPTY = wp.constant(0)    # no wafer; ch64 = step it became empty
CH_BUSY = wp.constant(1)     # processing; ch64 = step the recipe ends
CH_DONE = wp.constant(2)     # holding a finished wafer; ch64 = step the recipe ended
CH_NOT_BUSY = wp.constant(-1)  # a query (cluster_tool.tool_best_chamber): any chamber not processing

# load-lock states (ToolState.ll32[r, l, LL_STATE]); ll64 = end of pump/vent, or step the state began
LL_VENTED = wp.constant(0)   # at atmosphere: the ATM robot unloads processed and loads raw wafers
LL_PUMPING = wp.constant(1)
LL_VACUUM = wp.constant(2)   # the vacuum robot picks raw and places processed wafers
LL_VENTING = wp.constant(3)

# wafer kinds in a load-lock slot (ToolState.slot32[r, slot, SL_KIND])
WAFER_RAW = wp.constant(0)
WAFER_DONE = wp.constant(1)

# vacuum-robot operations
OP_NONE = wp.constant(0)
OP_PICK = wp.constant(1)
OP_PLACE = wp.constant(2)

# ATM robot transfers
ATM_IDLE = wp.constant(0)
ATM_LOAD = wp.constant(1)    # FOUP -> load lock (a raw wafer)
ATM_UNLOAD = wp.constant(2)  # load lock -> FOUP (a processed wafer)

# Parts of a tool that carry health components and that the maintenance crew can stop, numbered
# within the tool: the vacuum robot, the ATM robot, then its chambers in station order. A tool's
# parts are rows TP_PART0 .. TP_PART0 + 2 + chambers - 1 of ToolState.part32/part64.
PART_VTM = wp.constant(0)
PART_ATM = wp.constant(1)
PART_CH0 = wp.constant(2)      # chamber i of the tool (0-based, station order) is part PART_CH0 + i
# ---- ToolState and ToolParams tables, declared once (kernels/tables.py) -----------------------------
_T = __name__
C = Column
T64_TABLE = Table("tool.t64", "int64", ("replica", "tool"), "robot timing and statistics", owner=_T,
                  width_const="T64", columns=(
                      C("T_VTM_START", "vtm_start", "step", "the current vacuum-robot operation began (rotation starts)"),
                      C("T_VTM_ROT", "vtm_rot", "step", "its rotation ends"),
                      C("T_VTM_HAND", "vtm_hand", "step",
                        "its handoff (extend + retract) begins (later than T_VTM_ROT if it waits)"),
                      C("T_VTM_END", "vtm_end", "step", "it ends; NEVER while the robot has no operation"),
                      C("T_ATM_START", "atm_start", "step", "the current ATM transfer began"),
                      C("T_ATM_END", "atm_end", "step", "it ends; NEVER while the ATM robot is idle"),
                      C("T_ACC_VTM", "acc_vtm", "steps", "window: steps the vacuum robot moves or hands off"),
                      C("T_ACC_ATM", "acc_atm", "steps", "window: steps the ATM robot transfers"),
                      C("T_ACC_LL", "acc_ll", "lock-steps", "window: load-lock-steps pumping, venting or in an ATM "
                        "transfer"),
                      C("T_ACC_WIP", "acc_wip", "wafer-steps", "window: wafer-steps out of their FOUPs"),
                      C("T_ACC_WAFERS", "acc_wafers", "wafers", "window: processed wafers returned to their FOUPs"),
                  ))
T32_TABLE = Table("tool.t32", "int32", ("replica", "tool"), "robot state and counters", owner=_T,
                  width_const="T32", columns=(
                      C("V_PHASE", "phase", "flag", "0: no operation, 1: executing the current operation"),
                      C("V_KIND", "kind", "code", "current operation: OP_PICK / OP_PLACE"),
                      C("V_STATION", "station", "station", "its station"),
                      C("V_ARM", "arm", "arm", "its arm"),
                      C("V_SLOT", "slot", "slot", "load-lock slot of a pick from a load lock, else -1"),
                      C("V_NKIND", "next_kind", "code", "the planned next operation (OP_NONE: none)"),
                      C("V_NSTATION", "next_station", "station", "its station"),
                      C("V_NARM", "next_arm", "arm", "its arm"),
                      C("V_NSLOT", "next_slot", "slot", "its load-lock slot"),
                      C("V_ORIENT", "orient", "pi/S", "orientation at the end of the current rotation"),
                      C("V_FROM", "from", "pi/S", "orientation at the start of the current rotation"),
                      C("V_ARM0", "arm0", "port", "load port of the wafer on arm 0, -1: empty"),
                      C("V_STAGE0", "stage0", "step", "its next step (0 .. n_steps-1), n_steps: back to a load lock"),
                      C("V_ARM1", "arm1", "port", "load port of the wafer on arm 1, -1: empty"),
                      C("V_STAGE1", "stage1", "step", "its next step"),
                      C("ATM_KIND", "atm_kind", "code", "ATM transfer under way: ATM_IDLE / ATM_LOAD / ATM_UNLOAD"),
                      C("ATM_PORT", "atm_port", "port", "its load port"),
                      C("ATM_LL", "atm_ll", "load lock", "its load lock"),
                      C("ATM_SLOT", "atm_slot", "slot", "its load-lock slot"),
                      C("T_WIP", "wip", "wafers", "wafers out of their FOUPs (ATM, load locks, vacuum side)"),
                      C("T_INSIDE", "inside", "wafers",
                        "wafers on the vacuum side past the load locks (chambers, robot arms)"),
                  ))
CH64_TABLE = Table("tool.ch64", "int64", ("replica", "chamber"), "chamber step (see CH_EMPTY, CH_BUSY, CH_DONE)",
                   owner=_T)
CH32_TABLE = Table("tool.ch32", "int32", ("replica", "chamber"), "chamber status", owner=_T, width_const="CH32",
                   columns=(C("CH_STATUS", "status", "code", "CH_EMPTY, CH_BUSY or CH_DONE"),
                            C("CH_PORT", "port", "port", "load port (FOUP) the wafer belongs to, -1 if none")))
CH_RECIPE_TABLE = Table("tool.ch_recipe", "int64", ("replica", "chamber"),
                        "steps of the chamber's current recipe, drawn at its start (with ch64, its end, the "
                        "recipe's elapsed time: for snapshots; the kernels never read it)", owner=_T)
LL64_TABLE = Table("tool.ll64", "int64", ("replica", "load_lock"), "end of pump/vent, or step the state began",
                   owner=_T)
LL32_TABLE = Table("tool.ll32", "int32", ("replica", "load_lock"), "load-lock state", owner=_T, width_const="LL32",
                   columns=(
                       C("LL_STATE", "state", "code", "LL_VENTED, LL_PUMPING, LL_VACUUM or LL_VENTING"),
                       C("LL_RAW", "raw", "wafers", "raw wafers held"),
                       C("LL_PROC", "proc", "wafers", "processed wafers held"),
                       C("LL_VTM", "vtm", "operations",
                         "vacuum-robot operations under way or planned at this load lock (no venting)"),
                       C("LL_VTM_IN", "vtm_in", "operations", "of which places (each keeps a slot free)"),
                       C("LL_ATM", "atm", "flag", "an ATM transfer to or from this load lock is under way (no pumping)"),
                       C("LL_ATM_IN", "atm_in", "flag", "of which a load (keeps a slot free)"),
                   ))
SLOT32_TABLE = Table("tool.slot32", "int32", ("replica", "lock_slot"), "load-lock slots", owner=_T,
                     width_const="SL32", columns=(
                         C("SL_PORT", "port", "port", "load port of the wafer in the slot, -1: empty"),
                         C("SL_KIND", "kind", "code", "WAFER_RAW or WAFER_DONE"),
                     ))
PORT32_TABLE = Table("tool.port32", "int32", ("replica", "port"),
                     "load ports (the FOUP itself is the element's slot: S_STATUS etc.)", owner=_T,
                     width_const="P32", columns=(
                         C("P_RAW_LEFT", "raw_left", "wafers", "wafers still in the FOUP, not yet taken out"),
                         C("P_BACK", "back", "wafers", "processed wafers returned to the FOUP"),
                     ))
PORT64_TABLE = Table("tool.port64", "int64", ("replica", "port"), "step the FOUP at the port docked", owner=_T)
G64_TABLE = Table("tool.g64", "int64", ("replica", "group"),
                  "statistics window, chamber-steps per step group (a chamber stopped by the crew counts as down "
                  "only, whatever it holds)", owner=_T, width_const="G64", columns=(
                      C("G_BUSY", "busy", "chamber-steps", "processing"),
                      C("G_BLOCKED", "blocked", "chamber-steps", "holding a finished wafer"),
                      C("G_DOWN", "down", "chamber-steps", "stopped by the crew"),
                  ))
PART32_TABLE = Table("tool.part32", "int32", ("replica", "part"),
                     "the crew's holds on each part (PART_*; stopped while either is > 0)", owner=_T,
                     width_const="PT32", columns=(
                         C("PT_HOLD_FAIL", "hold_fail", "components", "failed components stopping the part"),
                         C("PT_HOLD_SERVICE", "hold_service", "components", "components in service stopping the part"),
                     ))
PART64_TABLE = Table("tool.part64", "int64", ("replica", "part"), "operating clock, uses and stops of each part",
                     owner=_T, width_const="PT64", columns=(
                         C("PT_WORK", "work", "steps", "operating clock: steps the part worked (robot moving or "
                           "handing off, ATM robot transferring, chamber processing), over the whole run"),
                         C("PT_USES", "uses", "uses",
                           "vacuum-robot picks and places, ATM transfers, recipes completed"),
                         C("PT_HELD_AT", "held_at", "step", "the current stop began"),
                         C("PT_DOWN", "down", "steps", "window: stopped for a failure"),
                         C("PT_SERVICE", "service", "steps", "window: stopped for a preventive service (and no failure)"),
                     ))
TABLES = (T64_TABLE, T32_TABLE, CH64_TABLE, CH32_TABLE, CH_RECIPE_TABLE, LL64_TABLE, LL32_TABLE, SLOT32_TABLE, PORT32_TABLE,
          PORT64_TABLE, G64_TABLE, PART32_TABLE, PART64_TABLE)

# ToolParams tables (filled by twin.equipment.cluster_tool at compile time)
P32_PARAMS = Table("tool.p32", "int32", ("tool",), "per-tool integers", owner=_T, width_const="TP32", columns=(
    C("TP_N_STEPS", "n_steps", "steps", "process steps (a serial sequence)"),
    C("TP_STEP0", "step0", "group", "first step group of the tool (ToolParams.group rows)"),
    C("TP_CH0", "ch0", "chamber", "first chamber of the tool"),
    C("TP_N_CH", "n_ch", "chambers", "chambers"),
    C("TP_LL0", "ll0", "load lock", "first load lock of the tool"),
    C("TP_N_LL", "n_ll", "load locks", "load locks"),
    C("TP_LL_CAP", "ll_cap", "wafers", "wafers per load lock"),
    C("TP_SLOT0", "slot0", "slot", "first load-lock slot; lock l's slots: TP_SLOT0 + (l - TP_LL0) * cap"),
    C("TP_PORT0", "port0", "port", "first load port (ToolState.port32)"),
    C("TP_PUMP", "pump", "distribution", "pump-down time distribution (Model.dists)"),
    C("TP_VENT", "vent", "distribution", "vent time distribution"),
    C("TP_DUAL", "dual", "flag", "1: dual-arm vacuum robot (arms 180 degrees apart)"),
    C("TP_N_ST", "n_st", "stations", "S = load locks + chambers"),
    C("TP_ROT0", "rot0", "entry", "first entry of the tool in ToolParams.rot_steps"),
    C("TP_WAFERS", "wafers", "wafers", "wafers per FOUP"),
    C("TP_WIP", "wip", "wafers", "most wafers out of their FOUPs at once"),
    C("TP_PORTS", "ports", "ports", "load ports"),
    C("TP_PART0", "part0", "part", "first part row of the tool (ToolState.part32/part64)"),
))
P64_PARAMS = Table("tool.p64", "int64", ("tool",), "per-tool times", owner=_T, width_const="TP64", columns=(
    C("TP_ATM_STEPS", "atm_steps", "steps", "steps per ATM transfer (FOUP <-> load lock)"),
    C("TP_HAND_STEPS", "hand_steps", "steps", "steps per vacuum-robot handoff (extend + retract)"),
))
GROUP_PARAMS = Table("tool.group", "int32", ("group",), "one row per process step of every tool", owner=_T,
                     width_const="GROUP", columns=(
                         C("GP_CHAMBERS", "chambers", "chambers", "parallel chambers of the step"),
                         C("GP_FIRST", "first", "chamber", "first chamber of the step (global chamber index)"),
                         C("GP_RECIPE", "recipe", "distribution", "recipe distribution (Model.dists)"),
                     ))
PARAM_TABLES = (P32_PARAMS, P64_PARAMS, GROUP_PARAMS)
for _t in TABLES + PARAM_TABLES:
    globals().update({_k: wp.constant(_v) for _k, _v in _t.constants().items()})


@wp.struct
class ToolParams:
    """Per-tool numbers in one table (p32/p64, TP_* columns), per-step rows in ``group``."""

    index: wp.array(dtype=int)             # [E] tool number of element e, -1 for other kinds
    p32: wp.array2d(dtype=int)             # P32_PARAMS [T, TP32]
    p64: wp.array2d(dtype=wp.int64)        # P64_PARAMS [T, TP64]
    group: wp.array2d(dtype=int)           # GROUP_PARAMS [G, GROUP]
    ch_group: wp.array(dtype=int)          # [C] step (0-based, within its tool) of each chamber
    rot_steps: wp.array(dtype=wp.int64)    # [sum(S + 1)] steps to rotate by d * pi / S, d = 0 .. S


@wp.struct
class ToolState:
    # the tables declared above (TABLES)
    t64: wp.array3d(dtype=wp.int64)   # T64_TABLE [R, T, T64]
    t32: wp.array3d(dtype=int)        # T32_TABLE [R, T, T32]
    ch64: wp.array2d(dtype=wp.int64)  # CH64_TABLE [R, C]
    ch32: wp.array3d(dtype=int)       # CH32_TABLE [R, C, CH32]
    ch_recipe: wp.array2d(dtype=wp.int64)  # CH_RECIPE_TABLE [R, C]
    ll64: wp.array2d(dtype=wp.int64)  # LL64_TABLE [R, L]
    ll32: wp.array3d(dtype=int)       # LL32_TABLE [R, L, LL32]
    slot32: wp.array3d(dtype=int)     # SLOT32_TABLE [R, L * cap, SL32]
    port32: wp.array3d(dtype=int)     # PORT32_TABLE [R, P, P32]
    port64: wp.array2d(dtype=wp.int64)  # PORT64_TABLE [R, P]
    g64: wp.array3d(dtype=wp.int64)   # G64_TABLE [R, G, G64]
    part32: wp.array3d(dtype=int)     # PART32_TABLE [R, NP, PT32]
    part64: wp.array3d(dtype=wp.int64)  # PART64_TABLE [R, NP, PT64]


# the kind's own structs (kernels/registry.py ``layout``): kernels/layout.py adds them as Model.tool
# and State.tool (one-element arrays: m.tool[0], s.tool[0]); TABLES above are STATE's tables
FIELD = "tool"
PARAMS = ToolParams
STATE = ToolState
CONTROL = None  # no per-run inputs of its own (layout.Control)
