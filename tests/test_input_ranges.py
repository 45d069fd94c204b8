"""Values that cannot be simulated are refused before any kernel runs, naming file, element and
key, with the allowed range (issue 11 item 6)."""

import numpy as np
import pytest

import twin
from twin import Buffer, Exponential, Machine, Plant, Sink, Source
MAX_COUNT = 2 ** 31 - 1  # the largest int32: the simulator keeps counts in 32-bit tables

SCENE = """\
[plant]
name = "probe"
{plant}

[study]
{study}

[elements.src]
kind = "source"
interarrival = {{ dist = "exponential", mean = 60 }}

[elements.q]
kind = "buffer"
{buffer}

[elements.m]
kind = "machine"
servers = {servers}
process = {{ dist = "exponential", mean = 50 }}

[elements.out]
kind = "sink"

[[connect]]
from = "src"
to = "q"
[[connect]]
from = "q"
to = "m"
[[connect]]
from = "m"
to = "out"
"""


def scene_file(tmp_path, plant="", study="", buffer="capacity = 5", servers=1):
    f = tmp_path / "probe.toml"
    f.write_text(SCENE.format(plant=plant, study=study, buffer=buffer, servers=servers))
    return f


@pytest.mark.parametrize("kwargs, where", [
    ({"buffer": "capacity = 9999999999"}, "element 'q', key 'capacity'"),
    ({"servers": 3000000000}, "element 'm', key 'servers'"),
    ({"plant": "unbounded_storage = 10000000000"}, "key 'plant.unbounded_storage'"),
])
def test_counts_beyond_the_32_bit_tables_name_file_element_key_and_range(tmp_path, kwargs, where):
    f = scene_file(tmp_path, **kwargs)
    with pytest.raises(twin.SceneError) as exc:
        twin.load_scene(f)
    msg = str(exc.value)
    assert msg.startswith(str(f)) and where in msg and str(MAX_COUNT) in msg


def test_the_largest_count_that_fits_is_accepted(tmp_path):
    assert twin.load_scene(scene_file(tmp_path, plant=f"unbounded_storage = {MAX_COUNT}")).plant.unbounded_storage \
        == MAX_COUNT
    with pytest.raises(twin.PlantError, match=str(MAX_COUNT)):
        Buffer("q", capacity=MAX_COUNT + 1)
    with pytest.raises(twin.PlantError, match=str(MAX_COUNT)):
        Machine("m", process=Exponential(1), servers=MAX_COUNT + 1)
    with pytest.raises(twin.PlantError, match=str(MAX_COUNT)):
        Plant("p", unbounded_storage=MAX_COUNT + 1)


def test_places_that_add_up_beyond_the_tables_are_refused_naming_the_largest():
    p = Plant("p")
    p.add(Source("in", interarrival=Exponential(60)), Buffer("big", capacity=MAX_COUNT - 1),
          Buffer("small", capacity=5), Machine("m", process=Exponential(50)), Sink("out"))
    p.line("in", "big", "small", "m", "out")
    with pytest.raises(twin.PlantError) as exc:
        p.validate()
    assert exc.value.element == "big" and str(MAX_COUNT) in str(exc.value)


def test_an_infinite_horizon_names_the_file_and_key(tmp_path):
    f = scene_file(tmp_path, study="horizon = inf")
    with pytest.raises(twin.SceneError) as exc:
        twin.load_scene(f)
    assert str(exc.value).startswith(f"{f}, key 'study.horizon'") and "finite" in str(exc.value)


def test_dt_with_a_unit_is_read_like_every_other_duration(tmp_path):
    scene = twin.load_scene(scene_file(tmp_path, study='dt = "100 ms"\nhorizon = "2 min"'))
    assert scene.study["dt"] == pytest.approx(0.1, rel=0, abs=1e-15)
    res = scene.simulate(replicas=2, warmup=0.0)
    assert res.meta["dt_s"] == scene.study["dt"] and res.meta["steps"] == 1200


@pytest.mark.parametrize("seed", [2 ** 63, 2 ** 64, -1])
def test_seeds_outside_0_to_2_63_are_refused(tmp_path, seed):
    with pytest.raises(twin.SceneError, match="study.seed"):
        twin.load_scene(scene_file(tmp_path, study=f"seed = {seed}"))
    plant = twin.load_scene(scene_file(tmp_path)).plant
    with pytest.raises(twin.StudyError, match="seed"):
        twin.simulate(plant, replicas=2, horizon=60.0, seed=seed)


def test_the_largest_seed_runs(tmp_path):
    plant = twin.load_scene(scene_file(tmp_path)).plant
    res = twin.simulate(plant, replicas=2, horizon=600.0, seed=2 ** 63 - 1)
    assert res.meta["seed"] == 2 ** 63 - 1


@pytest.mark.parametrize("what", ["scene.toml", None, 42])
def test_simulate_needs_a_plant(what):
    with pytest.raises(twin.TwinError, match="needs a twin.Plant") as exc:
        twin.simulate(what)
    if isinstance(what, str):
        assert "load_scene('scene.toml')" in str(exc.value)


def test_numpy_scalars_are_the_numbers_they_show(tmp_path):
    """np.float32(0.1) is the time step 0.1 (its shortest repr), so the run is the one with dt=0.1."""
    plant = twin.load_scene(scene_file(tmp_path)).plant
    ref = twin.simulate(plant, replicas=4, horizon=1800.0, dt=0.1, seed=3)
    for dt in (np.float32(0.1), np.float64(0.1)):
        res = twin.simulate(plant, replicas=np.int64(4), horizon=np.float32(1800), dt=dt, seed=np.uint32(3))
        assert res.meta["dt_s"] == 0.1 and res.meta["steps"] == ref.meta["steps"]
        assert res.throughput.mean == ref.throughput.mean
