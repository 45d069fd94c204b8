"""Warp kernels of twin (installed as ``twin.kernels``).

Warp code only: ``@wp.kernel``, ``@wp.func`` and ``@wp.struct``; nothing here imports twin's
Python layer. The same kernels run on ``cpu`` and ``cuda``.
"""
