"""Element kinds beyond the queueing core: robot arms, wafer-handling cluster tools, delays.

Each kind's module holds its element spec (registered with ``twin.elements.register_kind``; the
kind registry, twin/kernels/registry.py, names the module) and what the rest of twin asks the
kind: ``compile_params`` (Model), ``state_dims`` (State table sizes), ``KPIS``/``kpis`` (Results),
``Recorder`` (recordings). See docs/architecture.md.
"""

from . import cluster_tool, robot  # noqa: F401  (registers the kinds; twin.elements.KINDS also loads them on demand)
