"""Studies at scale: designed experiments over any plant parameter, selection of the best
design with a statistical guarantee, optimisation, warm-up detection, Parquet results, plots,
and the same study on a Ray cluster. See the README, "Studies".

Names load on first use, so that ``twin.study.cli`` (the ``twin study`` command) imports
nothing heavy until a study runs.
"""

from importlib import import_module

_NAMES = {
    "Experiment": "experiment", "StudyResult": "experiment",
    "FactorError": "paths", "valid_paths": "paths",
    "full_factorial": "designs", "latin_hypercube": "designs",
    "Selection": "selection", "rinott_h": "selection", "select_best": "selection",
    "Warmup": "warmup", "detect_warmup": "warmup",
    "optimize": "search", "Optimum": "search",
    "ClusterError": "cluster",
    "read": "store",
}
__all__ = [*_NAMES, "run"]


def __getattr__(name):
    if name in _NAMES:
        return getattr(import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'twin.study' has no attribute {name!r}")


def run(plant, factors: dict, responses=("throughput",), *, design=None, points: int = 10, baseline=0,
        **settings):
    """``Experiment(plant, factors, responses, design, points, baseline).run(**settings)``:
    ``cluster=None`` runs here, ``"local-ray"`` or ``"ray://host:10001"`` on Ray."""
    from .experiment import Experiment
    return Experiment(plant, factors, responses, design=design, points=points, baseline=baseline).run(**settings)
