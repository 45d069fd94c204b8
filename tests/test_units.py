"""twin.units: the one reader of durations and quantities, shared by scene files, the CLI and the API.

Expected values are hand-computed (1 h = 3600 s exactly, 1 ms = 1/1000 s exactly); a result must be
the float nearest the exact value, so comparisons are exact (==), not approximate.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from twin import units
from twin.errors import TwinError, UnitError

SPELLINGS = [  # every spelling the CLI, scene files or twin animate --window accepted before
    ("120", 120.0), ("28800", 28800.0), ("1.5e3", 1500.0), (".5", 0.5), ("8h", 28800.0), ("8 h", 28800.0),
    (" 2 h ", 7200.0), ("30min", 1800.0), ("30 min", 1800.0), ("45s", 45.0), ("45 s", 45.0), ("10sec", 10.0),
    ("45 ms", 0.045), ("0.5 d", 43200.0), ("1h10min", 4200.0), ("1h 10 min 30s", 4230.0), ("90s", 90.0),
    (120, 120.0), (2.5, 2.5),
]


@pytest.mark.parametrize("text, seconds", SPELLINGS)
def test_duration_reads_every_spelling(text, seconds):
    assert units.duration(text) == seconds


def test_a_duration_is_the_float_nearest_the_exact_value():
    # 0.1 h = 360 s exactly; 0.1 * 3600.0 in floats is 360.00000000000006
    assert units.duration("0.1 h") == 360.0
    assert units.duration("7 ms") == float(Fraction(7, 1000))


@pytest.mark.parametrize("text, words", [
    ("8x", ["unknown unit 'x'", "ms, s, min, h, d"]),
    ("-5s", ["must not be negative"]),
    ("8 m", ["is a length", "minutes are 'min'"]),
    ("abc", ["'abc' is not a time"]),
    ("1h 10x", ["unknown time unit 'x'"]),
    ("", ["is not a time"]),
    ("8H", ["unknown unit 'H'"]),
])
def test_a_bad_duration_says_what_is_wrong(text, words):
    with pytest.raises(UnitError) as err:
        units.duration(text)
    assert str(err.value).startswith("not a duration: ")
    for w in words:
        assert w in str(err.value)
    assert isinstance(err.value, (TwinError, ValueError))


@pytest.mark.parametrize("value, dim, bare, si", [
    ("1200 mm", "length", "m", 1.2), (3, "length", "mm", 0.003), ("0.5 m/s", "speed", "m/s", 0.5),
    ("30 m/min", "speed", "m/s", 0.5), ("6 /h", "rate", "/s", 6 / 3600), ("90 deg", "angle", "deg", float(Fraction(3.141592653589793) / 2)),
    ("2 kW", "power", "W", 2000.0), (float("inf"), "time", "s", float("inf")),
])
def test_quantity_converts_to_si(value, dim, bare, si):
    assert units.quantity(value, dim, bare) == si


def test_a_scene_string_needs_a_unit_but_the_command_line_takes_bare_seconds():
    with pytest.raises(UnitError, match="has no unit"):
        units.quantity("30", "time", "s")
    assert units.duration("30") == 30.0


def test_the_cli_the_scene_reader_and_the_api_read_durations_alike(tmp_path):
    """One parser: the same string gives the same seconds on the command line, in a scene file's
    [study] table and in Policy.parse / parse_sweep."""
    from twin.cli import _parser
    from twin.maintenance import Policy, parse_sweep
    from twin.scene import load_scene, save_scene
    import twin

    p = twin.Plant("line")
    p.add(twin.Source("src"), twin.Machine("m", process=twin.Exponential(10.0)), twin.Sink("out"))
    p.line("src", "m", "out")
    for text in ("1h10min", "45 ms", "0.1 h", "2 d"):
        args = _parser().parse_args(["run", "x", "--horizon", text])
        path = save_scene(p, tmp_path / "s.toml", horizon=text)
        assert args.horizon == load_scene(path).study["horizon"] == Policy.parse(f"time:{text}").value \
            == parse_sweep(f"time:{text}..{text}/1")[1][0] == units.duration(text)


def test_a_bad_duration_on_the_command_line_is_one_line(capsys):
    from twin.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["run", "balanced_line", "--horizon", "8x"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--horizon: not a duration: unknown unit 'x' in '8x'" in err


def test_a_bad_sweep_duration_is_a_twin_error():
    from twin.maintenance import parse_sweep
    with pytest.raises(TwinError, match="cannot read the sweep"):
        parse_sweep("time:10x..200h/5")
