"""Wafer-handling cluster tools (stub: the hooks the simulator calls, to be filled in by the
cluster-tool work)."""

from __future__ import annotations

import numpy as np
import warp as wp

from ..kernels.tool_layout import ToolParams, ToolState

KIND = "cluster_tool"
KPIS: tuple[str, ...] = ()


def compile_params(plant, names: list[str], dt: float, device: str) -> ToolParams:
    p = ToolParams()
    p.index = wp.array(np.full(max(len(names), 1), -1, np.int32), dtype=wp.int32, device=device)
    return p


def new_state(model, replicas: int) -> ToolState:
    st = ToolState()
    st.i64 = wp.zeros((replicas, 1, 1), dtype=wp.int64, device=model.device)
    return st


def kpis(model, arrays: dict, i: int, window_steps: float, window_s: float) -> dict:
    return {}


class Recorder:
    """Frames of the cluster tools of one replica (none until they land)."""

    def __init__(self, model, steps: np.ndarray):
        self.model = model

    def snapshot(self, kmodel, state, replica: int, frame: int, step: int) -> None:
        pass

    def finish(self) -> dict:
        return {}
