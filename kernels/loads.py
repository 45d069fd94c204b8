"""Reads of the Model's arrays with their element size as a constant.

A Warp array inside a struct carries its stride as a run-time value, so ``m.kind[e]`` loads the
stride from the struct (often spilled to the stack) and multiplies by it. The Model's arrays are
always dense (one contiguous copy each, twin/model.py checks it), so their stride is the element
size: these one-line native reads index the data pointer directly and the compiler sees
``base + i * 4``. The same memory is read, so results do not change. The index must be in range
and not negative (an element, a transfer, a distribution), as for every Model read in the kernels.
"""

import warp as wp

wp.set_module_options({"enable_backward": False})


@wp.func_native("return a.data[i];")
def int_at(a: wp.array(dtype=wp.int32), i: int) -> int:
    """``a[i]`` of a dense int32 Model array."""
    ...


@wp.func_native("return a.data[i];")
def f64_at(a: wp.array(dtype=wp.float64), i: int) -> wp.float64:
    """``a[i]`` of a dense float64 Model array."""
    ...


@wp.func_native("return a.data[i * 4 + j];")
def f64_at4(a: wp.array2d(dtype=wp.float64), i: int, j: int) -> wp.float64:
    """``a[i, j]`` of a dense float64 Model array with 4 columns (distribution parameters)."""
    ...
