"""twin: the digital twin of a manufacturing line, simulated in batched NVIDIA Warp kernels."""

__version__ = "0.1.0"

import warp as _wp

# No Warp start-up banner in twin's output (lower warp.config.log_level again to see it).
_wp.config.log_level = max(_wp.config.log_level, _wp.LOG_WARNING)

from .distributions import (Deterministic, Distribution, Empirical, Erlang, Exponential, Gamma,
                            LogNormal, TruncatedNormal, Triangular, Uniform, Weibull)
from .elements import Buffer, Conveyor, Element, Failures, Machine, Sink, Source
from .errors import CapacityLoopWarning, DeadlockError, PlantError, SceneError, SimulationError, TwinError
from .plant import Plant

__all__ = [
    "__version__", "Plant", "Source", "Machine", "Buffer", "Sink", "Conveyor", "Element", "Failures",
    "Distribution", "Deterministic", "Exponential", "Uniform", "Triangular", "TruncatedNormal",
    "LogNormal", "Gamma", "Erlang", "Weibull", "Empirical",
    "TwinError", "PlantError", "SceneError", "SimulationError", "DeadlockError", "CapacityLoopWarning",
]
from .recording import Recorded, Recording
from .results import KPI, Results
from .simulator import Simulator, StudyError, simulate

__all__ += ["KPI", "Results", "Recorded", "Recording", "Simulator", "StudyError", "simulate"]
from .scene import Scene, load_scene, save_scene
from .equipment.robot import DH, Robot, Task

__all__ += ["Scene", "load_scene", "save_scene", "Robot", "Task", "DH"]
from .equipment.cluster_tool import ClusterTool, ProcessStep

__all__ += ["ClusterTool", "ProcessStep"]
