"""Element status codes in a recording (kernels/record.py), shared by the kinds' ``status`` hooks."""

import warp as wp

ST_IDLE = wp.constant(0)     # machine: no part (starved); other kinds: empty
ST_BUSY = wp.constant(1)     # machine processing; other kinds: holding parts
ST_BLOCKED = wp.constant(2)  # machine holding only finished parts; conveyor: front item waiting at the end
ST_DOWN = wp.constant(3)
