"""Parameters and state of wafer-handling cluster tools (kernels/cluster_tool.py), in structs of
their own. ``index[e]`` numbers the tools: tool arrays are indexed by that number."""

import warp as wp

wp.set_module_options({"enable_backward": False})


@wp.struct
class ToolParams:
    index: wp.array(dtype=int)  # [E] tool number of element e, -1 for other kinds


@wp.struct
class ToolState:
    i64: wp.array3d(dtype=wp.int64)  # [R, n_tools, fields] (placeholder until cluster tools land)
