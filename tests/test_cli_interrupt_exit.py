"""`python -m twin` exits 130 after Ctrl-C even when the interrupt landed inside native code that
ran Python through the C API (as a native import can): CPython then marks the KeyboardInterrupt
"unhandled" although twin caught it, and at the end of `python -m` the interpreter kills itself
with SIGINT (status -2, not 130) unless twin/__main__.py ends the process itself. Measured before
the fix: 2 of 36 Ctrl-Cs sent 0.1-1.6 s into `python -m twin run` ended with -2."""

import os
import subprocess
import sys

from twin.scenes import scene_path

# loaded at start-up (sitecustomize): twin.cli._command replaced by one that raises
# KeyboardInterrupt out of PyRun_String (the C API), which sets CPython's unhandled-interrupt flag
# exactly as an interrupted native import does
SITECUSTOMIZE = """
import ctypes
import twin.cli

def interrupted_in_native_code(args):
    run = ctypes.pythonapi.PyRun_String
    run.restype = ctypes.py_object
    run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object]
    run(b"raise KeyboardInterrupt", 257, {}, {})  # 257: Py_file_input

twin.cli._command = interrupted_in_native_code
"""


def test_an_interrupt_caught_after_native_code_still_exits_130(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])])}
    res = subprocess.run([sys.executable, "-m", "twin", "run", str(scene_path("balanced_line")), "--no-progress"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 130, (res.returncode, res.stderr)
    assert res.stderr.strip().splitlines()[-1] == "twin: interrupted"
    assert "Traceback" not in res.stderr
