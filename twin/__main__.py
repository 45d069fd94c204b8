"""``python -m twin ...`` is the ``twin`` command (twin.cli loads the library on demand)."""

import os
import sys

try:
    from .cli import ignore_unraisable, main
except KeyboardInterrupt:  # Ctrl-C while importing (Warp, numpy): same exit as during a run
    sys.stderr.write("twin: interrupted\n")
    sys.exit(130)

code = main()
if code == 130:
    # Interrupted: end here with 130. A Ctrl-C that landed inside a native import (Warp's, while it
    # was loading) can leave CPython's "unhandled KeyboardInterrupt" flag set although twin caught
    # it; the interpreter would then kill itself with SIGINT at exit instead of returning 130.
    # Files being written were already removed (twin.files); flush what was printed, and stop.
    sys.unraisablehook = ignore_unraisable  # half-built objects' destructors, as in cli._interrupted
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(130)
sys.exit(code)
