"""The next-event tree: which element has the earliest timed event, at a cost that does not grow
with the number of elements.

Per replica, ``State.next_tree[r, :]`` is a complete 4-ary min-tree over the timed elements: node 1
is the root, node v has the children 4v .. 4v + 3 (so the four siblings are adjacent, in one
32-byte run, and a level's nodes are v in [4^j, 2 * 4^j); the other entries are unused). Leaf
``m.tree_leaves + i`` (tree_leaves: a power of four) holds E_NEXT of ``m.timed[i]`` (ascending
element order; leaves past ``m.n_timed`` hold NEVER), every inner node the smallest of its
children. The root is the next event step; the leftmost leaf holding it is the element to handle
first, so ties keep element order. Four children per node halve the depth of a binary tree
(200 timed elements: 4 levels instead of 8), and the descent's loads depend on each other only
from level to level.

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
def min_of_four(s: State, r: int, v: int) -> wp.int64:
    """The smallest of nodes v .. v + 3 (four siblings)."""
    return wp.min(wp.min(s.next_tree[r, v], s.next_tree[r, v + 1]), wp.min(s.next_tree[r, v + 2], s.next_tree[r, v + 3]))


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
    while v > 1:
        low = min_of_four(s, r, v - (v & 3))  # the minimum of the parent's subtree
        v = v >> 2
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
    level = n_leaves >> 2  # the first node of the level above the leaves
    while level >= 1:
        for v in range(level, 2 * level):
            s.next_tree[r, v] = min_of_four(s, r, 4 * v)
        level = level >> 2


@wp.func_native("""#if defined(__CUDA_ARCH__)
return __ffs(x) - 1;
#else
return __builtin_ctz(x);
#endif
""")
def lowest_bit(x: int) -> int:
    """The index of the lowest set bit of ``x`` (not 0): one instruction (tzcnt on the CPU, ffs on CUDA)."""
    ...


@wp.func(inline=True)
def first_due(m: Model, s: State, r: int, k: wp.int64):
    """(i, tie): the leftmost leaf i holding the minimum k (the root), and whether another leaf
    (to its right) holds k too.

    Branch-free descent: which child holds k is data the CPU cannot predict, so the step down is
    computed rather than branched on: a bit per child that holds k (one of them does), v = 4v +
    the lowest such bit, and a tie where more than one bit is set (mask & (mask - 1))."""
    n_leaves = wp.max(m.tree_leaves, 0)  # not negative (kernels/common.py known_index)
    v = int(1)
    tie = int(0)
    while v < n_leaves:
        v = 4 * v
        mask = (wp.where(s.next_tree[r, v] == k, 1, 0) | wp.where(s.next_tree[r, v + 1] == k, 2, 0)
                | wp.where(s.next_tree[r, v + 2] == k, 4, 0) | wp.where(s.next_tree[r, v + 3] == k, 8, 0))
        tie = tie | (mask & (mask - 1))
        v = v + lowest_bit(mask)
    return v - n_leaves, tie != 0


@wp.func(inline=True)
def next_due(m: Model, s: State, r: int, i: int, k: wp.int64) -> int:
    """The first leaf after leaf i that holds k now, or -1 (the tree as it is at this moment)."""
    n_leaves = m.tree_leaves
    v = n_leaves + i
    while v > 1:
        # the first sibling to v's right whose subtree holds a leaf <= k
        w = v + 1
        while w <= (v | 3) and s.next_tree[r, w] > k:
            w += 1
        if w <= (v | 3):
            # descend to the leftmost leaf <= k under w (one of each node's children holds it)
            v = w
            while v < n_leaves:
                v = 4 * v
                while s.next_tree[r, v] > k and (v & 3) != 3:
                    v += 1
            if s.next_tree[r, v] == k:
                return v - n_leaves
            # an event before k (none in a causal run): search on after that leaf
        else:
            v = v >> 2
    return -1
