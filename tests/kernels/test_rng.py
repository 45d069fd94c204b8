"""The counter-based generator (kernels/rng.py): uniformity and keying by seed, replica and stream."""

import math

import numpy as np
import warp as wp

from twin.kernels import rng


@wp.kernel
def uniforms(seed: wp.uint64, stream: int, out: wp.array2d(dtype=wp.float64)):
    r = wp.tid()
    for i in range(out.shape[1]):
        out[r, i] = rng.uniform(seed, r, stream, wp.int64(i))


def test_uniforms_are_uniform_and_keyed(device):
    out = wp.zeros((8, 4096), dtype=wp.float64, device=device)
    wp.launch(uniforms, dim=8, inputs=[wp.uint64(99), 3, out], device=device)
    u = out.numpy()
    assert np.all((u > 0) & (u < 1))
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)
    counts = np.histogram(u, bins=16, range=(0, 1))[0]
    chi2 = float(((counts - u.size / 16) ** 2 / (u.size / 16)).sum())
    assert chi2 < 37.7  # chi-square, 15 degrees of freedom, 0.1% level
    assert abs(np.corrcoef(u[:, :-1].ravel(), u[:, 1:].ravel())[0, 1]) < 4 / math.sqrt(u.size)
    assert len({tuple(row[:4]) for row in u}) == 8  # replicas get different streams
    again = wp.zeros((8, 4096), dtype=wp.float64, device=device)
    wp.launch(uniforms, dim=8, inputs=[wp.uint64(99), 3, again], device=device)
    np.testing.assert_array_equal(u, again.numpy())
    other = wp.zeros((8, 4096), dtype=wp.float64, device=device)
    wp.launch(uniforms, dim=8, inputs=[wp.uint64(99), 4, other], device=device)
    assert not np.any(u == other.numpy())
