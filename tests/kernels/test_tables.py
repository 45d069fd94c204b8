"""State tables declared once (kernels/tables.py): the declarations, the constants the kernels
use, the kind columns, the decoder, the byte count and the allocation layouts."""

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

from twin.kernels import health_layout, layout, robot_layout, tables, tool_layout
from twin.kernels.tables import Column, KindArea, Table

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
LAYOUT_MODULES = (layout, health_layout, robot_layout, tool_layout)
ALL_TABLES = [t for m in LAYOUT_MODULES for t in m.TABLES] + list(tool_layout.PARAM_TABLES)
# the fab engine (kernels/fab*.py) keeps its own state arrays apart from these tables
SEPARATE = {"fab", "fab_heap", "fab_rules"}


def _kind_modules():
    """Import every kind's kernel module, so that its kind columns are declared."""
    from twin.kernels import registry
    for e in registry.KINDS:
        importlib.import_module(f"twin.kernels.{e.kernel}")


def _module_of(table):
    return importlib.import_module("twin.kernels." + table.owner.rpartition(".")[2])


def test_every_column_constant_is_the_declared_index():
    """The constants the kernels import are the declaration's indices and widths: a hand-edited
    constant, or a declaration reordered without its users, fails here."""
    n = 0
    for t in ALL_TABLES:
        mod = _module_of(t)
        for c, i in t.shared:
            assert getattr(mod, c.const) == i, (t.name, c.const)
            n += 1
        if t.width_const:
            assert getattr(mod, t.width_const) == t.width, t.name
    assert n >= 150  # every table took part (el64 alone has 8 shared columns)


def test_kind_columns_are_bound_in_their_kind_module():
    """Each kind module binds the indices its declaration returned to constants of the same
    names: a tuple unpacked in another order than the declaration would fail."""
    _kind_modules()
    seen = {}
    for t in ALL_TABLES:
        for kind, cols in t.kinds.items():
            mod = importlib.import_module("twin.kernels." + t.kind_owner[kind].rpartition(".")[2])
            for c, i in cols:
                assert getattr(mod, c.const) == i, (t.name, kind, c.const)
                seen[(t.name, kind, c.const)] = i
    assert seen == {("el64", "conveyor", "CV_BELT0"): 6, ("el64", "conveyor", "CV_ANCHOR"): 7,
                    ("el64", "conveyor", "CV_LEAD_BELT"): 8, ("el64", "conveyor", "CV_READY"): 9,
                    ("el64", "robot", "ARM_LEFT"): 6, ("el32", "conveyor", "CV_BLOCKED"): 6,
                    ("el32", "delay", "DL_HIGH"): 6, ("acc", "conveyor", "CV_CARRIED"): layout.A_IDLE,
                    ("acc", "buffer", "BF_FULL"): layout.A_SERVICE,
                    ("draws", "cluster_tool", "TR_PUMP"): layout.RNG_TBF,
                    ("draws", "cluster_tool", "TR_VENT"): layout.RNG_TTR,
                    ("carry", "cluster_tool", "TR_PUMP"): layout.RNG_TBF,
                    ("carry", "cluster_tool", "TR_VENT"): layout.RNG_TTR}


def test_no_column_aliases_in_the_kernels():
    """No constant is defined as another constant (``CV_CARRIED = A_IDLE``): a kind's columns come
    from its declaration. Before this change there were 12 such lines (and A_FULL/A_SERVICE
    shared one value by hand)."""
    alias = re.compile(r"^[A-Z][A-Z0-9_]* = [A-Z][A-Z0-9_]*\s*(#.*)?$", re.M)
    hits = [f"{p.name}: {m.group(0)}" for p in sorted(KERNELS.glob("*.py")) for m in alias.finditer(p.read_text())]
    assert hits == []
    for t in ALL_TABLES:  # no two shared columns of one table at one index
        idx = [i for _, i in t.shared]
        assert len(idx) == len(set(idx)), t.name


def test_a_column_prefix_belongs_to_one_module():
    """The prefix of every declared column (E_, A_, CV_, TR_, ...) is defined by one kernel module
    only, so a name says where it is declared (before: A_KIND in tool_layout beside layout's A_*,
    PH_FAIL beside robot phases PH_*, RNG_PUMP in cluster_tool beside layout's RNG_*)."""
    _kind_modules()
    owner = {}
    for t in ALL_TABLES:
        for c, _ in t.shared:
            owner.setdefault(tables.prefix_of(c.const), set()).add(t.owner.rpartition(".")[2])
        for kind, cols in t.kinds.items():
            for c, _ in cols:
                owner.setdefault(tables.prefix_of(c.const), set()).add(t.kind_owner[kind].rpartition(".")[2])
    assert all(len(v) == 1 for v in owner.values()), owner
    defined = re.compile(r"^\(?([A-Z][A-Z0-9]*_)[A-Z0-9_]*\b(?<!_TABLE)(?<!_PARAMS)[^=\n]*=", re.M)
    for p in sorted(KERNELS.glob("*.py")):
        if p.stem in SEPARATE:
            continue
        for m in defined.finditer(p.read_text()):
            prefix = m.group(1)
            if prefix in owner:
                assert owner[prefix] == {p.stem}, f"{p.name} defines {m.group(0).strip()!r}: prefix of {owner[prefix]}"


def test_declaration_checks():
    """The declaration refuses what would be an alias or an overlap by accident."""
    t = Table("t_check", "int64", ("replica", "element"), "test", owner="test_tables_a", columns=(
        Column("TQA_ONE", "one", "steps", "first"), KindArea(2), Column("TQA_TWO", "two", "steps", "second")))
    assert (t.width, t.area, t.constants()) == (4, (1, 3), {"TQA_ONE": 0, "TQA_TWO": 3})
    assert t.kind_columns("k1", "test_tables_b", Column("TQB_X", "x", "1", "x"), Column("TQB_Y", "y", "1", "y")) \
        == (1, 2)
    assert t.kind_columns("k2", "test_tables_c", Column("TQC_Z", "z", "1", "z", replaces="TQA_TWO")) == (3,)
    with pytest.raises(ValueError, match="more columns than its kind area"):
        t.kind_columns("k3", "test_tables_d", *(Column(f"TQD_{i}", f"n{i}", "1", "") for i in range(3)))
    with pytest.raises(ValueError, match="not a shared column"):
        t.kind_columns("k4", "test_tables_e", Column("TQE_Z", "z", "1", "z", replaces="TQB_X"))
    with pytest.raises(ValueError, match="declares its columns twice"):
        t.kind_columns("k1", "test_tables_b", Column("TQB_W", "w", "1", "w"))
    with pytest.raises(ValueError, match="prefix 'TQA_' is declared by test_tables_a and by test_tables_f"):
        t.kind_columns("k5", "test_tables_f", Column("TQA_THREE", "three", "1", ""))
    with pytest.raises(ValueError, match="declared twice"):
        Table("t_dup", "int32", ("replica",), "test", owner="test_tables_g", columns=(
            Column("TQG_A", "a", "1", ""), Column("TQG_B", "a", "1", "")))


def test_decoder_by_name_and_kind():
    """``column`` reads a column by its host name as the element's kind sees the table; a kind
    asked for a shared column it replaced gets an error, not the other kind's numbers."""
    acc = layout.ACC_TABLE
    _kind_modules()
    a = np.arange(2 * 3 * acc.width).reshape(2, 3, acc.width)
    assert (acc.column(a, "held") == a[..., 4]).all()
    assert (acc.column(a[:, 1], "busy", kind="machine") == a[:, 1, 0]).all()
    assert (acc.column(a, "full", kind="buffer") == a[..., 5]).all()
    assert (acc.column(a, "service", kind="machine") == a[..., 5]).all()
    assert (acc.column(a, "carried", kind="conveyor") == a[..., 2]).all()
    with pytest.raises(KeyError, match="kind 'buffer' does not have column 'service'"):
        acc.column(a, "service", kind="buffer")
    with pytest.raises(KeyError, match="kind 'conveyor' does not have column 'idle'"):
        acc.column(a, "idle", kind="conveyor")
    with pytest.raises(KeyError, match="no column 'full'"):
        acc.column(a, "full", kind="machine")
    # any strides: a transposed (replica-minor) copy decodes to the same numbers
    strided = np.ascontiguousarray(np.moveaxis(a, 0, -1))  # [E, C, R] in memory
    view = np.moveaxis(strided, -1, 0)
    assert view.strides[0] == a.itemsize
    assert (acc.column(view, "blocked") == a[..., 1]).all()


def test_shapes_bytes_and_memory_order():
    t = layout.EL64_TABLE
    dims = {"replica": 5, "element": 7}
    assert t.shape(dims) == (5, 7, 12)
    assert t.nbytes(dims) == 5 * 7 * 12 * 8
    assert t.nbytes_per_replica(dims) == 7 * 12 * 8
    assert t.physical_order("replica_major") == (0, 1, 2)
    assert t.physical_order("replica_minor") == (1, 2, 0)
    assert layout.CT_HIST_TABLE.physical_order("replica_minor") == (0,)  # no replica axis
    assert layout.CT_HIST_TABLE.nbytes_per_replica({"bin": 8}) == 0
    with pytest.raises(KeyError, match="no size for axes"):
        t.shape({"replica": 1})
    with pytest.raises(ValueError, match="unknown table layout"):
        t.physical_order("column_major")


def test_signal_and_log_columns_follow_the_maintenance_names():
    """policy_signal indexes SIGNAL_TABLE by the position in twin.maintenance SIGNALS, and the
    sensor log's columns are read by those names: one order."""
    from twin.maintenance.compiled import LOG_COLUMNS
    from twin.maintenance.spec import SIGNALS
    assert tuple(c.name for c, _ in health_layout.SIGNAL_TABLE.columns()) == SIGNALS
    assert LOG_COLUMNS == ("wear", "health", "vibration", "temperature", "current", "load", "failed")


def test_host_decoder_imports_without_warp():
    """kernels/tables.py needs no Warp (host tools read results with it)."""
    src = (KERNELS / "tables.py").read_text()
    assert "import warp" not in src
