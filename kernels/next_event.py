"""The next-event tree: which element has the earliest timed event, at a cost that does not grow
with the number of elements.

Per replica, ``State.next_tree[r, :]`` is a complete binary min-tree (heap numbering: node 1 is
the root, node v has children 2v and 2v+1) over the timed elements: leaf ``m.tree_leaves + i``
holds E_NEXT of ``int_at(m.timed, i)`` (ascending element order; leaves past ``m.n_timed`` hold NEVER),
every inner node the smaller of its children. The root is the next event step; the leftmost leaf
holding it is the element to handle first, so ties keep element order.

Every write of E_NEXT goes through ``set_next_event`` (no kind writes E_NEXT itself), which
updates the leaf and walks up only while the minimum changes. The kernels that start replicas
build the tree from E_NEXT once (``build_tree``: after the elements' start, or after a snapshot
restart wrote the State on the host); ``advance`` then only reads and updates it (rebuilding it
per launch cost as much as the events themselves at 200 stations: launches start one step long).
"""

import warp as wp

from .loads import int_at
from .layout import E_NEXT, NEVER, Model, State

wp.set_module_options({"enable_backward": False})


@wp.func(inline=True)
def set_next_event(m: Model, s: State, r: int, e: int, step: wp.int64):
    """Element e's next timed event is at ``step`` (NEVER: none): E_NEXT and the tree."""
    s.el64[r, e, E_NEXT] = step
    p = int_at(m.timed_leaf, e)
    if p < 0:
        return  # a kind without timed events (E_NEXT stays NEVER)
    v = wp.max(m.tree_leaves, 0) + p  # not negative, said so to the compiler (kernels/common.py known_index)
    if s.next_tree[r, v] == step:
        return
    s.next_tree[r, v] = step
    low = step  # the minimum of v's subtree
    while v > 1:
        low = wp.min(low, s.next_tree[r, v ^ 1])
        v = v >> 1
        if s.next_tree[r, v] == low:
            return  # unchanged here, so above too
        s.next_tree[r, v] = low


@wp.func(inline=True)
def build_tree(m: Model, s: State, r: int):
    """The tree from E_NEXT of every timed element (leaves past n_timed: NEVER)."""
    n_leaves = m.tree_leaves
    for i in range(n_leaves):
        step = NEVER
        if i < m.n_timed:
            step = s.el64[r, int_at(m.timed, i), E_NEXT]
        s.next_tree[r, n_leaves + i] = step
    v = n_leaves - 1
    while v >= 1:
        s.next_tree[r, v] = wp.min(s.next_tree[r, 2 * v], s.next_tree[r, 2 * v + 1])
        v -= 1


@wp.func(inline=True)
def first_due(m: Model, s: State, r: int, k: wp.int64):
    """(i, tie): the leftmost leaf i holding the minimum k (the root), and whether another leaf
    (to its right) holds k too.

    Branch-free descent: which child holds k is data the CPU cannot predict, so the step down is
    computed (v = 2v + (left != k)) rather than branched on; both children sit side by side."""
    n_leaves = wp.max(m.tree_leaves, 0)  # not negative (kernels/common.py known_index)
    v = int(1)
    tie = int(0)
    while v < n_leaves:
        v = 2 * v
        left = wp.where(s.next_tree[r, v] == k, 1, 0)
        right = wp.where(s.next_tree[r, v + 1] == k, 1, 0)
        tie = tie | (left & right)
        v = v + 1 - left
    return v - n_leaves, tie != 0


@wp.func(inline=True)
def next_due(m: Model, s: State, r: int, i: int, k: wp.int64) -> int:
    """The first leaf after leaf i that holds k now, or -1 (the tree as it is at this moment)."""
    n_leaves = m.tree_leaves
    v = n_leaves + i
    while v > 1:
        if (v & 1) == 0 and s.next_tree[r, v + 1] <= k:
            # the right sibling's subtree holds a leaf <= k: descend to the leftmost one
            v = v + 1
            while v < n_leaves:
                v = 2 * v
                if s.next_tree[r, v] > k:
                    v = v + 1
            if s.next_tree[r, v] == k:
                return v - n_leaves
            # an event before k (none in a causal run): search on after that leaf
        else:
            v = v >> 1
    return -1
