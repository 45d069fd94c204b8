"""Robot arms (stub: the hooks the simulator calls, to be filled in by the robot work)."""

from __future__ import annotations

import numpy as np
import warp as wp

from ..kernels.robot_layout import RobotParams, RobotState

KIND = "robot"
KPIS: tuple[str, ...] = ()


def compile_params(plant, names: list[str], dt: float, device: str) -> RobotParams:
    p = RobotParams()
    p.index = wp.array(np.full(max(len(names), 1), -1, np.int32), dtype=wp.int32, device=device)
    return p


def new_state(model, replicas: int) -> RobotState:
    st = RobotState()
    st.i64 = wp.zeros((replicas, 1, 1), dtype=wp.int64, device=model.device)
    return st


def kpis(model, arrays: dict, i: int, window_steps: float, window_s: float) -> dict:
    return {}


class Recorder:
    """Frames of the robots of one replica (none until robots land)."""

    def __init__(self, model, steps: np.ndarray):
        self.model = model

    def snapshot(self, kmodel, state, replica: int, frame: int, step: int) -> None:
        pass

    def finish(self) -> dict:
        return {}
