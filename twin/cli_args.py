"""Argument types of the ``twin`` command line, shared by twin.cli and its subcommand modules.

A module of its own so that subcommand modules (twin/export/cli.py, twin/study/cli.py, ...) can
use them without importing twin.cli, which imports them: the import graph stays acyclic.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from . import units
from .errors import TwinError


def duration(text: str) -> float:
    """argparse type for durations: ``twin.units.duration``, its message kept ('8h', '30 min', '45s', '120')."""
    try:
        return units.duration(text)
    except TwinError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


MAX_SEED = 2 ** 63          # seeds are in [0, 2**63): the same range the library accepts
MAX_COUNT = 2 ** 31 - 1     # replicas and other counts live in 32-bit tables


def _finite(seconds: float, text: str) -> float:
    if not math.isfinite(seconds):
        raise argparse.ArgumentTypeError(f"not a finite duration: {text!r}")
    return seconds


def positive_duration(text: str) -> float:
    """A duration > 0 (horizon, time step, frame interval)."""
    seconds = _finite(duration(text), text)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be a positive duration, got {text!r}")
    return seconds


def nonnegative_duration(text: str) -> float:
    """A duration >= 0 (warm-up)."""
    return _finite(duration(text), text)


def _integer(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be an integer from {low} to {high}, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{what} must be an integer from {low} to {high}, got {value}")
    return value


def count(text: str) -> int:
    """An integer >= 1 (replicas)."""
    return _integer(text, 1, MAX_COUNT, "a count")


def index(text: str) -> int:
    """An integer >= 0 (a replica number)."""
    return _integer(text, 0, MAX_COUNT - 1, "an index")


def seed(text: str) -> int:
    """A random seed in [0, 2**63)."""
    return _integer(text, 0, MAX_SEED - 1, "a seed")


def fps(text: str) -> int:
    """Frames per second of a clip."""
    return _integer(text, 1, 120, "frames per second")


def resolve_scene(name: str) -> Path:
    from .scene import find_scene  # the one lookup, shared with twin.load_scene
    return find_scene(name)
