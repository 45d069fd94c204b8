"""The plant layer: building, networkx graph, validation errors that name the element."""

import networkx as nx
import pytest

import twin
from twin import Buffer, Exponential, Machine, Plant, PlantError, Sink, Source

from checks import raises


def small() -> Plant:
    p = Plant("cell")
    p.add(Source("in", interarrival=Exponential(60)), Buffer("q", capacity=3),
          Machine("m", process=Exponential(45)), Sink("out"))
    p.line("in", "q", "m", "out")
    return p


def test_graph_is_a_networkx_digraph():
    p = small().validate()
    assert isinstance(p.graph, nx.DiGraph)
    assert list(nx.topological_sort(p.graph)) == ["in", "q", "m", "out"]
    assert p.graph.nodes["m"]["element"].process.mean == 45
    assert nx.shortest_path(p.graph, "in", "out") == ["in", "q", "m", "out"]


def test_structure_errors():
    p = small()
    raises(lambda: p.add(Buffer("q")), "duplicate", "'q'")
    raises(lambda: p.connect("m", "outt"), "no element named 'outt'", "did you mean 'out'")
    raises(lambda: p.connect("m", "m"), "itself")
    raises(lambda: p.connect("out", "q"), "sink has no outputs")
    raises(lambda: p.connect("q", "in"), "source has no inputs")
    raises(lambda: p.connect("in", "q"), "already connected")
    raises(lambda: p.connect("q", "out", probability=1.5), "(0, 1]")


def test_validation_errors():
    p = small()
    p.add(Machine("orphan", process=Exponential(5)))
    p.connect("orphan", "out")
    raises(p.validate, "element 'orphan'", "no input")
    p = small()
    p.add(Buffer("loop_a"), Buffer("loop_b"))
    p.connect("loop_a", "loop_b")
    p.connect("loop_b", "loop_a", probability=0.5)
    p.connect("loop_b", "out", probability=0.5)
    raises(p.validate, "element 'loop_a'", "unreachable")
    p = small()
    p.add(Buffer("trap"), Machine("spin", process=3))
    p.connect("q", "trap", probability=0.5)
    p.graph.edges["q", "m"]["probability"] = 0.5
    p.connect("trap", "spin")
    p.connect("spin", "trap")
    raises(p.validate, "dead end", "trap")
    p = small()
    p.add(Sink("scrap"))
    p.connect("m", "scrap", probability=0.3)
    raises(p.validate, "element 'm'", "connection to 'out' has none")
    p.graph.edges["m", "out"]["probability"] = 0.6
    raises(p.validate, "element 'm'", "sum to 0.9")
    p.graph.edges["m", "out"]["probability"] = 0.7
    p.validate()
    raises(lambda: Plant("empty").validate(), "no elements")
    q = Plant("no sink")
    q.add(Source("s"), Machine("m", process=2))
    q.connect("s", "m")
    raises(q.validate, "no Sink")


def test_errors_are_raised_before_any_kernel_runs():
    """An invalid plant fails in compile(), before state is allocated or a kernel launched."""
    p = small()
    p.add(Machine("loose", process=Exponential(5)))
    with pytest.raises(PlantError, match="loose"):
        twin.simulate(p, replicas=2, horizon=100, device="cpu")
    with pytest.raises(PlantError, match="dt"):
        twin.simulate(small(), replicas=2, horizon=100, dt=120.0, device="cpu")


def test_study_parameter_errors():
    for kwargs, fragment in (({"replicas": 0}, "replicas"), ({"horizon": -5}, "horizon"),
                             ({"horizon": 100, "warmup": 100}, "warmup"), ({"seed": -1}, "seed")):
        with pytest.raises(twin.StudyError, match=fragment):
            twin.simulate(small(), device="cpu", **{"horizon": 1000, **kwargs})
    with pytest.raises(twin.TwinError, match="not available"):
        twin.simulate(small(), device="tpu", horizon=1000)


def test_default_dt_resolves_the_shortest_duration():
    p = small()
    assert p.default_dt() == 0.02  # 45 s / 1000 = 0.045 -> 0.02 on the 1-2-5 series
    assert p.default_dt() <= p.shortest_mean_duration() / 1000


def test_capacity_per_hour_accounts_for_servers_and_failures():
    m = Machine("m", process=Exponential(60), servers=2,
                failures=twin.Failures(Exponential(900), Exponential(100)))
    assert m.capacity_per_hour == pytest.approx(2 * 60 * 0.9)
