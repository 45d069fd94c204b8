"""``python -m twin ...`` is the ``twin`` command (twin.cli loads the library on demand)."""

import sys

from .cli import main

sys.exit(main())
