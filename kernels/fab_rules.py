"""Dispatching rules of fab tool groups: the kernel-side contract.

A rule is a ``@wp.func key(priority: int32, seq: int64, due: float64, release: float64) -> int64``:
the lot with the **smallest key** is served first. ``seq`` is the lot's arrival number at the
queue (unique, increasing), so every key ends with it to break ties FIFO and keep runs
deterministic. Each tool group's queue is a binary min-heap of these keys (kernels/fab_heap.py),
computed once when the lot joins the queue: a decision costs O(log queue), never a scan of the
queue. A rule whose key changes while the lot waits (critical ratio, least slack) does not fit
this contract.

To add a rule: write its key function here and append ``(name, func)`` to ``RULES``; the rule id
is its position, the Python side (twin.fab.tools.RULES) names it, and the kernel's dispatch is
unrolled over ``RULES`` with ``wp.static`` (kernels/fab.py, ``rule_key``).
"""

import warp as wp

wp.set_module_options({"enable_backward": False})

SEQ_BITS = 34  # up to 1.7e10 arrivals per queue per run


@wp.func(inline=True)
def fifo(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64) -> wp.int64:
    return seq


@wp.func(inline=True)
def priority_fifo(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64) -> wp.int64:
    """Higher priority first (hot 20, super-hot 30 before 10), FIFO within a priority."""
    return (wp.int64(4096 - priority) << wp.int64(SEQ_BITS)) | seq


@wp.func(inline=True)
def edd(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64) -> wp.int64:
    """Earliest due date (whole seconds; due dates up to 2^29 s = 17 years), FIFO among ties."""
    d = wp.max(due, wp.float64(0.0))
    return (wp.int64(d) << wp.int64(SEQ_BITS)) | seq


# name -> key; "least_setup" runs as priority_fifo while the simulator does no setups (docs/fab.md)
RULES = (("fifo", fifo), ("priority_fifo", priority_fifo), ("edd", edd), ("least_setup", priority_fifo))
RULE_ID = {name: i for i, (name, _) in enumerate(RULES)}
