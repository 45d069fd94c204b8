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

The two walks of the engine's hot path, down (``descend``, for ``first_due``) and up
(``update_leaf``, for ``set_next_event``), are native code: a row of a State table is dense on the
CPU (replica-major), where each level's four siblings are then one 32-byte run at a constant
stride, which Warp's indexing (a run-time stride per load) cannot express.
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
    update_leaf(s.next_tree, r, wp.max(m.tree_leaves, 0) + p, step)


@wp.func_native("""
char* row = (char*)tree.data + (long long)r * tree.strides[0];
const int stride = tree.strides[1];
#define TWIN_NODE(i, bytes) (*(wp::int64*)(row + (long long)(i) * (bytes)))
#define TWIN_WALK(bytes)                                                                            \
    if (TWIN_NODE(v, bytes) == step)                                                              \
        return;                                                                                   \
    TWIN_NODE(v, bytes) = step;                                                                   \
    while (v > 1) {                                                                               \
        const int c = v & ~3; /* v and its siblings */                                            \
        const wp::int64 a = TWIN_NODE(c, bytes), b = TWIN_NODE(c + 1, bytes);                    \
        const wp::int64 x = TWIN_NODE(c + 2, bytes), y = TWIN_NODE(c + 3, bytes);                 \
        const wp::int64 ab = a < b ? a : b, xy = x < y ? x : y;                                   \
        const wp::int64 low = ab < xy ? ab : xy; /* the minimum of the parent's subtree */        \
        v = v >> 2;                                                                               \
        if (TWIN_NODE(v, bytes) == low)                                                           \
            return; /* unchanged here, so above too */                                            \
        TWIN_NODE(v, bytes) = low;                                                                \
    }
if (stride == (int)sizeof(wp::int64)) {
    TWIN_WALK((int)sizeof(wp::int64))
} else {
    TWIN_WALK(stride)
}
#undef TWIN_WALK
#undef TWIN_NODE
""")
def update_leaf(tree: wp.array2d(dtype=wp.int64), r: int, v: int, step: wp.int64):
    """Leaf v of row r's tree holds ``step`` now: writes it and walks up while the minimum changes
    (``set_next_event``), in native code for the reason ``descend`` gives (Warp's indexing
    multiplied each of the walk's loads by the run-time column stride): the dense (replica-major)
    layout with the stride a constant, any other by the stride."""
    ...


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


@wp.func_native("""
const char* row = (const char*)tree.data + (long long)r * tree.strides[0];
const int stride = tree.strides[1];
int v = 1;
int tie = 0;
#define TWIN_AT(q) (*(const wp::int64*)(q))
#define TWIN_MASK(bytes) /* a bit per child v..v+3 (q: v's node) that holds k */                    \
    const char* q = row + (long long)v * (bytes);                                                 \
    mask = (TWIN_AT(q) == k) | ((TWIN_AT(q + (bytes)) == k) << 1) | ((TWIN_AT(q + 2 * (bytes)) == k) << 2) \
           | ((TWIN_AT(q + 3 * (bytes)) == k) << 3)
#if defined(__CUDA_ARCH__)
#define TWIN_LOWEST(mask) (__ffs(mask) - 1)
#else
#define TWIN_LOWEST(mask) __builtin_ctz(mask)
#endif
#define TWIN_DESCEND(SET_MASK)                                                                      \
    while (v < n_leaves) {                                                                        \
        v = 4 * v;                                                                                \
        int mask;                                                                                 \
        SET_MASK;                                                                                 \
        tie |= mask & (mask - 1); /* more than one child holds k */                               \
        v += TWIN_LOWEST(mask);                                                                   \
    }
if (stride == (int)sizeof(wp::int64)) {
#if !defined(__CUDA_ARCH__) && defined(__AVX__)
    typedef wp::int64 quad __attribute__((vector_size(32)));
    typedef double quad_f __attribute__((vector_size(32)));
    const quad key = {k, k, k, k};
    const wp::int64* p = (const wp::int64*)row;
    TWIN_DESCEND(quad four; __builtin_memcpy(&four, p + v, sizeof(four));  /* one unaligned load */
                 mask = __builtin_ia32_movmskpd256((quad_f)(four == key)))
#else
    TWIN_DESCEND(TWIN_MASK((int)sizeof(wp::int64)))
#endif
} else {
    TWIN_DESCEND(TWIN_MASK(stride))
}
#undef TWIN_DESCEND
#undef TWIN_LOWEST
#undef TWIN_MASK
#undef TWIN_AT
return 2 * (v - n_leaves) + (tie != 0 ? 1 : 0);
""")
def descend(tree: wp.array2d(dtype=wp.int64), r: int, n_leaves: int, k: wp.int64) -> int:
    """``first_due``'s descent in native code: ``2 * leaf + tie`` (the leftmost leaf of row r's
    tree holding k, the root; n_leaves: a power of four). Warp's own indexing cost 46 instructions
    a level on the CPU (every load's index multiplied by the run-time column stride, and wrapped
    were it negative). Where the columns are dense (the CPU's replica-major layout) the four
    siblings are one 32-byte run: on a CPU with AVX one vector load and compare gives the mask
    (11 instructions a level; -3% to -7% instructions per machine operation at 5 to 200
    stations), elsewhere four scalar compares; any other layout (replica-minor: CUDA) steps by the
    stride (tests/kernels/test_next_event.py checks both layouts against the leaves)."""
    ...


@wp.func(inline=True)
def first_due(m: Model, s: State, r: int, k: wp.int64):
    """(i, tie): the leftmost leaf i holding the minimum k (the root), and whether another leaf
    (to its right) holds k too.

    Branch-free descent (``descend``): which child holds k is data the CPU cannot predict, so the
    step down is computed rather than branched on: a bit per child that holds k (one of them
    does), v = 4v + the lowest such bit, and a tie where more than one bit is set
    (mask & (mask - 1))."""
    d = descend(s.next_tree, r, wp.max(m.tree_leaves, 0), k)
    return d >> 1, (d & 1) != 0


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
