"""State tables declared once: name, dtype, axes and, per column, name, unit and doc.

A packed table is a (leading axes..., columns) array, e.g. ``State.el64[replica, element, column]``.
Its declaration (``Table``) is the one source of

- the column constants the kernels index with (``Table.constants``: ``{"E_NEXT": 0, ...}``,
  exported as ``wp.constant`` by the layout modules),
- the allocation (``Table.shape(dims)``; twin/state.py allocates every State table in one loop),
- the bytes per replica (``Table.nbytes_per_replica(dims)``),
- a host-side decoder by name (``Table.column(array, "busy", kind="machine")``).

Kind-specific columns: a table may reserve a *kind area* (``KindArea(n)``): columns whose meaning
depends on the element's kind. Each kind declares its own columns there from its kernel module
(``Table.kind_columns``), under its own prefix; kinds overlap in the area (an element has one
kind). A kind may also take over a shared column it never uses (``Column(..., replaces="A_SERVICE")``):
that sharing is explicit, recorded here and enforced by the decoder (asking that kind for the
replaced column is an error), never an alias constant.

No Warp here: the host (results, tests, tools) imports it without a device.
"""

from __future__ import annotations

from dataclasses import dataclass

ITEMSIZE = {"int64": 8, "int32": 4, "float64": 8, "float32": 4, "int8": 1}
REPLICA = "replica"  # the axis that numbers replicas (placed innermost by the replica-minor layout)
LAYOUTS = ("replica_major", "replica_minor")

_PREFIXES: dict[str, str] = {}  # column-constant prefix ("E_") -> module that owns it


@dataclass(frozen=True)
class Column:
    """One column: kernel constant ``const`` (prefix + name), host ``name``, ``unit``, ``doc``;
    ``replaces``: (kind columns only) the shared column of the table this one takes the place of."""

    const: str
    name: str
    unit: str
    doc: str
    replaces: str | None = None


@dataclass(frozen=True)
class KindArea:
    """``width`` columns reserved for kind-specific columns (declared by each kind, overlapping)."""

    width: int


def prefix_of(const: str) -> str:
    head, sep, _ = const.partition("_")
    if not sep or not head:
        raise ValueError(f"column constant {const!r} has no prefix (PREFIX_NAME)")
    return head + "_"


def _claim(prefix: str, owner: str) -> None:
    """A column prefix belongs to one module: two modules declaring columns under one prefix is
    an error (names must say where they are declared)."""
    owner = owner.rpartition(".")[2]  # "twin.kernels.layout" and "kernels.layout" are one module
    held = _PREFIXES.setdefault(prefix, owner)
    if held != owner:
        raise ValueError(f"column prefix {prefix!r} is declared by {held} and by {owner}")


class Table:
    """A packed table: ``name`` (the State field, "robot.i64" for a nested struct), ``dtype``,
    leading ``axes`` (named sizes, resolved at allocation), and either ``columns`` (the last axis,
    one ``Column`` each, ``KindArea`` slots among them) or none (the leading axes are all).

    ``width_const``: the name of the column count exported beside the column constants (e.g.
    "EL64"); ``fill``: the value every entry starts at; ``owner``: the declaring module."""

    def __init__(self, name: str, dtype: str, axes: tuple, doc: str, columns=None, *, owner: str,
                 width_const: str | None = None, fill=0):
        if dtype not in ITEMSIZE:
            raise ValueError(f"table {name}: unknown dtype {dtype!r}")
        self.name, self.dtype, self.axes, self.doc, self.fill = name, dtype, tuple(axes), doc, fill
        self.owner, self.width_const = owner, width_const
        self.shared: list[tuple[Column, int]] = []
        self.area: tuple[int, int] | None = None  # [start, end) of the kind area
        self.kinds: dict[str, list[tuple[Column, int]]] = {}
        self.kind_owner: dict[str, str] = {}  # kind -> module that declared its columns
        self._found: dict[tuple, int] = {}  # (name, kind) -> index, looked up once (results read per element)
        self.has_columns = columns is not None
        i = 0
        for c in columns or ():
            if isinstance(c, KindArea):
                if self.area is not None:
                    raise ValueError(f"table {name}: one kind area only")
                self.area = (i, i + c.width)
                i += c.width
            else:
                if c.replaces is not None:
                    raise ValueError(f"table {name}: shared column {c.const} cannot replace another")
                _claim(prefix_of(c.const), owner)
                self.shared.append((c, i))
                i += 1
        self.width = i
        self._check_unique([c for c, _ in self.shared])

    def _check_unique(self, cols) -> None:
        for what in ("const", "name"):
            seen = [getattr(c, what) for c in cols]
            dup = sorted({x for x in seen if seen.count(x) > 1})
            if dup:
                raise ValueError(f"table {self.name}: column {what} {dup} declared twice")

    # ---- kind columns -------------------------------------------------------------------------
    def kind_columns(self, kind: str, owner: str, *columns: Column) -> tuple[int, ...]:
        """Declares ``kind``'s own columns (declared by module ``owner``): each in the kind area in
        order, or at the place of the shared column it ``replaces``. Returns their indices in the
        order given (the kernel module binds them to its constants; tests/kernels/test_tables.py
        checks the binding)."""
        if kind in self.kinds:
            raise ValueError(f"table {self.name}: kind {kind!r} declares its columns twice")
        shared = {c.const: i for c, i in self.shared}
        nxt, out, replaced = (self.area or (0, 0))[0], [], set()
        for c in columns:
            _claim(prefix_of(c.const), owner)
            if c.replaces is not None:
                if c.replaces not in shared:
                    raise ValueError(f"table {self.name}: {c.const} replaces {c.replaces}, not a shared column")
                if c.replaces in replaced:
                    raise ValueError(f"table {self.name}: kind {kind!r} replaces {c.replaces} twice")
                replaced.add(c.replaces)
                out.append(shared[c.replaces])
            else:
                if self.area is None or nxt >= self.area[1]:
                    raise ValueError(f"table {self.name}: kind {kind!r} declares more columns than its kind "
                                     f"area holds ({0 if self.area is None else self.area[1] - self.area[0]})")
                out.append(nxt)
                nxt += 1
        cols = list(zip(columns, out))
        self._check_unique([c for c, _ in cols] + [c for c, _ in self.shared if c.const not in replaced])
        self.kinds[kind] = cols
        self._found.clear()
        self.kind_owner[kind] = owner
        return tuple(out)

    # ---- names --------------------------------------------------------------------------------
    def constants(self) -> dict[str, int]:
        """The shared column constants (and the width constant), for the declaring layout module."""
        out = {c.const: i for c, i in self.shared}
        if self.width_const:
            out[self.width_const] = self.width
        return out

    def columns(self, kind: str | None = None) -> list[tuple[Column, int]]:
        """The columns as ``kind`` sees them (shared ones it does not replace, then its own), or
        the shared ones."""
        own = self.kinds.get(kind, []) if kind is not None else []
        replaced = {c.replaces for c, _ in own}
        return [(c, i) for c, i in self.shared if c.const not in replaced] + own

    def index(self, name: str, kind: str | None = None) -> int:
        """The column index of host name (or constant) ``name``, as ``kind`` sees the table."""
        found = self._found.get((name, kind))
        if found is not None:
            return found
        for c, i in self.columns(kind):
            if name in (c.name, c.const):
                self._found[(name, kind)] = i
                return i
        shared = {c.const: c for c, _ in self.shared}
        for c, _ in self.kinds.get(kind, []):
            gone = shared.get(c.replaces)
            if gone is not None and name in (gone.name, gone.const):
                raise KeyError(f"table {self.name}: kind {kind!r} does not have column {name!r} "
                               f"(its column {c.name!r} takes that place)")
        known = [c.name for c, _ in self.columns(kind)]
        raise KeyError(f"table {self.name}: no column {name!r}" + (f" for kind {kind!r}" if kind else "")
                       + f"; columns: {', '.join(known)}")

    def column(self, array, name: str, kind: str | None = None):
        """The column ``name`` of a host array of this table (any leading rows, any strides):
        ``array[..., index]``."""
        if not self.has_columns:
            raise KeyError(f"table {self.name} has no named columns")
        return array[..., self.index(name, kind)]

    # ---- sizes --------------------------------------------------------------------------------
    @property
    def itemsize(self) -> int:
        return ITEMSIZE[self.dtype]

    def shape(self, dims: dict) -> tuple[int, ...]:
        """The logical shape (axes in declared order, columns last) for axis sizes ``dims``."""
        missing = [a for a in self.axes if a not in dims]
        if missing:
            raise KeyError(f"table {self.name}: no size for axes {missing}")
        return tuple(int(dims[a]) for a in self.axes) + ((self.width,) if self.has_columns else ())

    @property
    def per_replica(self) -> bool:
        return REPLICA in self.axes

    def nbytes(self, dims: dict) -> int:
        n = self.itemsize
        for size in self.shape(dims):
            n *= size
        return n

    def nbytes_per_replica(self, dims: dict) -> int:
        """Bytes one replica adds (0 for tables without a replica axis)."""
        if not self.per_replica:
            return 0
        return self.nbytes({**dims, REPLICA: 1})

    def physical_order(self, layout: str) -> tuple[int, ...]:
        """The order of the logical axes in memory, outermost first: as declared
        (``replica_major``), or with the replica axis innermost (``replica_minor``: consecutive
        replicas of one entry are adjacent, so the threads of a GPU warp load one cache line)."""
        if layout not in LAYOUTS:
            raise ValueError(f"unknown table layout {layout!r}; one of {', '.join(LAYOUTS)}")
        order = list(range(len(self.axes) + (1 if self.has_columns else 0)))
        if layout == "replica_minor" and self.per_replica:
            r = self.axes.index(REPLICA)
            order.remove(r)
            order.append(r)
        return tuple(order)

    def describe(self) -> str:
        """One line per column (docs and errors)."""
        lines = [f"{self.name} [{', '.join(self.axes)}{', columns' if self.has_columns else ''}] "
                 f"{self.dtype}: {self.doc}"]
        for c, i in self.shared:
            lines.append(f"  {i:2d} {c.const:<16} {c.name:<14} {c.unit:<14} {c.doc}")
        if self.area:
            lines.append(f"  {self.area[0]:2d}..{self.area[1] - 1} kind area")
        for kind, cols in self.kinds.items():
            for c, i in cols:
                extra = f" (in place of {c.replaces})" if c.replaces else ""
                lines.append(f"  {i:2d} {c.const:<16} {c.name:<14} {c.unit:<14} [{kind}] {c.doc}{extra}")
        return "\n".join(lines)


def find(tables, name: str) -> Table:
    for t in tables:
        if t.name == name:
            return t
    raise KeyError(f"no table {name!r}")
