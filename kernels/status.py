"""Element status codes in a recording (kernels/record.py), shared by the kinds' ``status`` hooks."""

import warp as wp

ST_IDLE = wp.constant(0)     # no part (starved, empty)
ST_BUSY = wp.constant(1)     # working on or holding parts
ST_BLOCKED = wp.constant(2)  # holding only finished parts that wait for a successor
ST_DOWN = wp.constant(3)
