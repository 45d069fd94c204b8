"""kernels/loads.py: the native reads of the Model's arrays read what Warp's indexing reads."""

import numpy as np
import pytest
import warp as wp

import twin
from twin.kernels.loads import f64_at, f64_at4, int_at
from twin.model import compile_plant


@wp.kernel
def read_all(ints: wp.array(dtype=wp.int32), f64s: wp.array(dtype=wp.float64), params: wp.array2d(dtype=wp.float64),
             out_int: wp.array(dtype=wp.int32), out_f64: wp.array(dtype=wp.float64),
             out_param: wp.array2d(dtype=wp.float64)):
    i = wp.tid()
    out_int[i] = int_at(ints, i)
    out_f64[i] = f64_at(f64s, i)
    for j in range(4):
        out_param[i, j] = f64_at4(params, i, j)


def test_native_reads_match_the_arrays():
    """Every element of a dense int32, float64 and (n, 4) float64 array, read through the native
    helpers, equals the array's own value bit for bit (an offset or element-size error in a
    snippet would read a neighbour; the values are all distinct, so it would show)."""
    n = 37
    rng = np.random.default_rng(5)
    ints = rng.permutation(10_000)[:n].astype(np.int32) - 5000
    f64s = rng.standard_normal(n)
    params = rng.standard_normal((n, 4))
    out_int, out_f64, out_param = (wp.zeros(n, dtype=wp.int32), wp.zeros(n, dtype=wp.float64),
                                   wp.zeros((n, 4), dtype=wp.float64))
    wp.launch(read_all, dim=n, inputs=[wp.array(ints), wp.array(f64s), wp.array(params, dtype=wp.float64),
                                       out_int, out_f64, out_param], device="cpu")
    assert np.array_equal(out_int.numpy(), ints)
    assert np.array_equal(out_f64.numpy(), f64s)
    assert np.array_equal(out_param.numpy(), params)


def test_model_arrays_are_dense():
    """compile_plant builds every Model array the kernels read natively as a dense copy, and
    distribution parameters with the 4 columns f64_at4 assumes."""
    p = twin.Plant("line")
    p.add(twin.Source("in", interarrival=twin.Exponential(50.0)), twin.Buffer("q", capacity=3),
          twin.Machine("m", process=twin.LogNormal(40.0, 0.5)), twin.Sink("out"))
    p.line("in", "q", "m", "out")
    m = compile_plant(p, device="cpu").arrays
    for name in ("kind", "capacity", "slot_start", "in_elem", "out_cum"):
        assert getattr(m, name).is_contiguous, name
    assert m.dists.param.is_contiguous and m.dists.param.shape[1] == 4


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
