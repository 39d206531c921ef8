"""GEMM with a fused epilogue (C = activation(A.B + bias)) against numpy,
on every ISA path and both GEMM paths' shapes."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core

K = _core.kernels
ISAS = _core.supported_isas()

ACTIVATIONS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
}


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("m,n,k", [(1, 512, 784), (32, 70, 33), (600, 300, 200)])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("with_bias", [True, False])
def test_gemm_epilogue_matches_numpy(isa, activation, m, n, k, trans_b, with_bias):
    # n = 70 and 300 split into column blocks narrower than a row, so the
    # epilogue runs on non-contiguous blocks as well as whole rows.
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((m, k)).astype(np.float32) / np.sqrt(k)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32) if with_bias else None
    got = K.gemm(a, b, trans_b=trans_b, bias=bias, activation=activation, isa=isa)
    z = a.astype(np.float64) @ (b.T if trans_b else b).astype(np.float64)
    if with_bias:
        z = z + bias
    np.testing.assert_allclose(got, ACTIVATIONS[activation](z), rtol=1e-4, atol=1e-4)


def test_gemm_epilogue_errors():
    a = np.ones((2, 3), np.float32)
    b = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="bias"):
        K.gemm(a, b, bias=np.ones(3, np.float32))
    with pytest.raises(ValueError, match="softmax"):
        K.gemm(a, b, activation="softmax")
