"""The hook contract of an element kind in the kernels: what a kind's kernel module exports.

Every kind's kernel module defines one ``HOOKS = Hooks(...)``; kernels/registry.py lists the kinds,
kernels/kinds.py joins each entry with its hooks, and ``kernels/dispatch.py`` / ``kernels/flow.py`` generate the dispatch over that list with
``wp.static`` (one inlined ``if kind == id`` branch per kind that has the hook, in registry order).
A hook left at ``None`` means the kind does not do that: the dispatch skips it (or uses the stated
default). The signatures are fixed; a kind ignores the arguments it does not need.

Element hooks (``@wp.func``; m: Model, s: State, r: replica, e/x/y: element, k: step):

* ``room(m, s, r, y, k) -> int``: parts y can take now. None: y never takes parts (it does not
  pull from its predecessors at all).
* ``offer(m, s, r, x, y) -> (slot, ready step)``: the part x offers y that has waited longest,
  or (-1, NEVER). None: x never offers parts.
* ``take(m, s, r, x, slot, k) -> int64``: the part in ``slot`` leaves x at step k; returns the
  step it entered the plant. (Already accounted; E_OUT already counted.)
* ``accept(m, s, r, y, entry, k)``: a part that entered the plant at ``entry`` enters y (y had
  room; already accounted).
* ``full(m, s, r, y)``: y was offered a part while it had no room (a chance to flag an overflow).
* ``event(m, s, r, e, k)``: e's timed event(s) due at step k (already accounted). Only kinds with
  ``timed=True`` get events: they keep E_NEXT, always through ``next_event.set_next_event``.
* ``start(m, s, r, e)``: e's state at step 0 (after E_NEXT/E_FAIL/E_REPAIR are set to NEVER).
* ``account(m, s, r, e, dt)``: adds dt steps of e's current state to its window integrals.
* ``work(m, s, r, e, last, k)``: adds e's operating time over [last, k) (not clipped to the window).
* ``hold(m, s, r, e, part, k, service)`` / ``release(...)``: the maintenance crew stops / restarts
  e (``part``: a part of e for kinds with parts, else -1); already accounted.
* ``uses(m, s, r, h, host) -> int64`` / ``clock(m, s, r, h, host) -> int64``: the use counter and
  the operating clock health component h on ``host`` wears on. None: E_USES / E_WORK.
* ``status(m, s, r, e, k) -> int``: e's status code in a recording (kernels/record.py ST_*).
  None: down while the crew holds it, else busy while it holds parts, else idle.
* ``position(m, s, r, e, i, ahead, k) -> int64``: where the i-th part from the front of e is
  along its path at step k (steps of travel from its start; ``ahead``: the position of the part
  in front of it, ignored for i = 0), recorded for kinds whose Element has
  ``belt_metres_per_step`` (kernels/record.py; twin/recording.py ``Recorded.conveyors``).

Hooks that call the dispatch themselves (a robot choosing its own next part, the maintenance
crew stopping hosts) are given as *factories*: a plain Python function ``make(d)`` that receives
the generated element dispatch ``d`` (attributes room, offer, take, accept, account, hold,
release, uses, clock) and returns the ``@wp.func``. Factories are allowed for ``pull``, ``event``
and ``start``:

* ``pull(m, s, r, y, k) -> (x, slot)``: y chooses the part it takes next itself (instead of the
  longest-waiting offer of its predecessors): (element, slot) or (-1, -1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from .layout import S_DEST, S_ENTRY, S_STEP

ELEMENT_HOOKS = ("room", "offer", "take", "accept", "full", "account", "work", "hold", "release", "uses", "clock",
                 "status", "position")
FLOW_HOOKS = ("pull", "event", "start")  # may be factories taking the element dispatch


@dataclass(frozen=True)
class Hooks:
    """The hooks of one kind (see the module docstring); ``None``: the kind does not do that."""

    room: object = None
    offer: object = None
    take: object = None
    accept: object = None
    full: object = None
    account: object = None
    work: object = None
    hold: object = None
    release: object = None
    uses: object = None
    clock: object = None
    status: object = None
    position: object = None
    pull: object = None
    event: object = None
    start: object = None

    def provided(self) -> dict:
        """The hooks given, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Kind(Hooks):
    """A registered kind: its registry entry (kernels/registry.py) with its hooks."""

    name: str = ""
    id: int = -1
    timed: bool = False

    @classmethod
    def of(cls, entry, hooks: Hooks) -> "Kind":
        return cls(name=entry.name, id=entry.id, timed=entry.timed, **hooks.provided())


PART_STATUS = ("waiting", "processing", "blocked", "paused")  # a snapshot part's status (twin.live.snapshot.Part)
# a live field's type: a number >= 0 ("int", "float"), a number of either sign ("real"), text, or a list of them
WIRE_TYPES = ("int", "float", "real", "text", "floats", "reals", "texts")


def wire_number(v) -> float:
    """A snapshot value on the wire: unknown (None) is NaN."""
    return float("nan") if v is None else float(v)


def wire_optional(v) -> float | None:
    """A value from the wire in a snapshot: NaN (unknown) is None."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


# a kind's parts on the wire as parallel arrays: field -> (Part attribute, wire type)
PART_ARRAYS = {"part_status": ("status", "texts"), "part_age_s": ("age_s", "floats"),
               "part_elapsed_s": ("elapsed_s", "floats"), "part_position_m": ("position_m", "floats")}


def encode_parts(parts, names) -> dict:
    """{field: array} of snapshot Parts for the PART_ARRAYS fields ``names``."""
    out = {}
    for f in names:
        attr = PART_ARRAYS[f][0]
        out[f] = [getattr(p, attr) if attr in ("status", "age_s") else wire_number(getattr(p, attr)) for p in parts]
    return out


def decode_parts(get, names) -> list[dict]:
    """Snapshot parts (dicts) from the PART_ARRAYS fields ``names``; ValueError if their lengths differ."""
    cols = [list(get(f, [])) for f in names]
    if len({len(c) for c in cols}) > 1:
        raise ValueError(f"{', '.join(names)} differ in length ({', '.join(str(len(c)) for c in cols)})")
    attrs = [PART_ARRAYS[f][0] for f in names]
    conv = {"status": str, "age_s": float}
    return [{a: conv.get(a, wire_optional)(x) for a, x in zip(attrs, row)} for row in zip(*cols)]


@dataclass(frozen=True)
class SnapshotHooks:
    """Host side of a kind's snapshots (numpy, no Warp): a kernel module exports them as
    ``SNAPSHOT = SnapshotHooks(...)`` beside its ``HOOKS``, because only the kind knows what its
    State columns mean. twin.live finds them through the registry (kernels/snapshot.py
    ``snapshot_hooks``) and names no kind; a kind without them cannot be snapshotted (a clear
    error, by name). Every hook may be left out (None / empty) except ``capture`` and ``restore``.

    * ``capture(v, e) -> dict``: element e of one replica at step ``v.step`` as snapshot fields
      (``state``, ``time_in_state_s``, ``parts``: a list of dicts with ``age_s``, ``status``,
      ``elapsed_s``, ``remaining_s``, ``position_m``; and any other ElementState field:
      ``repair_remaining_s``, ``failure_in_s``, ``arrival_in_s``, ``parts_out``), seconds before the moment.
      ``v``: ``el64[e, F]``, ``el32``, ``s64[slot, F]``, ``s32``, ``slot_start``, ``capacity``,
      ``param("conveyor.transit")`` (a Model column), ``spec(e)`` (the element), ``step``, ``dt``,
      ``seconds(steps)``.
    * ``restore(v, e, st)``: writes snapshot element ``st`` into rows of zeroed State arrays
      (``v.el64[R, e, F]``, ...), the moment of the snapshot being step 0: ``v.steps(seconds)``,
      ``v.duration(e, name, known_s, elapsed_s, least=0, purpose=RNG_MAIN)`` (steps left of the
      element's duration ``name`` (Element.durations()), conditioned on the elapsed time; one
      random stream per element and purpose), ``v.dest(e)`` (a routing draw per row),
      ``v.schedule(e, steps)`` (the element's next event: the one place that writes E_NEXT).
    * ``check(spec, st) -> str | None``: what is wrong with ``st`` for element ``spec``, or None
      (the capacity, the part statuses and the common fields are checked by twin.live).

    The live wire (twin.live.wire: what a line publishes per element over OPC UA / MQTT). A kind
    with no ``wire`` fields cannot be mapped, served or emulated (a clear error, by name):

    * ``wire``: the fields the kind publishes, in order, as ``(field, type)`` pairs (type in
      ``WIRE_TYPES``; a field name means one type for every kind: twin.live checks that).
    * ``encode(st) -> dict``: {field: value} of snapshot element ``st`` (observed: no remaining
      times; unknown numbers NaN, ``wire_number``).
    * ``decode(get, spec) -> dict``: the snapshot fields (as ``capture`` returns them) that the
      values ``get(field, default)`` describe (missing: the default; NaN: unknown, ``wire_optional``).
    * ``plausible(spec, plant, field, value) -> str | None``: why a value (already of the field's
      type, non-negative) contradicts the element (an unknown state code, a level above its
      capacity), or None. The message starts with ``element.field:``.

    The emulator (twin.live.emulator: one replica stopped at every event, reporting what a line
    would; the kernels keep remaining times, so the elapsed ones are noted on the way):

    * ``track(t, e, k)``: note what changed at element e at event step k: ``t.now`` / ``t.prev``
      (``el64``, ``el32``, ``s64``, ``s32`` of the replica after / before the event; ``t.prev``
      is None at the start, k = 0; a kind's own State arrays under their ``arrays`` names),
      ``t.notes(e)`` (a dict the kind keeps its notes in), ``t.slots(e)``, ``t.param(path)``.
    * ``observe(t, e, st, k)``: adds the elapsed times noted to snapshot element ``st`` at step k
      (``t.seconds(steps)``, ``t.spec(e)``).

    Optional, for kinds with State tables of their own or ties to other elements (robots, cluster
    tools); a kind that leaves them at their defaults sees no change:

    * ``arrays``: the per-kind State arrays its ``restore`` writes, by name ("robot.i32",
      "tool.ch64"): twin.live loads them into the restore view (``v.struct(name)``: these rows,
      ``[R, ...]``) and writes them back. The capture view reads any State array the same way
      (``v.struct(name)``: the replica's row).
    * ``link(v, e, st) -> str | None``: runs after *every* element's ``restore``, for state that
      ties e to another element (a robot's claimed part, still in its pick element); returns
      what is wrong (the snapshot does not fit), or None. (The crew's ``link(v, c, comps)`` runs
      before its own ``restore``; ``v.snapshot`` is the Snapshot being written.) Element state of its own, a kind
      beyond the common fields keeps in ``st.equipment`` (a JSON-ready dict the kind defines).
    * ``uses(v, h, host) -> int`` / ``clock(v, h, host) -> int``: host-side twins of the kernel
      hooks of the same names, for a kind whose health components wear on counters of its own
      (the crew's capture reads them; None: ``E_USES`` / ``E_WORK``). Its ``restore`` starts
      those counters at 0 (the crew's restore dates its clocks relative to that).
    * ``held(spec, st) -> set[int]``: the parts of snapshot element ``st`` that it says the crew
      has stopped (kernel part numbers, ``health.part``: a cluster tool's robots and chambers),
      for a kind whose crew stops parts rather than the whole element. None: the whole element,
      stopped when its state is ``held`` (or ``down``).

    The crew (kernels/health.py) publishes on the wire under names of its own, not an element's:
    ``names(plant) -> {name: fields}`` (every health component as "element.component", and the
    crew), and its ``encode(health, plant) -> {name: {field: value}}``, ``decode(get, plant)``
    (``get(name, field, default)``; returns the snapshot's ``health``) and ``plausible(name,
    plant, field, value)`` take those names in place of an element.
    * ``hold(v, h, host, service)``: host-side twin of the kernel ``hold``'s count, for the crew's
      restore: component h (failed, under repair or in service) stops ``host`` in every row.
      None: the element's ``E_HOLD_FAIL`` / ``E_HOLD_SERVICE`` count (its restore has written the
      stopped state: a machine's paused parts, a robot's paused phase).
    """

    capture: object = None
    restore: object = None
    check: object = None
    wire: tuple = ()
    encode: object = None
    decode: object = None
    plausible: object = None
    track: object = None
    observe: object = None
    arrays: tuple = ()
    link: object = None
    uses: object = None
    clock: object = None
    held: object = None
    hold: object = None
    names: object = None

    def wire_fields(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.wire)


def equipment_problem(eq, known, needs: str) -> str | None:
    """What is wrong with the shape of a snapshot's ``equipment`` dict (a kind's own state:
    robot, cluster tool): not a dict, or a key the kind does not know; None if neither."""
    if not isinstance(eq, dict):
        return f"needs equipment ({needs})"
    for k in eq:
        if k not in known:
            return f"equipment.{k}: unknown key (known: {', '.join(known)})"
    return None


# ---- parts that wait (buffers, sources): one check and one restore for both ---------------------
def waiting_only(spec, st) -> str | None:
    """``check`` of a kind whose parts can only wait (a buffer's queue, a source's next part)."""
    if any(p.status != "waiting" for p in st.parts):
        return f"parts in a {spec.kind} can only be waiting"
    return None


def restore_waiting(v, e, j: int, age_s: float, waited_s) -> None:
    """Writes a waiting part into slot j of element e (all rows of a restore view): it entered
    the plant ``age_s`` ago, has waited ``waited_s`` (None: 0) and is bound for e's routing draw."""
    slot = int(v.slot_start[e]) + j
    v.s64[:, slot, S_ENTRY] = -v.steps(age_s)
    v.s64[:, slot, S_STEP] = -v.steps(waited_s or 0.0)
    v.s32[:, slot, S_DEST] = v.dest(e)
