"""Progress bars (twin.progress, drawn by tqdm): where they write, that they stay silent when off
or not watched, that Ctrl-C leaves a clean line, and that a maintenance study advances one bar per
simulated chunk of every policy (issue 15 item 7, issue 16 item 11)."""

import io

import twin
from twin import progress as progress_mod
from twin.maintenance import sweep
from twin.progress import Progress, end_line, for_run
from twin.simulator import PROGRESS_CHUNKS


def lines(text: str) -> list[str]:
    """What a terminal shows: each \\r returns to the start of the line, \\n starts a new one."""
    return [chunk.split("\r")[-1] for chunk in text.split("\n")]


def test_an_enabled_bar_writes_label_and_percentage_to_the_given_stream():
    out = io.StringIO()
    bar = Progress("line: 4 replicas", 200, enabled=True, stream=out)
    for done in (50, 100, 200):
        bar.update(done)
    bar.close()
    text = out.getvalue()
    assert text.endswith("\n")
    assert lines(text)[-2].startswith("line: 4 replicas: 100.0% |")  # the final state, kept on screen


def test_a_bar_with_a_unit_counts_it():
    out = io.StringIO()
    bar = Progress("press shop", 3, unit="policies", enabled=True, stream=out)
    bar.update(3)
    bar.close()
    assert lines(out.getvalue())[-2].startswith("press shop: 3/3 policies |")


def test_a_disabled_bar_writes_nothing():
    out = io.StringIO()
    bar = Progress("quiet", 10, enabled=False, stream=out)
    bar.update(5)
    bar.close()
    end_line()
    assert out.getvalue() == ""


def test_by_default_no_bar_unless_the_stream_is_a_terminal():
    out = io.StringIO()  # a log file or pipe: isatty() is False
    bar = Progress("log", 10, stream=out)
    bar.update(10)
    bar.close()
    assert not bar.enabled and out.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    bar = Progress("tty", 10, stream=tty)
    bar.update(10)
    bar.close()
    assert bar.enabled and "100.0%" in tty.getvalue()


def test_end_line_leaves_a_clean_line_for_the_next_message():
    out = io.StringIO()
    bar = Progress("long run", 100, enabled=True, stream=out)
    bar.update(37)
    end_line()  # what the CLI does on Ctrl-C, before 'twin: interrupted'
    out.write("twin: interrupted\n")
    shown = lines(out.getvalue())
    assert shown[-2] == "twin: interrupted"
    assert "37.0%" in shown[-3]  # the bar stopped where it was, on its own line (not filled to 100%)
    before = out.getvalue()
    end_line()
    bar.close()  # already closed: nothing more
    assert out.getvalue() == before


def test_a_function_receives_increasing_fractions_ending_at_one():
    seen = []
    bar = for_run(seen.append, "unused", 8)
    for done in (2, 2, 1, 6, 8):
        bar.update(done)
    bar.close()
    assert seen == [0.25, 0.75, 1.0]


def test_a_sweep_advances_one_bar_per_chunk_of_every_policy():
    """3 policies (run to failure + 2 intervals): each run reports PROGRESS_CHUNKS chunks, so the
    study's bar moves at least 3 x PROGRESS_CHUNKS times, never back, and ends at 1."""
    plant = twin.load_scene("press_shop").plant
    seen = []
    study = sweep(plant, "time_based", [40 * 3600, 80 * 3600], replicas=4, horizon=86400.0, seed=1,
                  progress=seen.append)
    assert len(study.scenarios) == 3
    assert len(seen) >= 3 * PROGRESS_CHUNKS
    assert all(a < b for a, b in zip(seen, seen[1:]))
    assert seen[-1] == 1.0
    # the study's fraction passes each policy boundary: 1/3 and 2/3 are reached exactly
    assert 1 / 3 in seen and 2 / 3 in seen


def test_a_sweep_bar_on_a_stream_counts_policies(monkeypatch):
    out = io.StringIO()
    real = progress_mod.Progress

    def to_out(*a, **k):
        return real(*a, **{**k, "stream": out})
    monkeypatch.setattr(progress_mod, "Progress", to_out)
    plant = twin.load_scene("press_shop").plant
    sweep(plant, "time_based", [40 * 3600], replicas=4, horizon=43200.0, progress=True)
    assert lines(out.getvalue())[-2].startswith(f"{plant.name}: 2/2 policies |")
