"""Parameters of belt conveyors (kernels/conveyor.py), in a struct of their own.

Indexed by element (entries of other kinds are unused). The struct is filled from the element
class's ``kernel_columns`` ("conveyor.transit", ...: twin/elements.py ``Conveyor``); the belt's
state lives in the kind area of the shared element tables (kernels/conveyor.py ``CV_*``), so it
declares no State struct.
"""

import warp as wp

wp.set_module_options({"enable_backward": False})


@wp.struct
class ConveyorParams:
    """Belt conveyors, indexed by element (entries of other kinds are unused)."""

    transit: wp.array(dtype=wp.int64)    # [E] steps for an item to travel the belt (length / speed)
    pitch: wp.array(dtype=wp.int64)      # [E] steps for the belt to move one pitch (pitch / speed)
    accumulating: wp.array(dtype=int)    # [E] 1: items queue at the end; 0: the whole belt stops


# the kind's own structs (kernels/registry.py ``layout``): kernels/layout.py adds them as Model.conveyor
FIELD = "conveyor"
PARAMS = ConveyorParams
STATE = None
CONTROL = None  # no per-run inputs of its own (layout.Control)
TABLES = ()
