"""Scene files: loading, saving (round trip), units, the bundled scenes and bad input."""

import itertools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin import (Buffer, Deterministic, Empirical, Erlang, Exponential, Failures, Gamma, LogNormal, Machine,
                  Plant, SceneError, Sink, Source, Triangular, TruncatedNormal, Uniform, Weibull)
from twin.distributions import Distribution
from twin.elements import KINDS, Element
from twin.scene import Scene, load_scene, save_scene
from twin.scenes import bundled, scene_path

SCENES = ("balanced_line", "unbalanced_rework", "packaging_line", "electronics_assembly", "press_shop", "wafer_bay",
          "etch_cell")


def write(tmp_path, text: str, name: str = "scene.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_plant(a: Plant, b: Plant) -> None:
    assert b.name == a.name and b.unbounded_storage == a.unbounded_storage
    assert list(b.elements.items()) == list(a.elements.items())  # dataclass equality, same order
    assert list(b.graph.edges(data="probability")) == list(a.graph.edges(data="probability"))


# ---- the bundled scenes -----------------------------------------------------------------------
def test_the_three_scenes_are_bundled():
    assert set(SCENES) <= set(bundled())


@pytest.mark.parametrize("name", SCENES)
def test_bundled_scene_loads_validates_and_is_laid_out(name):
    scene = load_scene(scene_path(name))
    assert isinstance(scene, Scene) and scene.path == scene_path(name)
    plant = scene.plant
    assert plant.validate() is plant
    assert {"replicas", "horizon", "warmup", "seed"} <= set(scene.study)
    assert 100 <= scene.study["replicas"] <= 200
    if name in ("balanced_line", "unbalanced_rework", "packaging_line", "electronics_assembly", "wafer_bay"):
        assert scene.study["horizon"] == 8 * 3600 and scene.study["warmup"] == 3600
    else:  # maintenance scenes need days, still a quick `twin run`
        assert scene.study["horizon"] <= 7 * 86400 and scene.study["warmup"] < scene.study["horizon"]
    # every element has a footprint; footprints do not overlap; the line runs left to right
    boxes = [(n, el.position, el.size) for n, el in plant.elements.items()]
    assert all(pos is not None and size is not None for _, pos, size in boxes)
    for (a, pa, sa), (b, pb, sb) in itertools.combinations(boxes, 2):
        overlap = abs(pa[0] - pb[0]) < (sa[0] + sb[0]) / 2 and abs(pa[1] - pb[1]) < (sa[1] + sb[1]) / 2
        assert not overlap, f"{a} and {b} overlap"
    for u, v in plant.graph.edges:
        if not plant.graph.has_edge(v, u) and not _is_reject_or_rework(plant, u, v):
            assert plant[v].position[0] > plant[u].position[0], f"{u} -> {v} runs right to left"


def _is_reject_or_rework(plant, u, v) -> bool:
    return (plant[u].routing == "probability" and len(plant.successors(u)) > 1
            and v != max(plant.successors(u), key=lambda s: plant.graph.edges[u, s]["probability"]))


def test_balanced_line_is_balanced_with_finite_buffers():
    plant = load_scene(scene_path("balanced_line")).plant
    machines = [el for el in plant if isinstance(el, Machine)]
    assert len(machines) == 5
    assert all(m.process.mean == pytest.approx(60.0, rel=1e-12) and m.servers == 1 for m in machines)
    assert len({type(m.process) for m in machines}) >= 4  # equal means, different variability
    sources = [el for el in plant if isinstance(el, Source)]
    assert len(sources) == 1 and sources[0].saturated
    for a, b in zip(machines, machines[1:]):  # a finite buffer between consecutive stations
        (between,) = plant.successors(a.name)
        assert isinstance(plant[between], Buffer) and plant[between].capacity is not None
        assert plant.successors(between) == [b.name]


def _loads(plant: Plant) -> dict[str, float]:
    """Utilisation of every machine from the traffic equations lambda = e + P^T lambda, with the
    routing probabilities, availability and servers. A saturated source counts as 1 part/s (the
    loads are then relative); first_available splits are shared equally (only the sum over the
    parallel group is meaningful)."""
    names = list(plant.elements)
    idx = {n: i for i, n in enumerate(names)}
    P, e = np.zeros((len(names), len(names))), np.zeros(len(names))
    for n, el in plant.elements.items():
        if isinstance(el, Source):
            e[idx[n]] = 1.0 if el.saturated else 1.0 / el.interarrival.mean
        succ = plant.successors(n)
        probs = ([1.0 / len(succ)] * len(succ) if getattr(el, "routing", None) == "first_available"
                 else plant.routing_probabilities(n) if succ else [])
        for s, p in zip(succ, probs):
            P[idx[n], idx[s]] = p
    lam = np.linalg.solve(np.eye(len(names)) - P.T, e)
    return {n: lam[idx[n]] * el.process.mean / (el.servers * (el.failures.availability if el.failures else 1.0))
            for n, el in plant.elements.items() if isinstance(el, Machine)}


def test_rework_scene_arrivals_are_below_the_bottleneck_capacity():
    plant = load_scene(scene_path("unbalanced_rework")).plant
    (arrivals,) = [el for el in plant if isinstance(el, Source)]
    assert isinstance(arrivals.interarrival, Exponential)  # Poisson arrivals
    rate = 1.0 / arrivals.interarrival.mean
    loads = _loads(plant)
    bottleneck = max(loads, key=loads.get)
    assert bottleneck == "cnc_mill"
    # by hand: every part visits the mill 1 / (1 - p_rework) times
    p_rework = plant.graph.edges["inspection", "mill_queue"]["probability"]
    mill = plant["cnc_mill"]
    capacity = mill.servers * mill.failures.availability / mill.process.mean  # parts per second
    assert loads["cnc_mill"] == pytest.approx(rate / (1 - p_rework) / capacity, rel=1e-9)
    assert rate / (1 - p_rework) < capacity
    assert 0.75 < loads["cnc_mill"] < 0.9  # loaded, but stable
    assert sorted(loads.values())[-2] < loads["cnc_mill"] - 0.2  # a clear bottleneck
    modes = {el.failures.mode for el in plant if isinstance(el, Machine) and el.failures}
    assert modes == {"time", "operation"}
    assert nx_has_cycle(plant)


def nx_has_cycle(plant) -> bool:
    import networkx as nx
    return not nx.is_directed_acyclic_graph(plant.graph)


def test_packaging_line_structure_and_bottleneck():
    plant = load_scene(scene_path("packaging_line")).plant
    machines = {n: el for n, el in plant.elements.items() if isinstance(el, Machine)}
    assert len(machines) >= 20
    kinds = {type(m.process) for m in machines.values()}
    assert {LogNormal, Gamma, Triangular, Empirical} <= kinds
    assert {m.failures.mode for m in machines.values() if m.failures} == {"time", "operation"}
    assert all(m.failures.tbf.mean >= 3600 for m in machines.values() if m.failures)  # failures: hours
    assert all(1 <= m.process.mean <= 600 for m in machines.values())  # seconds to minutes
    # parallel machines behind first_available splits that merge again
    splits = [n for n, el in plant.elements.items() if getattr(el, "routing", None) == "first_available"]
    assert splits
    for s in splits:
        branches = plant.successors(s)
        assert len(branches) >= 2 and all(isinstance(plant[b], Machine) for b in branches)
        assert len({tuple(plant.successors(b)) for b in branches}) == 1  # they merge
    # inspections reject to a scrap sink
    assert isinstance(plant["reject_bin"], Sink)
    inspections = plant.predecessors("reject_bin")
    assert len(inspections) >= 5
    assert all(plant.graph.edges[n, "reject_bin"]["probability"] <= 0.01 for n in inspections)
    # the filler pair is the bottleneck (loads of a parallel group add up)
    loads = _loads(plant)
    group = {}
    for n, load in loads.items():
        (pred,) = plant.predecessors(n)
        key = pred if getattr(plant[pred], "routing", None) == "first_available" else n
        group[key] = group.get(key, 0.0) + load
    assert max(group, key=group.get) == "filler_infeed"


# ---- round trip -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENES)
def test_round_trip_of_bundled_scene(tmp_path, name):
    scene = load_scene(scene_path(name))
    out = save_scene(scene.plant, tmp_path / "copy.toml", **scene.study)
    again = load_scene(out)
    assert_same_plant(scene.plant, again.plant)
    assert again.study == scene.study
    # and a second generation is byte-identical
    save_scene(again.plant, tmp_path / "copy2.toml", **again.study)
    assert (tmp_path / "copy2.toml").read_text() == out.read_text()


def every_distribution_plant() -> Plant:
    p = Plant("every distribution: \"quoted\" name", unbounded_storage=321)
    p.add(
        Source("in", interarrival=Exponential(61.5), position=(0, 0), routing="first_available"),
        Source("saturated", position=(0, 3, 0)),
        Buffer("queue A", capacity=None, position=(2, 0, 0), size=(1.0, 0.5, 0.5)),
        Machine("m.det", process=Deterministic(12.25), servers=3, position=(4, 0, 0)),
        Machine("m_uni", process=Uniform(0.5, 1.5)),
        Machine("m_tri", process=Triangular(1, 2, 4),
                failures=Failures(Weibull(1.7, 7200), Erlang(3, 600), mode="operation")),
        Machine("m_tn", process=TruncatedNormal(10, 2), routing="first_available"),
        Machine("m_tn2", process=TruncatedNormal(10, 2, low=5, high=14)),
        Machine("m_ln", process=LogNormal(45, 0.3),
                failures=Failures(Exponential(28800), LogNormal(1200, 0.5), mode="time")),
        Machine("m_gamma", process=Gamma(30, 0.7)),
        Machine("m_erlang", process=Erlang(4, 20)),
        Machine("m_weibull", process=Weibull(2.5, 33.3)),
        Machine("m_emp", process=Empirical((1.0, 2.5, 2.5, 7.0))),
        Buffer("rework", capacity=4),
        Sink("out", position=(20, 0, 0), size=(1, 1, 1)),
        Sink("scrap"),
    )
    p.connect("in", "queue A")
    p.connect("in", "m_uni")
    p.line("saturated", "queue A", "m.det", "m_tri", "m_tn")
    p.line("m_uni", "m_tri")
    p.connect("m_tn", "m_tn2")  # first_available: m_tn2 before m_ln (not the element order)
    p.connect("m_tn", "m_ln")
    p.line("m_tn2", "m_gamma", "m_erlang")
    p.line("m_ln", "m_gamma")
    p.connect("m_erlang", "m_weibull", probability=1.0)  # explicit probability 1
    p.connect("m_weibull", "out", 0.7)
    p.connect("m_weibull", "rework", 0.2)
    p.connect("m_weibull", "m_emp", 0.1)
    p.line("rework", "m.det")
    p.connect("m_emp", "scrap")
    return p.validate()


def test_round_trip_of_a_python_plant_with_every_distribution(tmp_path):
    plant = every_distribution_plant()
    used = {type(d) for el in plant for d in el.durations().values()}
    assert used == set(Distribution.__subclasses__())  # every distribution type
    plant.save(tmp_path / "all.toml", replicas=10, horizon="2 h", dt=0.01)
    scene = load_scene(tmp_path / "all.toml")
    assert_same_plant(plant, scene.plant)
    assert scene.study == {"replicas": 10, "horizon": 7200.0, "dt": 0.01}
    assert scene.plant.successors("m_tn") == ["m_tn2", "m_ln"]


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=12).filter(str.strip)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
coordinate = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(names, min_size=2, max_size=5, unique=True), st.data())
def test_round_trip_is_exact_for_arbitrary_names_and_floats(tmp_path, station_names, data):
    p = Plant(data.draw(names))
    p.add(Source("src", interarrival=LogNormal(data.draw(positive), data.draw(positive) % 5 + 0.01)),
          Sink("snk", position=(data.draw(coordinate), data.draw(coordinate), data.draw(coordinate))))
    for n in station_names:
        p.add(Machine(f"m:{n}", process=Gamma(data.draw(positive), 0.5),
                      size=(data.draw(positive), data.draw(positive), data.draw(positive))))
    p.line("src", *(f"m:{n}" for n in station_names), "snk")
    scene = load_scene(save_scene(p, tmp_path / "h.toml", seed=data.draw(st.integers(0, 2**63 - 1))))
    assert_same_plant(p, scene.plant)


# ---- units --------------------------------------------------------------------------------------
BASE = """
lines = [["in", "m", "out"]]
[plant]
{plant}
[study]
{study}
[elements.in]
kind = "source"
{source}
[elements.m]
kind = "machine"
{machine}
[elements.out]
kind = "sink"
"""


def scene_text(plant="", study="", source="", machine="process = 30"):
    return BASE.format(plant=plant, study=study, source=source, machine=machine)


def test_quantity_strings_carry_their_unit(tmp_path):
    s = load_scene(write(tmp_path, scene_text(
        study='horizon = "8 h"\nwarmup = "30 min"\ndt = "50 ms"',
        source='interarrival = "2 min"',
        machine='process = { dist = "uniform", low = "45 ms", high = "1.5 s" }\n'
                'failures = { tbf = { dist = "weibull", shape = 2, scale = "1.5 h" }, ttr = "2min" }')))
    assert s.plant["in"].interarrival == Deterministic(120.0)
    assert s.plant["m"].process == Uniform(0.045, 1.5)
    assert s.plant["m"].failures == Failures(Weibull(2, 5400.0), Deterministic(120.0))
    assert s.study == {"horizon": 28800.0, "warmup": 1800.0, "dt": 0.05}


def test_time_unit_scales_bare_numbers(tmp_path):
    s = load_scene(write(tmp_path, scene_text(
        plant='time_unit = "min"', study="horizon = 480\nwarmup = 60\ndt = 0.001",
        source='interarrival = { dist = "exponential", mean = 1.5 }',
        machine='process = { dist = "empirical", samples = [1, "30 s", 2] }\n'
                'failures = { tbf = { dist = "exponential", mean = "8 h" }, ttr = 20 }')))
    assert s.plant["in"].interarrival == Exponential(90.0)
    assert s.plant["m"].process == Empirical((60.0, 30.0, 120.0))
    assert s.plant["m"].failures == Failures(Exponential(28800.0), Deterministic(1200.0))
    assert s.study == {"horizon": 28800.0, "warmup": 3600.0, "dt": pytest.approx(0.06, rel=1e-15)}


def test_length_unit_mm(tmp_path):
    s = load_scene(write(tmp_path, scene_text(
        plant='length_unit = "mm"', source="position = [0, -250, 0]",
        machine='process = 30\nposition = [2000, "0.5 m", "12 cm"]\nsize = [1200, 800, 1500]')))
    assert s.plant["in"].position == (0.0, -0.25, 0.0)
    assert s.plant["m"].position == (2.0, 0.5, 0.12)
    assert s.plant["m"].size == (1.2, 0.8, 1.5)


def test_two_min_is_120_s_and_plant_defaults(tmp_path):
    a = load_scene(write(tmp_path, scene_text(machine='process = "2 min"'), "a.toml")).plant
    b = load_scene(write(tmp_path, scene_text(machine="process = 120"), "b.toml")).plant
    assert a["m"] == b["m"] and a["m"].process == Deterministic(120.0)
    assert a.name == "a" and a.unbounded_storage == 1000  # name defaults to the file's stem


def test_a_new_element_kind_needs_no_parsing_code(tmp_path, monkeypatch):
    """Kinds declare the dimensions of their fields; the reader converts them generically."""

    @dataclass(kw_only=True)
    class Conveyor(Element):
        length: float
        speed: float
        transfer: Distribution | None = None
        routing: str = "probability"
        kind: ClassVar[str] = "conveyor"
        field_units: ClassVar[dict[str, str]] = {"length": "length", "speed": "speed"}

    monkeypatch.setitem(KINDS, "conveyor", Conveyor)
    text = scene_text(machine="process = 30").replace('lines = [["in", "m", "out"]]',
                                                      'lines = [["in", "c", "m", "out"]]')
    text += '[elements.c]\nkind = "conveyor"\nlength = "1200 mm"\nspeed = "30 m/min"\ntransfer = "2 s"\n'
    s = load_scene(write(tmp_path, text))
    c = s.plant["c"]
    assert (c.length, c.speed, c.transfer) == (1.2, 0.5, Deterministic(2.0))
    again = load_scene(save_scene(s.plant, tmp_path / "again.toml"))
    assert_same_plant(s.plant, again.plant)
    with pytest.raises(SceneError, match=r"element 'c', key 'speed': '3 m' is a length, but a speed"):
        load_scene(write(tmp_path, text.replace('"30 m/min"', '"3 m"')))
    with pytest.raises(SceneError, match=r"key 'lenght'.*did you mean 'length'"):
        load_scene(write(tmp_path, text.replace("length =", "lenght =")))


# ---- bad input ----------------------------------------------------------------------------------
def bad(tmp_path, text: str, *fragments: str, name="bad.toml") -> SceneError:
    path = write(tmp_path, text, name)
    with pytest.raises(SceneError) as info:
        load_scene(path)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert msg.startswith(str(path)), msg
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return info.value


REWORK = """
lines = [["in", "q", "m", "insp"]]
[elements.in]
kind = "source"
interarrival = { dist = "exponential", mean = 60 }
[elements.q]
kind = "buffer"
[elements.m]
kind = "machine"
process = 40
[elements.insp]
kind = "machine"
process = 10
[elements.out]
kind = "sink"
[[connect]]
from = "insp"
to = "out"
probability = 0.85
[[connect]]
from = "insp"
to = "q"
probability = 0.1
"""


def test_rework_template_is_valid(tmp_path):
    ok = REWORK.replace("probability = 0.85", "probability = 0.9")
    assert load_scene(write(tmp_path, ok)).plant.routing_probabilities("insp") == [0.9, 0.1]


@pytest.mark.parametrize("text, fragments", [
    # malformed TOML, with line and column from tomllib
    ('[elements.m\nkind = "machine"', ["invalid TOML at line 1, column", "Expected ']'"]),
    ('[elements.m]\nkind = "machine\n', ["invalid TOML at line 2, column"]),
    # duplicate element names (TOML itself rejects the second table)
    (scene_text() + '[elements.m]\nkind = "machine"\nprocess = 3\n',
     ["element 'm', key 'name'", "duplicate element name", "[elements.m] is declared a second time at line"]),
    (scene_text(machine='process = 30\nprocess = 40'), ["element 'm', key 'process'", "set twice", "line 13"]),
    (scene_text() + '[study]\nseed = 2\n', ["key 'study'", "[study] is declared a second time"]),
    # unknown keys, with the nearest valid one
    (scene_text().replace("[plant]", "[plan]"), ["key 'plan'", "did you mean 'plant'", "allowed: plant, study"]),
    (scene_text(plant='time_units = "s"'), ["key 'plant.time_units'", "did you mean 'time_unit'"]),
    (scene_text(study="replica = 3"), ["key 'study.replica'", "did you mean 'replicas'"]),
    (scene_text(machine="proces = 30"), ["element 'm', key 'proces'", "did you mean 'process'", "allowed: kind,"]),
    (scene_text(machine='process = { dist = "lognormal", mean = 45, cvv = 0.3 }'),
     ["element 'm', key 'process.cvv'", "did you mean 'cv'", "allowed: mean, cv"]),
    (scene_text(machine="process = 3\nfailures = { tbff = 3600, ttr = 60 }"),
     ["element 'm', key 'failures.tbff'", "did you mean 'tbf'"]),
    (scene_text() + 'lines = [["in", "out"]]\n', ["element 'out', key 'lines'", "top-level key", "before the first"]),
    (scene_text() + '[m2]\nkind = "machine"\n', ["element 'm2'", "[elements.m2]"]),
    # unknown kind / distribution, missing keys
    (scene_text().replace('kind = "machine"', 'kind = "machne"'), ["element 'm', key 'kind'", "did you mean 'machine'",
                                                                   "allowed: source, machine, buffer, sink"]),
    (scene_text().replace('kind = "machine"', ""), ["element 'm', key 'kind'", "needs a 'kind'"]),
    (scene_text(machine="servers = 2"), ["element 'm', key 'process'", "a machine needs 'process'"]),
    (scene_text(machine='process = { dist = "lognormall", mean = 45, cv = 0.3 }'),
     ["element 'm', key 'process.dist'", "unknown distribution 'lognormall'", "did you mean 'lognormal'"]),
    (scene_text(machine="process = { mean = 45 }"), ["element 'm', key 'process.dist'", "needs 'dist'"]),
    (scene_text(machine='process = { dist = "gamma", mean = 45 }'), ["element 'm', key 'process.cv'", "needs 'cv'"]),
    # wrong types
    (scene_text(machine='process = 30\nservers = "2"'), ["element 'm', key 'servers'", "must be an integer, got string '2'"]),
    (scene_text() + '[elements.b]\nkind = "buffer"\ncapacity = 2.5\n',
     ["element 'b', key 'capacity'", "must be an integer, got float 2.5"]),
    (scene_text(machine='process = "fast"'), ["element 'm', key 'process'", "'fast' is not a time"]),
    (scene_text(machine='process = { dist = "lognormal", mean = 45, cv = "0.3" }'),
     ["element 'm', key 'process.cv'", "must be a number, got str '0.3'"]),
    (scene_text(machine="process = [30]"), ["element 'm', key 'process'", "must be a duration", "got array [30]"]),
    (scene_text(machine='process = 30\nposition = "left"'), ["element 'm', key 'position'", "array of lengths"]),
    (scene_text(machine="process = 30\nrouting = 1"), ["element 'm', key 'routing'", "must be a string"]),
    (scene_text(machine='process = 30\nrouting = "shortest_queue"'),
     ["element 'm', key 'routing'", "must be one of probability, first_available"]),
    (scene_text(machine='process = 3\nfailures = { tbf = 3600, ttr = 60, mode = "calendar" }'),
     ["element 'm', key 'failures.mode'", "must be one of time, operation"]),
    (scene_text(machine="process = 3\nfailures = 5"), ["element 'm', key 'failures'", "must be a table"]),
    (scene_text(plant='unbounded_storage = "big"'), ["key 'plant.unbounded_storage'", "must be an integer >= 1"]),
    (scene_text(study="replicas = 0"), ["key 'study.replicas'", "integer >= 1"]),
    (scene_text(study='device = 0'), ["key 'study.device'", "device name"]),
    # units
    (scene_text(machine='process = "5 m"'), ["element 'm', key 'process'", "'5 m' is a length, but a time is needed",
                                             "minutes are 'min'", "time units: ms, s, min, h"]),
    (scene_text(machine='process = "3 parsecs"'), ["element 'm', key 'process'", "unknown unit 'parsecs'",
                                                   "time units: ms, s, min, h"]),
    (scene_text(machine='process = 30\nposition = [0, "5 s", 0]'), ["element 'm', key 'position[1]'",
                                                                   "'5 s' is a time, but a length is needed"]),
    (scene_text(machine='process = "45"'), ["element 'm', key 'process'", "has no unit"]),
    (scene_text(plant='time_unit = "m"'), ["key 'plant.time_unit'", "'m' is a length unit", "allowed: ms, s, min, h"]),
    (scene_text(plant='length_unit = "inch"'), ["key 'plant.length_unit'", "allowed: mm, cm, m"]),
    # negative times
    (scene_text(machine="process = -5"), ["element 'm', key 'process'", "must not be negative"]),
    (scene_text(source='interarrival = { dist = "exponential", mean = "-2 min" }'),
     ["element 'in', key 'interarrival.mean'", "must not be negative", "-2 min"]),
    (scene_text(machine='process = 3\nfailures = { tbf = "8 h", ttr = { dist = "lognormal", mean = "-1 h", cv = 1 } }'),
     ["element 'm', key 'failures.ttr.mean'", "must not be negative"]),
    (scene_text(machine="process = 0"), ["element 'm', key 'process'", "positive"]),
    (scene_text(study="warmup = -60"), ["key 'study.warmup'", "must not be negative"]),
    (scene_text(study='horizon = "1 h"\nwarmup = "2 h"'), ["key 'study.warmup'", "shorter than the horizon"]),
    # routing probabilities
    (REWORK, ["element 'insp', key 'probability'", "sum to 0.95, not 1"]),
    (REWORK.replace("probability = 0.85", "probability = 1.5"), ["element 'insp', key 'connect[0].probability'",
                                                                 "must be in (0, 1]"]),
    (REWORK.replace("probability = 0.85", 'probability = "85%"'), ["element 'insp', key 'connect[0].probability'",
                                                                   "must be a number"]),
    (REWORK.replace('to = "q"\n', 'to = "q"\nweight = 2\n'), ["element 'insp', key 'connect[1].weight'",
                                                             "allowed: from, to, probability"]),
    # connections to missing elements
    (scene_text().replace('["in", "m", "out"]', '["in", "mm", "out"]'),
     ["element 'mm', key 'lines[0]'", "no element named 'mm'", "did you mean 'm'"]),
    (REWORK.replace('to = "out"', 'to = "ou"'), ["element 'ou', key 'connect[0]'", "did you mean 'out'"]),
    (scene_text().replace('["in", "m", "out"]', '["in", "m", "out", "m"]'), ["element 'out', key 'lines[0]'",
                                                                             "a sink has no outputs"]),
    (scene_text().replace('[["in", "m", "out"]]', '"in -> m -> out"'), ["key 'lines'", "array of chains"]),
    # unreachable elements, dead ends
    (scene_text() + '[elements.spare]\nkind = "machine"\nprocess = 3\n',
     ["element 'spare'", "this machine has no input"]),
    (scene_text().replace('["in", "m", "out"]', '["in", "m", "out"], ["q", "m2", "q"]')
     + '[elements.q]\nkind = "buffer"\n[elements.m2]\nkind = "machine"\nprocess = 3\n',
     ["element 'q'", "unreachable: no path from any Source"]),
    (scene_text().replace('["in", "m", "out"]', '["in", "m", "out"], ["m", "q", "m2", "q"]')
     + '[elements.q]\nkind = "buffer"\n[elements.m2]\nkind = "machine"\nprocess = 3\n',
     ["element 'm'", "routes to 2 successors by probability"]),
    (scene_text().replace('["in", "m", "out"]', '["in", "m", "out"], ["m", "q", "m2", "q"]')
     .replace('kind = "machine"', 'kind = "machine"\nrouting = "first_available"', 1)
     + '[elements.q]\nkind = "buffer"\n[elements.m2]\nkind = "machine"\nprocess = 3\n',
     ["element 'q'", "dead end: no path from here leads to any Sink"]),
    (scene_text().replace('kind = "sink"', 'kind = "buffer"'), ["the plant has no Sink"]),
])
def test_bad_input_raises_one_clear_scene_error(tmp_path, text, fragments):
    bad(tmp_path, text, *fragments)


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(SceneError, match=r"nope\.toml: cannot read the scene file"):
        load_scene(tmp_path / "nope.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes('[plant]\nname = "Fräse"\n'.encode("latin-1"))
    with pytest.raises(SceneError, match="not UTF-8"):
        load_scene(path)


def test_scene_error_is_a_plant_error_with_location(tmp_path):
    err = bad(tmp_path, scene_text(machine='process = { dist = "exp", mean = "5 m" }'), "key 'process.mean'")
    from twin import PlantError
    assert isinstance(err, PlantError)
    assert (err.file, err.element, err.key) == (str(tmp_path / "bad.toml"), "m", "process.mean")


def test_save_checks_study_keys_and_the_plant(tmp_path):
    plant = load_scene(scene_path("balanced_line")).plant
    with pytest.raises(SceneError, match=r"key 'study.replica'.*did you mean 'replicas'"):
        save_scene(plant, tmp_path / "x.toml", replica=3)
    with pytest.raises(SceneError, match=r"key 'study.horizon'.*positive"):
        save_scene(plant, tmp_path / "x.toml", horizon=0)
    broken = Plant("broken")
    broken.add(Source("in"), Sink("out"))
    from twin import PlantError
    with pytest.raises(PlantError, match="no output"):
        save_scene(broken, tmp_path / "y.toml")
    assert not (tmp_path / "y.toml").exists()
