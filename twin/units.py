"""Units of measure: the one reader of quantities and durations ("45 s", "8h", "1h 10min", "0.5 m/s").

The scene reader, the command line (``--horizon 8h``) and the Python API (``Policy.parse("time:200h")``,
``parse_sweep``, ``save_scene(..., horizon="8h")``) all read through this module, so a spelling that
works in one place works in all. Base layer: it imports nothing of twin but ``twin.errors``.

Inside twin every quantity is SI (seconds, metres, radians). Factors are exact fractions, so that
"45 ms" becomes the float nearest 0.045, not 45 * 0.001.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from .errors import PlantError, UnitError, nearest

__all__ = ["UNITS", "DERIVED_UNITS", "DEFAULT_UNITS", "UnitError", "duration", "quantity", "factor",
           "unit_names", "dimension_of"]

# Base dimensions: unit -> factor to the SI unit twin stores.
UNITS: dict[str, dict[str, Fraction]] = {
    "time": {"ms": Fraction(1, 1000), "s": Fraction(1), "min": Fraction(60), "h": Fraction(3600),
             "d": Fraction(86400)},
    "length": {"mm": Fraction(1, 1000), "cm": Fraction(1, 100), "m": Fraction(1)},
    "angle": {"deg": Fraction(math.pi / 180), "rad": Fraction(1)},
    "mass": {"g": Fraction(1, 1000), "kg": Fraction(1)},
    "power": {"W": Fraction(1), "kW": Fraction(1000)},
    # internal dimensions, only as parts of derived units: "/h" is a rate, "/sqrt(h)" a volatility
    "count": {"": Fraction(1)},
    "sqrt_time": {"sqrt(s)": Fraction(1), "sqrt(min)": Fraction(math.sqrt(60.0)), "sqrt(h)": Fraction(60),
                  "sqrt(d)": Fraction(math.sqrt(86400.0))},
}
# Other spellings accepted but not listed in messages (the command line has always taken "sec").
ALIASES: dict[str, dict[str, str]] = {"time": {"sec": "s"}}
INTERNAL_DIMS = ("count", "sqrt_time")
# Derived dimensions: name -> (numerator, denominator); written "<unit>/<unit>", e.g. "m/min".
# (a denominator "time^2" is written "<unit>/<unit>^2", e.g. "deg/s^2")
DERIVED_UNITS: dict[str, tuple[str, str]] = {"speed": ("length", "time"), "angular_speed": ("angle", "time"),
                                             "rate": ("count", "time"), "sqrt_rate": ("count", "sqrt_time"),
                                             "angular_acceleration": ("angle", "time^2")}
# What bare numbers mean unless a scene file says otherwise ("sqrt_time" follows the time unit).
DEFAULT_UNITS = {"time": "s", "length": "m", "angle": "deg", "mass": "kg", "power": "W", "count": "",
                 "sqrt_time": "sqrt(s)"}
NON_NEGATIVE = frozenset({"time"})  # a negative duration is always a mistake

QUANTITY = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d.+-]\S*)?\s*")
# one part of a compound duration such as "1h 10min 30s": a number and a unit made of letters
_PART = re.compile(r"\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-z]+)\s*")
_NUMBER = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*")


def derived(dim: str) -> tuple[str, str, str]:
    """(numerator, denominator, "^n" or "") of a derived dimension."""
    num, den = DERIVED_UNITS[dim]
    den, caret, power = den.partition("^")
    return num, den, caret + power


def factor(dim: str, unit: str) -> Fraction | None:
    """The factor from ``unit`` to SI for dimension ``dim``, or None if it is not a unit of ``dim``."""
    if dim in DERIVED_UNITS:
        num, den, power = derived(dim)
        a, _, b = unit.partition("/")
        b, caret, p = b.partition("^")
        if caret + p != power:
            return None
        fa, fb = factor(num, a), factor(den, b)
        return None if fa is None or fb is None else fa / fb ** int(power[1:] or 1)
    table = UNITS[dim]
    return table.get(unit, table.get(ALIASES.get(dim, {}).get(unit)))


def unit_names(dim: str) -> list[str]:
    """The units of ``dim`` as written in messages."""
    if dim in DERIVED_UNITS:
        num, den, power = derived(dim)
        return [f"{a}/{b}{power}" for a in UNITS[num] for b in UNITS[den]]
    return list(UNITS[dim])


def dimension_of(unit: str) -> str | None:
    """The dimension ``unit`` belongs to ("m" -> "length"), or None for an unknown unit."""
    for dim in [*UNITS, *DERIVED_UNITS]:
        if factor(dim, unit) is not None:
            return dim
    return None


def example(dim: str) -> str:
    return {"time": "45 s", "length": "1200 mm", "speed": "0.5 m/s", "angle": "90 deg",
            "angular_acceleration": "360 deg/s^2"}.get(dim, f"1 {unit_names(dim)[0]}")


def quantity(value, dim: str, bare: str | None = None) -> float:
    """A number in the unit ``bare`` (default: the SI unit), or a string "<number> <unit>" with a
    unit of ``dim``, in SI. A time may also be written in parts ("1h 10min 30s"). Raises
    :class:`~twin.errors.UnitError` naming what is wrong and what is allowed."""
    if bare is None:
        bare = next(u for u in unit_names(dim) if factor(dim, u) == 1)
    units = unit_names(dim)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UnitError(f"must be a {dim}: a number (in {bare}) or a string like '{example(dim)}', "
                        f"got {value!r}")
    if not isinstance(value, str):
        v, f = float(value), factor(dim, bare)
    elif dim == "time" and _is_compound(value):
        return _compound(value)
    else:
        m = QUANTITY.fullmatch(value)
        if not m:
            raise UnitError(f"{value!r} is not a {dim}: write a number (in {bare}) or '<number> <unit>' "
                            f"with a {dim} unit ({', '.join(units)})")
        number, unit = m.groups()
        if unit is None:
            raise UnitError(f"{value!r} has no unit: write the bare number {number} (in {bare}) or "
                            f"'{number} {bare}'")
        f = factor(dim, unit)
        if f is None:
            other = dimension_of(unit)
            if other:
                hint = " (minutes are 'min')" if dim == "time" and unit == "m" else ""
                raise UnitError(f"'{value}' is a {other}, but a {dim} is needed{hint}; {dim} units: "
                                f"{', '.join(units)}")
            raise UnitError(f"unknown unit '{unit}' in '{value}'{nearest(unit, units)}; {dim} units: "
                            f"{', '.join(units)}")
        v = float(number)
    if math.isnan(v):
        raise UnitError(f"must be a {dim}, got NaN")
    if dim in NON_NEGATIVE and v < 0:
        raise UnitError(f"must not be negative (a {dim}), got {value!r}")
    return v if math.isinf(v) else float(Fraction(v) * f)


def duration(text) -> float:
    """'8h', '30 min', '45s', '1h 10min 30s', '0.5 d' or a bare number of seconds ('120', 120) ->
    seconds. Units: ms, s (or sec), min, h, d. Raises :class:`~twin.errors.UnitError`."""
    if isinstance(text, str) and _NUMBER.fullmatch(text):
        text = float(text)  # bare numbers are seconds on the command line
    try:
        return quantity(text, "time", "s")
    except UnitError as err:
        raise UnitError(f"not a duration: {err}") from None


def _is_compound(text: str) -> bool:
    parts = _PART.findall(text)
    return len(parts) > 1 and "".join(n + u for n, u in parts) == re.sub(r"\s+", "", text)


def _compound(text: str) -> float:
    """'1h 10min 30s' -> seconds: the exact sum of the parts, each with a time unit."""
    total = Fraction(0)
    for number, unit in _PART.findall(text):
        f = factor("time", unit)
        if f is None:
            raise UnitError(f"unknown time unit '{unit}' in '{text}'{nearest(unit, unit_names('time'))}; "
                            f"time units: {', '.join(unit_names('time'))}")
        total += Fraction(float(number)) * f
    return float(total)


def api_quantity(value, dim: str, *, element: str | None = None, key: str | None = None) -> float:
    """``quantity`` for values given in the Python API (numbers in SI, or strings with a unit):
    a bad value is a PlantError naming ``element`` and ``key``."""
    try:
        return quantity(value, dim)
    except UnitError as err:
        raise PlantError(str(err), element=element, key=key) from None
