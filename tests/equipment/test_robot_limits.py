"""Robot limits with the same shapes and units in Python and in scene files (issue 16.4): one value
for all joints, with units (twin/equipment/robot.py)."""

import math
import re

import pytest

import twin
from twin.scenes import scene_path


def _arm(**limits):
    return twin.Robot("arm", dh=twin.DH(a=(1.2, 0.5), alpha=(0.0, 0.0), d=(0.8, 0.0)),
                      tasks=[twin.Task("a", "b", (1.0, 0.0, 0.8), (0.0, 1.0, 0.8))], **limits)


def test_robot_limits_take_one_value_for_all_joints_with_units_in_python():
    a = _arm(max_velocity="120 deg/s", max_acceleration="300 deg/s^2")
    b = _arm(max_velocity=[math.radians(120)] * 2, max_acceleration=[math.radians(300)] * 2)
    assert a.max_velocity == pytest.approx(b.max_velocity, rel=1e-15)
    assert a.max_acceleration == pytest.approx(b.max_acceleration, rel=1e-15)
    c = _arm(max_velocity=["120 deg/s", 2.0], max_acceleration=5.0)
    assert c.max_velocity == pytest.approx((math.radians(120), 2.0), rel=1e-15)
    with pytest.raises(twin.PlantError, match=r"element 'arm', key 'max_velocity\[0\]'.*angular_speed"):
        _arm(max_velocity="120 deg", max_acceleration=5.0)


def test_robot_limits_take_one_value_for_all_joints_in_toml_as_in_python(tmp_path):
    text = scene_path("electronics_assembly").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^max_velocity = \[.*$', 'max_velocity = "120 deg/s"', text)
    text = re.sub(r'(?m)^max_acceleration = \[.*$', 'max_acceleration = "300 deg/s^2"', text)
    path = tmp_path / "one_value.toml"
    path.write_text(text, encoding="utf-8")
    rob = twin.load_scene(path).plant["test_cell_robot"]
    assert rob.max_velocity == pytest.approx((math.radians(120),) * 6, rel=1e-15)
    assert rob.max_acceleration == pytest.approx((math.radians(300),) * 6, rel=1e-15)
