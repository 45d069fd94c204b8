"""Parameters and state of robot arms (kernels/robot.py), kept in structs of their own.

``index[e]`` numbers the robots: robot arrays are indexed by that number, not by element.
"""

import warp as wp

wp.set_module_options({"enable_backward": False})


@wp.struct
class RobotParams:
    index: wp.array(dtype=int)  # [E] robot number of element e, -1 for other kinds


@wp.struct
class RobotState:
    i64: wp.array3d(dtype=wp.int64)  # [R, n_robots, fields] (placeholder until robots land)
