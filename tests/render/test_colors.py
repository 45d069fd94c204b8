"""Per-element KPI values from results (object, dict, JSON file, mapping) and colour ranges."""

import json

import pytest

from twin.errors import TwinError
from twin.render.colors import bottleneck_of, color_map, color_range, format_value, kpi_values

RESULTS = {
    "schema": "twin.results/1", "plant": "p", "bottleneck": {"element": "m2", "method": "active-period", "share": 1.0},
    "throughput_per_hour": {"mean": 50.0, "ci95": 1.0},
    "elements": {
        "src": {"kind": "source", "blocked": {"mean": 0.1, "ci95": 0.01}},
        "m1": {"kind": "machine", "utilization": {"mean": 0.5, "ci95": 0.01}, "down": {"mean": 0.02, "ci95": 0.0}},
        "m2": {"kind": "machine", "utilization": {"mean": 0.9, "ci95": 0.01}, "down": {"mean": 0.07, "ci95": 0.0}},
        "q": {"kind": "buffer", "queue": {"mean": 2.5, "ci95": 0.1}},
    },
}


def test_values_from_a_results_dict_and_a_json_file(tmp_path):
    assert kpi_values(RESULTS, "utilization") == {"m1": 0.5, "m2": 0.9}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RESULTS))
    assert kpi_values(path, "down") == {"m1": 0.02, "m2": 0.07}
    assert kpi_values(str(path), "queue") == {"q": 2.5}
    assert bottleneck_of(path) == "m2"


def test_values_from_a_mapping_such_as_health():
    assert kpi_values({"m1": 0.8, "m2": 0.3}, "health") == {"m1": 0.8, "m2": 0.3}
    assert kpi_values({"m1": {"health": 0.8}}, "health") == {"m1": 0.8}


def test_unknown_kpi_names_the_available_ones():
    with pytest.raises(TwinError, match="available: blocked, down, queue, utilization"):
        kpi_values(RESULTS, "utilisation")


def test_ranges_and_maps():
    assert color_range("utilization", {"a": 0.93}) == (0.0, 1.0)
    assert color_range("down", {"a": 0.07, "b": 0.0}) == (0.0, 0.1)   # small shares still show
    assert color_range("down", {"a": 0.07}, clim=(0, 1)) == (0.0, 1.0)
    assert color_range("queue", {"a": 2.0, "b": 5.0}) == (2.0, 5.0)
    assert color_map("down") == "YlOrRd" and color_map("health") == "RdYlGn"
    assert format_value("utilization", 0.874) == "87%" and format_value("queue", 2.345) == "2.35"
