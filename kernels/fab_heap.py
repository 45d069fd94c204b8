"""Binary min-heaps stored in rows of 2D arrays (one row per replica): the fab's event list
(key: time, then insertion number) and each tool group's queue (key: the rule's int64 key).
A heap of one group's queue lives in columns [base, base + capacity) of its replica's row."""

import warp as wp

wp.set_module_options({"enable_backward": False})


@wp.func
def ev_less(t: wp.array2d(dtype=wp.float64), q: wp.array2d(dtype=wp.int64), r: int, a: int, b: int) -> bool:
    if t[r, a] < t[r, b]:
        return True
    if t[r, a] > t[r, b]:
        return False
    return q[r, a] < q[r, b]


@wp.func
def ev_swap(t: wp.array2d(dtype=wp.float64), q: wp.array2d(dtype=wp.int64), v: wp.array2d(dtype=wp.int32),
            r: int, a: int, b: int):
    tt = t[r, a]
    t[r, a] = t[r, b]
    t[r, b] = tt
    qq = q[r, a]
    q[r, a] = q[r, b]
    q[r, b] = qq
    vv = v[r, a]
    v[r, a] = v[r, b]
    v[r, b] = vv


@wp.func
def ev_push(t: wp.array2d(dtype=wp.float64), q: wp.array2d(dtype=wp.int64), v: wp.array2d(dtype=wp.int32),
            r: int, n: int, time: wp.float64, seq: wp.int64, value: wp.int32) -> int:
    """Insert; returns the new size (the caller checks capacity)."""
    i = n
    t[r, i] = time
    q[r, i] = seq
    v[r, i] = value
    while i > 0:
        p = (i - 1) // 2
        if ev_less(t, q, r, i, p):
            ev_swap(t, q, v, r, i, p)
            i = p
        else:
            break
    return n + 1


@wp.func
def ev_pop(t: wp.array2d(dtype=wp.float64), q: wp.array2d(dtype=wp.int64), v: wp.array2d(dtype=wp.int32),
           r: int, n: int) -> int:
    """Remove the root (read it first); returns the new size."""
    last = n - 1
    t[r, 0] = t[r, last]
    q[r, 0] = q[r, last]
    v[r, 0] = v[r, last]
    i = int(0)
    while True:
        a = 2 * i + 1
        if a >= last:
            break
        c = a
        if a + 1 < last:
            if ev_less(t, q, r, a + 1, a):
                c = a + 1
        if ev_less(t, q, r, c, i):
            ev_swap(t, q, v, r, c, i)
            i = c
        else:
            break
    return last


@wp.func
def q_swap(key: wp.array2d(dtype=wp.int64), lot: wp.array2d(dtype=wp.int32), r: int, base: int, i: int, j: int):
    """Swaps entries i and j (key and lot) of the queue heap at ``base``."""
    kk = key[r, base + i]
    key[r, base + i] = key[r, base + j]
    key[r, base + j] = kk
    ll = lot[r, base + i]
    lot[r, base + i] = lot[r, base + j]
    lot[r, base + j] = ll


@wp.func
def q_push(key: wp.array2d(dtype=wp.int64), lot: wp.array2d(dtype=wp.int32), r: int, base: int, n: int,
           k: wp.int64, value: wp.int32) -> int:
    i = n
    key[r, base + i] = k
    lot[r, base + i] = value
    while i > 0:
        p = (i - 1) // 2
        if key[r, base + i] < key[r, base + p]:
            q_swap(key, lot, r, base, i, p)
            i = p
        else:
            break
    return n + 1


@wp.func
def q_pop(key: wp.array2d(dtype=wp.int64), lot: wp.array2d(dtype=wp.int32), r: int, base: int, n: int) -> int:
    last = n - 1
    key[r, base] = key[r, base + last]
    lot[r, base] = lot[r, base + last]
    i = int(0)
    while True:
        a = 2 * i + 1
        if a >= last:
            break
        c = a
        if a + 1 < last:
            if key[r, base + a + 1] < key[r, base + a]:
                c = a + 1
        if key[r, base + c] < key[r, base + i]:
            q_swap(key, lot, r, base, i, c)
            i = c
        else:
            break
    return last
