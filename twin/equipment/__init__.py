"""Equipment element kinds beyond the queueing core: robot arms and wafer-handling cluster tools.

Each kind's module holds its element spec (registered with ``twin.elements.register_kind``) and
the hooks the simulator calls: ``compile_params`` (Model), ``new_state`` (State), ``KPIS`` and
``kpis`` (Results) and ``Recorder`` (recordings).
"""

from . import cluster_tool, robot  # noqa: F401  (registers the kinds)
