"""Dense views of the tables for the event loop: the same memory, with strides the compiler can see.

A Warp array inside a struct carries its strides as run-time values, so every access
``s.el32[r, e, E_COUNT]`` multiplies each index by a stride loaded from the struct (about 780
multiplies in ``advance``, most of them by a stride spilled to the stack). An array built in the
kernel from a pointer and a shape (``wp.array(ptr=..., shape=...)``) has the strides of a dense
array, computed from that shape; with the column count a constant of kernels/layout.py, every
stride but the replica row's is a constant, and the compiler turns the multiplies into shifts
and address arithmetic. Same addresses, same loads and stores: results do not change.

Valid only for tables that are dense in their declared order: the Model's arrays always are (one
numpy copy each, twin/model.py), the State's tables in the ``replica_major`` layout (twin/state.py;
``replica_minor`` is a strided view, which the engine built with ``dense=False`` indexes through
its real strides). ``is_dense`` is the host-side check the simulator makes before it launches a
dense engine.
"""

import warp as wp

from .layout import ACC, EL32, EL64, REP64, S32, S64, STREAMS, Model, State

wp.set_module_options({"enable_backward": False})


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_i32(a: wp.array(dtype=wp.int32)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_f64(a: wp.array(dtype=wp.float64)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_f64_2(a: wp.array2d(dtype=wp.float64)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_i32_2(a: wp.array2d(dtype=wp.int32)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_i64_2(a: wp.array2d(dtype=wp.int64)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_i32_3(a: wp.array3d(dtype=wp.int32)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_i64_3(a: wp.array3d(dtype=wp.int64)) -> wp.uint64: ...


@wp.func_native("return (wp::uint64)a.data;")
def _ptr_f64_3(a: wp.array3d(dtype=wp.float64)) -> wp.uint64: ...


@wp.func(inline=True)
def dense_i32(a: wp.array(dtype=wp.int32)) -> wp.array(dtype=wp.int32):
    return wp.array(ptr=_ptr_i32(a), shape=(a.shape[0],), dtype=wp.int32)


@wp.func(inline=True)
def dense_f64(a: wp.array(dtype=wp.float64)) -> wp.array(dtype=wp.float64):
    return wp.array(ptr=_ptr_f64(a), shape=(a.shape[0],), dtype=wp.float64)


@wp.func(inline=True)
def dense_model(m: Model) -> Model:
    """m with dense views of the arrays the event loop reads (the kinds' own params untouched)."""
    m.timed = dense_i32(m.timed)
    m.timed_leaf = dense_i32(m.timed_leaf)
    m.kind = dense_i32(m.kind)
    m.capacity = dense_i32(m.capacity)
    m.bounded = dense_i32(m.bounded)
    m.slot_start = dense_i32(m.slot_start)
    m.main_dist = dense_i32(m.main_dist)
    m.fail_mode = dense_i32(m.fail_mode)
    m.tbf_dist = dense_i32(m.tbf_dist)
    m.ttr_dist = dense_i32(m.ttr_dist)
    m.routing = dense_i32(m.routing)
    m.out_start = dense_i32(m.out_start)
    m.out_elem = dense_i32(m.out_elem)
    m.out_cum = dense_f64(m.out_cum)
    m.in_start = dense_i32(m.in_start)
    m.in_elem = dense_i32(m.in_elem)
    m.dists.kind = dense_i32(m.dists.kind)
    m.dists.param = wp.array(ptr=_ptr_f64_2(m.dists.param), shape=(m.dists.param.shape[0], 4), dtype=wp.float64)
    m.dists.table_start = dense_i32(m.dists.table_start)
    m.dists.table = dense_f64(m.dists.table)
    return m


@wp.func(inline=True)
def dense_state(s: State) -> State:
    """s with dense views of the tables of kernels/layout.py (replica_major; the kinds' own
    State structs untouched). Column counts are the layout's constants."""
    s.el64 = wp.array(ptr=_ptr_i64_3(s.el64), shape=(s.el64.shape[0], s.el64.shape[1], EL64), dtype=wp.int64)
    s.el32 = wp.array(ptr=_ptr_i32_3(s.el32), shape=(s.el32.shape[0], s.el32.shape[1], EL32), dtype=wp.int32)
    s.acc = wp.array(ptr=_ptr_i64_3(s.acc), shape=(s.acc.shape[0], s.acc.shape[1], ACC), dtype=wp.int64)
    s.s64 = wp.array(ptr=_ptr_i64_3(s.s64), shape=(s.s64.shape[0], s.s64.shape[1], S64), dtype=wp.int64)
    s.s32 = wp.array(ptr=_ptr_i32_3(s.s32), shape=(s.s32.shape[0], s.s32.shape[1], S32), dtype=wp.int32)
    s.draws = wp.array(ptr=_ptr_i64_3(s.draws), shape=(s.draws.shape[0], s.draws.shape[1], STREAMS), dtype=wp.int64)
    s.carry = wp.array(ptr=_ptr_f64_3(s.carry), shape=(s.carry.shape[0], s.carry.shape[1], STREAMS),
                       dtype=wp.float64)
    s.work = wp.array(ptr=_ptr_i32_2(s.work), shape=(s.work.shape[0], s.work.shape[1]), dtype=wp.int32)
    s.rep64 = wp.array(ptr=_ptr_i64_2(s.rep64), shape=(s.rep64.shape[0], REP64), dtype=wp.int64)
    s.next_tree = wp.array(ptr=_ptr_i64_2(s.next_tree), shape=(s.next_tree.shape[0], s.next_tree.shape[1]),
                           dtype=wp.int64)
    return s


def is_dense(state) -> bool:
    """Whether the State tables that ``dense_state`` views are dense in their declared order
    (host side: a dense engine must not run on anything else)."""
    return all(getattr(state, name).is_contiguous
               for name in ("el64", "el32", "acc", "s64", "s32", "draws", "carry", "work", "rep64", "next_tree"))
