"""Warp kernels of twin (installed as ``twin.kernels``).

Warp code only: ``@wp.kernel``, ``@wp.func`` and ``@wp.struct``; nothing here imports twin's
Python layer. The same kernels run on ``cpu`` and ``cuda``.
"""

import warp as _wp

# No Warp start-up banner in twin's output (lower warp.config.log_level again to see it). Set here
# because every Warp user in twin imports twin.kernels before Warp initialises.
_wp.config.log_level = max(_wp.config.log_level, _wp.LOG_WARNING)
