"""twin.interrupts: where a Ctrl-C's KeyboardInterrupt is raised, and that the CLI remembers a
Ctrl-C that native code turned into another error."""

import signal as signal_module
import threading

import pytest

from twin import cli
from twin.interrupts import DeferredInterrupt, RememberCtrlC


@pytest.fixture
def python_sigint():
    """Python's default Ctrl-C handler for the test (a background job of a non-interactive shell,
    as a CI script may start the suite, inherits SIGINT ignored), the inherited one restored."""
    import signal
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield signal
    signal.signal(signal.SIGINT, inherited)


def test_ctrl_c_while_watching_the_blocks_is_raised_only_after_they_stopped(python_sigint):
    """SIGINT in the main thread while it watches the block threads sets the stop flag; the
    KeyboardInterrupt comes on leaving the watch, never inside it (a KeyboardInterrupt inside
    concurrent.futures.wait can leave a future's lock held and hang the process). Off the main
    thread, and under a handler of the user's, the watch leaves SIGINT alone."""
    signal = python_sigint
    stop = threading.Event()
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with DeferredInterrupt(stop):
            signal.raise_signal(signal.SIGINT)
            reached.append(stop.is_set())  # still running here: the signal only set the flag
    assert reached == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored

    seen = []
    previous = signal.signal(signal.SIGINT, lambda *a: seen.append("user"))
    try:
        with DeferredInterrupt(threading.Event()) as watch:
            signal.raise_signal(signal.SIGINT)
        assert seen == ["user"] and watch.caught is None
    finally:
        signal.signal(signal.SIGINT, previous)

    def off_main():
        with DeferredInterrupt(threading.Event()) as watch:
            seen.append(watch.previous)
    t = threading.Thread(target=off_main)
    t.start()
    t.join()
    assert seen[-1] is None


def test_the_watch_also_defers_under_the_clis_remembering_handler(python_sigint):
    """The CLI replaces Python's default handler by its remembering one; the block watch must
    still defer the Ctrl-C there (else the hang it prevents comes back for every CLI run)."""
    signal = python_sigint
    stop = threading.Event()
    with RememberCtrlC() as ctrl_c:
        with pytest.raises(KeyboardInterrupt):
            with DeferredInterrupt(stop) as watch:
                signal.raise_signal(signal.SIGINT)
                assert stop.is_set() and watch.caught is not None
        assert ctrl_c.seen
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_that_native_code_turned_into_another_error_ends_as_an_interruption(python_sigint, monkeypatch,
                                                                                     capsys):
    """VTK's module loader reports a Ctrl-C during its import as an ImportError (seen in CI:
    "Failed to load vtkRenderingContextOpenGL2: No module named vtkmodules.vtkRenderingContext2D").
    The CLI answers it as a Ctrl-C: status 130, one line, no traceback."""
    signal = python_sigint

    def command_interrupted_in_native_code(args):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ImportError("Failed to load vtkRenderingContextOpenGL2") from None
    monkeypatch.setattr(cli, "_command", command_interrupted_in_native_code)
    assert cli.main(["run", "balanced_line"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "twin: interrupted"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the CLI's handler is gone


def test_a_ctrl_c_reported_as_a_twin_error_ends_as_an_interruption(python_sigint, monkeypatch, capsys):
    """Seen in CI: a Ctrl-C inside Warp's array constructor came out as "Error while trying to
    construct Warp array ...", which the simulator reports as a TwinError (cannot allocate the
    state): exit 2 instead of 130. After a Ctrl-C the CLI calls it an interruption."""
    from twin.errors import TwinError
    signal = python_sigint

    def allocation_interrupted(args):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise TwinError("cannot allocate 0 MiB of state for 40 replicas on cpu: Error while trying to "
                            "construct Warp array from a sequence of Warp structs") from None
    monkeypatch.setattr(cli, "_command", allocation_interrupted)
    assert cli.main(["run", "balanced_line"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "twin: interrupted"

    def plain_error(args):
        raise TwinError("a real error")
    monkeypatch.setattr(cli, "_command", plain_error)
    assert cli.main(["run", "balanced_line"]) == 2  # without a Ctrl-C: the error, status 2
    assert capsys.readouterr().err.strip() == "twin: error: a real error"


def test_an_error_without_a_ctrl_c_is_not_called_an_interruption(python_sigint, monkeypatch):
    """The other side: a real crash still propagates (and a Ctrl-C of an earlier main() call is
    forgotten)."""
    signal = python_sigint

    def interrupted(args):
        signal.raise_signal(signal.SIGINT)
    monkeypatch.setattr(cli, "_command", interrupted)
    assert cli.main(["run", "balanced_line"]) == 130

    def broken(args):
        raise ImportError("a missing library")
    monkeypatch.setattr(cli, "_command", broken)
    with pytest.raises(ImportError, match="a missing library"):
        cli.main(["run", "balanced_line"])


def test_remembering_leaves_a_users_handler_alone():
    seen = []
    previous = signal_module.signal(signal_module.SIGINT, lambda *a: seen.append("user"))
    try:
        with RememberCtrlC() as ctrl_c:
            signal_module.raise_signal(signal_module.SIGINT)
        assert seen == ["user"] and not ctrl_c.seen
    finally:
        signal_module.signal(signal_module.SIGINT, previous)


HALF_BUILT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import twin.cli as cli

class HalfBuilt:  # like a PyVista Renderer that a Ctrl-C stopped in its constructor
    def __del__(self):
        raise AttributeError("'Renderer' object has no attribute 'cube_axes_actor'")

def interrupted(args):
    renderer = HalfBuilt()  # held by the exception's traceback: destroyed when the CLI has handled it
    raise KeyboardInterrupt

cli._command = interrupted
sys.exit(cli.main(["run", "balanced_line"]))
"""


def test_after_a_ctrl_c_a_half_built_objects_destructor_prints_no_traceback():
    """Seen in the Ctrl-C render test: status 130 and "twin: interrupted", then Python printed
    "Exception ignored in: <function Renderer.__del__ ...> Traceback ..." at exit."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", HALF_BUILT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip() == "twin: interrupted", proc.stderr


def test_the_cli_gives_a_callers_process_its_unraisable_hook_back(python_sigint, monkeypatch):
    import sys
    before = sys.unraisablehook

    def interrupted(args):
        python_sigint.raise_signal(python_sigint.SIGINT)
    monkeypatch.setattr(cli, "_command", interrupted)
    assert cli.main(["run", "balanced_line"]) == 130
    assert sys.unraisablehook is before
