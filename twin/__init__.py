"""twin: the digital twin of a manufacturing line, simulated in batched NVIDIA Warp kernels.

Everything a script needs is importable from ``twin`` (listed once, in ``_EXPORTS``); each name is
loaded from its submodule on first use, so ``import twin`` and ``twin --help`` load neither Warp
nor numpy. The plant layer (elements, distributions, Plant, scenes) never loads Warp; ``simulate``,
``Results`` and the equipment kinds do.

    import twin
    plant = twin.Plant("line")
    ...
    res = twin.simulate(plant, replicas=100, horizon=8 * 3600)
"""

from __future__ import annotations

__version__ = "0.1.0"

# public name -> submodule that defines it (the only list of twin's top-level API)
_EXPORTS = {
    # plant: element kinds and the plant graph (no Warp)
    "Plant": "plant", "Element": "elements", "Source": "elements", "Machine": "elements",
    "Buffer": "elements", "Sink": "elements", "Conveyor": "elements", "Failures": "elements",
    # equipment kinds (their modules load Warp)
    "Robot": "equipment.robot", "Task": "equipment.robot", "DH": "equipment.robot",
    "ClusterTool": "equipment.cluster_tool", "ProcessStep": "equipment.cluster_tool",
    # distributions of times (no Warp)
    "Distribution": "distributions", "Deterministic": "distributions", "Exponential": "distributions",
    "Uniform": "distributions", "Triangular": "distributions", "TruncatedNormal": "distributions",
    "LogNormal": "distributions", "Gamma": "distributions", "Erlang": "distributions",
    "Weibull": "distributions", "Empirical": "distributions",
    # scene files (no Warp until a scene names an equipment kind)
    "Scene": "scene", "load_scene": "scene", "save_scene": "scene",
    # running and results (Warp)
    "simulate": "simulator", "Simulator": "simulator", "StudyError": "simulator",
    "Results": "results", "KPI": "results", "Recording": "recording", "Recorded": "recording",
    # the live twin: snapshots and forecasts (twin.live)
    "Snapshot": "live.snapshot", "forecast": "live.forecast",
    # errors
    "TwinError": "errors", "PlantError": "errors", "SceneError": "errors", "SimulationError": "errors",
    "UnitError": "errors", "DeadlockError": "errors", "CapacityLoopWarning": "errors",
}
# documented submodules, reachable as attributes after ``import twin`` (twin.maintenance, ...)
_SUBMODULES = ("units", "errors", "distributions", "elements", "plant", "scene", "model", "simulator",
               "results", "recording", "stats", "equipment", "maintenance", "render", "reference",
               "scenes", "kernels", "live")

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    import importlib
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:  # an element class of a registered kind (twin/kernels/registry.py), e.g. twin.Delay
        from .elements import KINDS
        value = next((cls for cls in KINDS.values() if cls.__name__ == name and name[:1].isupper()), None)
        if value is None:
            raise AttributeError(f"module 'twin' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})
