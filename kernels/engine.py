"""The kernels the simulator launches: one thread per replica.

``advance`` moves every replica from its current step to ``step_end`` in one launch, jumping from
one step with an event to the next (steps where nothing happens cost nothing), so the host
launches a kernel per progress chunk, not per step.

The kernels are specialised to a plant's kinds (``for_kinds``): the dispatch inside them covers
only the kinds the plant uses, so a plain line compiles no robot, cluster-tool or maintenance
code. Each kind set is its own Warp module, cached on disk by its content.

The module's name carries a digest of the kernel source files it is built from
(``kernel_digest``): Warp's own module hash does not see a change in a hook that the generated
dispatch reaches through ``wp.static`` from another module, so without it an edited (or upgraded)
kernel file could load a stale binary of the same kind set from the kernel cache (seen: a binary
without the step-clock saturation of kernels/sampling.py, which then crashed). The files are this
module's and its kinds' kernel modules with everything they import, and every kind's layout
module (Model and State carry all their structs): an edit of one kind's kernel recompiles only
the engines of plants that use that kind.
"""

import functools
import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

import warp as wp

from .common import known_index, wake
from .flow import flow_functions
from .kinds import KINDS
from .loads import int_at
from .layout import R_STEP, Model, State
from .next_event import build_tree, first_due, next_due
from .sampling import set_row_key

wp.set_module_options({"enable_backward": False})

KERNELS = Path(__file__).parent
RELATIVE_IMPORT = re.compile(r"^[ \t]*from \.([A-Za-z_]\w*)", re.MULTILINE)


@functools.cache
def kernel_imports(name: str) -> frozenset[str]:
    """The twin.kernels modules that module ``name`` imports (``from .x import ...``, at any
    depth). Read as text, not parsed (parsing the kernel sources took 0.15 s of every start-up);
    a line of a docstring that looks like such an import only adds a file to the digest."""
    return frozenset(RELATIVE_IMPORT.findall((KERNELS / f"{name}.py").read_text(encoding="utf-8")))


def engine_sources(kind_names) -> list[str]:
    """The kernel modules an engine of the kinds ``kind_names`` is built from: this module, each
    kind's kernel module, every kind's layout module (imported by kernels/layout.py by name), and
    what they import, directly or not."""
    from .registry import KINDS as ENTRIES
    wanted = set(kind_names)
    todo = ["engine"] + [e.kernel for e in ENTRIES if e.name in wanted] + [e.layout for e in ENTRIES if e.layout]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen and (KERNELS / f"{name}.py").is_file():
            seen.add(name)
            todo += kernel_imports(name)
    return sorted(seen)


def kernel_digest(kind_names, read=lambda path: path.read_bytes()) -> str:
    """A digest of ``engine_sources(kind_names)``' files (``read``: their bytes)."""
    files = [KERNELS / f"{name}.py" for name in engine_sources(kind_names)]
    return hashlib.sha256(b"".join(p.name.encode() + read(p) for p in files)).hexdigest()[:12]


def build(kinds: list) -> SimpleNamespace:
    """start_replicas, advance and close_statistics over ``kinds`` (registry order)."""
    f = flow_functions(kinds)
    # one Warp module per kind set and kernel source (kernel_digest: see the module docstring)
    module = wp.get_module("twin_engine_" + "_".join(k.name for k in kinds) + "_"
                           + kernel_digest(k.name for k in kinds))
    module.options.update({"enable_backward": False})
    drain, handle_event, start_element, account = f.drain, f.handle_event, f.start_element, f.account

    @wp.kernel(module=module)
    def start_replicas(m: Model, s: State):
        r = wp.tid()
        set_row_key(s, r)
        n = m.n_elem
        for e in range(n):
            start_element(m, s, r, e)
        build_tree(m, s, r)  # from here on every E_NEXT write keeps it (set_next_event)
        for i in range(n):
            wake(s, r, n - 1 - i)  # element 0 is visited first
        drain(m, s, r, wp.int64(0))
        s.rep64[r, R_STEP] = wp.int64(0)

    @wp.kernel(module=module)
    def advance(m: Model, s: State, target: wp.array2d(dtype=wp.int64)):
        # The end step is read from a device array, not passed by value: a captured CUDA graph
        # of this launch is replayed for every piece with a new target (twin/simulator.py Launches).
        # A 1 x 1 array, not a 1-element one: Warp compiles a CPU kernel with a 1-d array argument
        # twice (a variant for contiguous arrays), which doubled the compile time of advance.
        step_end = target[0, 0]
        r = wp.tid()
        set_row_key(s, r)  # a new Control (seed, replica0) may come with any launch
        while True:
            # The next step with an event: the root of the next-event tree (kernels/next_event.py).
            k = s.next_tree[r, 1]
            if k >= step_end:
                break
            i, tie = first_due(m, s, r, k)
            handle_event(m, s, r, known_index(int_at(m.timed, i)), k)
            # On a tie the elements due at k are handled in element order, each one's E_NEXT
            # read when its turn comes (an earlier one's event may have moved it).
            if tie:
                while True:
                    i = next_due(m, s, r, i, k)
                    if i < 0:
                        break
                    handle_event(m, s, r, known_index(int_at(m.timed, i)), k)
            drain(m, s, r, k)
        s.rep64[r, R_STEP] = step_end

    @wp.kernel(module=module)
    def close_statistics(m: Model, s: State):
        """Integrates every element's state up to the horizon (after the last advance)."""
        r = wp.tid()
        set_row_key(s, r)
        for e in range(m.n_elem):
            account(m, s, r, e, s.control[0].horizon_step)

    return SimpleNamespace(start_replicas=start_replicas, advance=advance, close_statistics=close_statistics,
                           kinds=tuple(k.name for k in kinds))


def end_step(step: int, device) -> wp.array:
    """The device array ``advance`` reads its end step from (1 x 1; see ``advance``); a piece of a
    run writes its end into it (``fill_``) before the launch."""
    return wp.full((1, 1), int(step), dtype=wp.int64, device=device)


_BUILT: dict = {}


def for_kinds(names) -> SimpleNamespace:
    """The kernels for a plant whose elements are of the kinds ``names`` (kind names; the crew's
    too if it has one), built once per kind set and process."""
    wanted = frozenset(names)
    unknown = wanted - {k.name for k in KINDS}
    if unknown:
        raise KeyError(f"unregistered kinds {sorted(unknown)}")
    if wanted not in _BUILT:
        _BUILT[wanted] = build([k for k in KINDS if k.name in wanted])
    return _BUILT[wanted]


ALL = for_kinds(k.name for k in KINDS)  # every registered kind (tools and checks that need no plant)
start_replicas, advance, close_statistics = ALL.start_replicas, ALL.advance, ALL.close_statistics
