"""Studies at scale: designed experiments over any plant parameter, selection of the best
design with a statistical guarantee, optimisation, warm-up detection, Parquet results, and the
same study on a Ray cluster. See the README, "Studies"."""

from .designs import full_factorial, latin_hypercube
from .experiment import Experiment, StudyResult
from .paths import FactorError, valid_paths
from .selection import Selection, rinott_h, select_best
from .warmup import Warmup, detect_warmup

__all__ = ["Experiment", "StudyResult", "FactorError", "valid_paths", "full_factorial", "latin_hypercube", "run",
           "Selection", "rinott_h", "select_best", "Warmup", "detect_warmup"]


def run(plant, factors: dict, responses=("throughput",), *, design=None, points: int = 10, baseline=0,
        **settings) -> StudyResult:
    """``Experiment(plant, factors, responses, design, points, baseline).run(**settings)``."""
    return Experiment(plant, factors, responses, design=design, points=points, baseline=baseline).run(**settings)
