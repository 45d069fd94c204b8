"""The registry of element kinds: every kind's kernel descriptor (``KIND`` in its kernel module,
kernels/hooks.py), in dispatch order (the most frequent kinds first: each hook's generated
dispatch tests the kinds in this order). The Python side (twin/kinds.py) reads the same list.

Adding a kind: write its kernel module with a ``KIND = Kind(...)`` and its Python element class
(the module named in ``Kind.module``, registered with ``twin.elements.register_kind``), then add the
kernel module here. Nothing else names the kind.
"""

from . import buffer, cluster_tool, conveyor, health, machine, robot, sink, source

KINDS = [machine.KIND, buffer.KIND, conveyor.KIND, source.KIND, sink.KIND, robot.KIND, cluster_tool.KIND,
         health.KIND]

CREW = health.KIND  # the maintenance crew: an internal element after the plant's (no element class)


def by_name(name: str):
    """The kind registered under ``name``."""
    for k in KINDS:
        if k.name == name:
            return k
    raise KeyError(name)


def _check(kinds):
    ids = [k.id for k in kinds]
    names = [k.name for k in kinds]
    for seen in (ids, names):
        dup = {x for x in seen if seen.count(x) > 1}
        if dup:
            raise ValueError(f"two kinds are registered as {sorted(dup)}")


_check(KINDS)
