"""py.typed (PEP 561) and the JSON Schema of scene files generated from the element specs."""

import json
import tomllib
from pathlib import Path

import pytest

import twin
from twin.scene_schema import scene_schema
from twin.scenes import bundled, scene_path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "docs" / "scene.schema.json"


def test_the_package_is_marked_typed():
    assert (Path(twin.__file__).parent / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["twin"]  # shipped in wheels too


def test_the_bundled_schema_is_the_generated_one():
    assert json.loads(SCHEMA_FILE.read_text()) == scene_schema(), \
        "regenerate it: python -m twin.scene_schema docs/scene.schema.json"


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = scene_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", bundled())
def test_every_bundled_scene_matches_the_schema(validator, name):
    doc = tomllib.loads(scene_path(name).read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(doc)] == []


@pytest.mark.parametrize("edit", [
    ('kind = "machine"', 'kind = "machin"'),                       # unknown kind
    ('process = { dist = "lognormal"', 'proces = { dist = "lognormal"'),  # unknown key
    ('dist = "lognormal", mean = "40 s", cv = 0.2', 'dist = "lognormal", mean = "40 s", cvv = 0.2'),  # parameter
    ('dist = "exponential"', 'dist = "exponentail"'),              # unknown distribution
    ('[study]\n', '[study]\nreplica = 3\n'),                       # unknown study key
    ('capacity = 5', 'capacity = "five"'),                         # wrong type
])
def test_the_schema_flags_what_the_reader_refuses(validator, edit, tmp_path):
    text = scene_path("unbalanced_rework").read_text(encoding="utf-8")
    assert edit[0] in text
    bad = text.replace(edit[0], edit[1], 1)
    assert list(validator.iter_errors(tomllib.loads(bad)))
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(twin.SceneError):  # the reader, the authority, refuses it too
        twin.load_scene(path)
