"""The study table reads at a glance: natural units in labels, a services column, and a flag on
a preventive policy that never triggered (issue 16 item 7)."""

import pytest

import twin
from twin.maintenance import Policy, compare, sweep
from twin.maintenance.study import natural_duration
from twin.scenes import scene_path


@pytest.mark.parametrize("seconds, text", [(172800, "48 h"), (3600, "1 h"), (5400, "90 min"), (600, "10 min"),
                                           (45, "45 s"), (0.5, "0.5 s"), (9000, "2.5 h")])
def test_durations_in_the_unit_a_person_types(seconds, text):
    assert natural_duration(seconds) == text


def test_labels_services_and_a_policy_that_never_triggered():
    plant = twin.load_scene(scene_path("press_shop")).plant
    study = compare(plant, [Policy.run_to_failure(), Policy.time_based(40 * 3600), Policy.time_based(2000 * 3600)],
                    replicas=4, horizon=3 * 86400.0, warmup=0.0, seed=4)
    assert [s.label for s in study.scenarios] == ["run_to_failure", "time_based(40 h)", "time_based(2000 h)"]
    table = study.table()
    head = table.splitlines()[1]
    assert "services" in head
    rows = {s.label: line for s in study.scenarios for line in table.splitlines() if line.strip().startswith(s.label)}
    # 2000 h cannot come due within 3 days: no service anywhere, flagged; 40 h services, not flagged
    assert study.scenarios[2].kpis["services"]["mean"] == 0 and "time_based(2000 h) !" in rows["time_based(2000 h)"]
    assert study.scenarios[1].kpis["services"]["mean"] > 0 and " !" not in rows["time_based(40 h)"]
    assert " !" not in rows["run_to_failure"]
    assert "never triggered within the horizon" in table


def test_sweep_labels_are_in_hours():
    plant = twin.load_scene(scene_path("press_shop")).plant
    study = sweep(plant, "time_based", [48 * 3600, 96 * 3600], replicas=2, horizon=86400.0, warmup=0.0)
    assert [s.label for s in study.scenarios] == ["run_to_failure", "time_based(48 h)", "time_based(96 h)"]
