"""Dispatching rules of fab tool groups: the kernel-side contract.

A rule is a ``@wp.func key(priority: int32, seq: int64, due: float64, release: float64,
now: float64, ptime: float64, remaining: float64) -> int64``: the lot with the **smallest key**
is served first. ``seq`` is the lot's arrival number at the queue (unique, increasing), so every
key ends with it to break ties FIFO and keep runs deterministic. ``now`` is the time the lot joins
the queue, ``ptime`` the lot's expected process time at the step (mean, with its wafers) and
``remaining`` its expected raw process time from this step to the end of its route.

Each tool group's queue is a binary min-heap of these keys (kernels/fab_heap.py), computed once
when the lot joins the queue: a decision costs O(log queue), never a scan of the queue. A key is
therefore fixed while the lot waits: the critical ratio is the ratio **at the lot's arrival at
the queue** (docs/fab.md), the standard heap form of the rule; a rule whose order between two
waiting lots changes with time (the exact dynamic critical ratio) does not fit this contract.

Setups are not part of the key: on a group with setups the queue is split into one heap per setup
state, and the choice among the heaps' heads (least setup, minimum runs) is made in kernels/fab.py.

To add a rule: write its key function here and append ``(name, func)`` to ``RULES``; the rule id
is its position, the Python side (twin.fab.tools.RULES) names it, and the kernel's dispatch is
unrolled over ``RULES`` with ``wp.static`` (kernels/fab.py, ``rule_key``).
"""

import warp as wp

wp.set_module_options({"enable_backward": False})

SEQ_BITS = 34  # up to 1.7e10 arrivals per queue per run
CR_BITS = 17   # critical ratio in [-64, 64) at a resolution of 1/1024 (clamped outside)
SEQ_CR_BITS = SEQ_BITS + CR_BITS


@wp.func(inline=True)
def cr_code(due: wp.float64, now: wp.float64, remaining: wp.float64) -> wp.int64:
    """(due - now) / remaining, clamped to [-64, 64), as an order-preserving code in [0, 2^17)."""
    cr = (due - now) / wp.max(remaining, wp.float64(1.0))
    cr = wp.min(wp.max(cr, wp.float64(-64.0)), wp.float64(63.999))
    return wp.int64(wp.floor(cr * wp.float64(1024.0))) + wp.int64(65536)


@wp.func(inline=True)
def fifo(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
         ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    return seq


@wp.func(inline=True)
def priority_fifo(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
                  ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    """Higher priority first (hot 20, super-hot 30 before 10), FIFO within a priority."""
    return (wp.int64(4096 - priority) << wp.int64(SEQ_BITS)) | seq


@wp.func(inline=True)
def edd(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
        ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    """Earliest due date (whole seconds; due dates up to 2^29 s = 17 years), FIFO among ties."""
    d = wp.min(wp.max(due, wp.float64(0.0)), wp.float64(536870911.0))
    return (wp.int64(d) << wp.int64(SEQ_BITS)) | seq


@wp.func(inline=True)
def critical_ratio(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
                   ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    """Smallest (due - now) / remaining raw process time first, FIFO among equal codes."""
    return (cr_code(due, now, remaining) << wp.int64(SEQ_BITS)) | seq


@wp.func(inline=True)
def priority_cr(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
                ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    """Higher priority first, then the critical ratio, then FIFO (SMT2020 rank_HP;...;rank_CR)."""
    return (wp.int64(4096 - priority) << wp.int64(SEQ_CR_BITS)) | (
        cr_code(due, now, remaining) << wp.int64(SEQ_BITS)) | seq


@wp.func(inline=True)
def spt(priority: wp.int32, seq: wp.int64, due: wp.float64, release: wp.float64, now: wp.float64,
        ptime: wp.float64, remaining: wp.float64) -> wp.int64:
    """Shortest expected process time at the step first (1/16 s resolution, up to 388 days), FIFO among ties."""
    p = wp.min(wp.max(ptime, wp.float64(0.0)) * wp.float64(16.0), wp.float64(536870911.0))
    return (wp.int64(p) << wp.int64(SEQ_BITS)) | seq


# name -> key. "least_setup" keys as priority_fifo; its setup ranking (among lots of equal
# priority, the one needing the least setup) is the group's rank_setup flag (kernels/fab.py).
RULES = (("fifo", fifo), ("priority_fifo", priority_fifo), ("edd", edd), ("least_setup", priority_fifo),
         ("cr", critical_ratio), ("priority_cr", priority_cr), ("spt", spt))
RULE_ID = {name: i for i, (name, _) in enumerate(RULES)}
