"""Counter-based random numbers.

A uniform draw is a pure function of (seed, replica, element, stream, draw index): no generator
state is carried between draws, so a replica's numbers do not depend on how many replicas run
beside it, and integer hashing gives the same stream on CPU and CUDA.
"""

import warp as wp

wp.set_module_options({"enable_backward": False})

GOLDEN = wp.constant(wp.uint64(0x9E3779B97F4A7C15))
STREAM_MIX = wp.constant(wp.uint64(0xD1B54A32D192ED03))
TWO_POW_M53 = wp.constant(wp.float64(1.1102230246251565e-16))


@wp.func(inline=True)
def mix64(x: wp.uint64) -> wp.uint64:
    """SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche."""
    z = x + GOLDEN
    z = (z ^ (z >> wp.uint64(30))) * wp.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> wp.uint64(27))) * wp.uint64(0x94D049BB133111EB)
    return z ^ (z >> wp.uint64(31))


@wp.func(inline=True)
def replica_key(seed: wp.uint64, replica: int) -> wp.uint64:
    """The key of replica ``replica``'s streams: its GLOBAL index in the run (the simulator may
    launch the replicas in blocks, each from its own row 0: kernels/sampling.py ``row_key``
    adds the block's first replica), so its numbers do not depend on the split."""
    return mix64(seed ^ mix64(wp.uint64(replica)))


@wp.func(inline=True)
def keyed_uniform(key: wp.uint64, stream: int, draw: wp.int64) -> wp.float64:
    """A uniform number in (0, 1) with 53 random bits, from a replica's key (replica_key).
    ``stream`` already folds in the element (element * STREAMS_PER_ELEMENT + purpose)."""
    h = mix64(key ^ (wp.uint64(stream) * STREAM_MIX))
    h = mix64(h ^ wp.uint64(draw))
    return (wp.float64(h >> wp.uint64(11)) + wp.float64(0.5)) * TWO_POW_M53


@wp.func(inline=True)
def uniform(seed: wp.uint64, replica: int, stream: int, draw: wp.int64) -> wp.float64:
    """A uniform number in (0, 1) of (seed, replica, stream, draw)."""
    return keyed_uniform(replica_key(seed, replica), stream, draw)
