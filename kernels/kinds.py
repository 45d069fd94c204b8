"""The registered kinds with their kernel hooks: each entry of kernels/registry.py joined with the
``HOOKS`` of its kernel module (kernels/hooks.py), in registry (dispatch) order."""

import importlib

from .hooks import Kind
from .registry import CREW as _CREW
from .registry import KINDS as ENTRIES

KINDS = [Kind.of(e, importlib.import_module(f".{e.kernel}", __package__).HOOKS) for e in ENTRIES]
CREW = next(k for k in KINDS if k.name == _CREW)
