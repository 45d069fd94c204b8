"""``python -m twin ...`` is the ``twin`` command (twin.cli loads the library on demand)."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while importing (Warp, numpy): same exit as during a run
    sys.stderr.write("twin: interrupted\n")
    sys.exit(130)

sys.exit(main())
