"""Kernels on their own: every ISA path against numpy, and every backward
kernel against central finite differences in float64 (the reference path)."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core

K = _core.kernels
ISAS = _core.supported_isas()
RNG = np.random.default_rng(1234)


def _gemm_case(isa, m, n, k, trans_a, trans_b, accumulate, rng=RNG):
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    ref = (a.T if trans_a else a).astype(np.float64) @ (b.T if trans_b else b).astype(np.float64)
    if accumulate:
        ref += c0
    c = K.gemm(a, b, trans_a, trans_b, c=c0.copy(), accumulate=accumulate, isa=isa)
    np.testing.assert_allclose(c, ref, rtol=1e-4, atol=1e-4 * np.sqrt(k + 1))


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("trans_a,trans_b", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_gemm_sweeps_one_dimension_at_a_time(isa, trans_a, trans_b):
    for size in range(1, 131, 3):
        _gemm_case(isa, size, 19, 23, trans_a, trans_b, size % 2 == 0)
        _gemm_case(isa, 13, size, 23, trans_a, trans_b, size % 2 == 1)
        _gemm_case(isa, 13, 19, size, trans_a, trans_b, False)


@pytest.mark.parametrize("isa", ISAS)
def test_gemm_random_shapes(isa):
    rng = np.random.default_rng(7)
    for _ in range(200):
        m, n, k = rng.integers(1, 300, size=3)
        _gemm_case(isa, int(m), int(n), int(k), bool(rng.integers(2)), bool(rng.integers(2)),
                   bool(rng.integers(2)), rng)


def test_gemm_shapes_of_the_benchmark_mlp():
    for isa in ISAS:
        for m, n, k in [(32, 512, 784), (784, 512, 32), (32, 784, 512), (1, 512, 784),
                        (256, 256, 512), (10000, 10, 256)]:
            _gemm_case(isa, m, n, k, False, False, False)
            _gemm_case(isa, m, n, k, True, False, False)
            _gemm_case(isa, m, n, k, False, True, False)


def test_gemm_isas_agree_with_scalar_reference():
    a = RNG.standard_normal((37, 129)).astype(np.float32)
    b = RNG.standard_normal((129, 71)).astype(np.float32)
    ref = K.gemm(a, b, isa="scalar")
    for isa in ISAS:
        np.testing.assert_allclose(K.gemm(a, b, isa=isa), ref, rtol=1e-5, atol=1e-4)


def test_gemm_f64_reference_matches_numpy():
    a = RNG.standard_normal((9, 5))
    b = RNG.standard_normal((7, 5))
    np.testing.assert_allclose(K.gemm_f64_ref(a, b, False, True), a @ b.T, rtol=1e-12)


# -- activations ---------------------------------------------------------------

NUMPY_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True))
    / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
}


@pytest.mark.parametrize("name", sorted(NUMPY_ACTIVATIONS))
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (64, 130)])
def test_activation_forward_matches_numpy(name, shape):
    x = RNG.standard_normal(shape) * 4
    np.testing.assert_allclose(K.activation_forward(name, x), NUMPY_ACTIVATIONS[name](x),
                               rtol=1e-12, atol=1e-14)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(K.activation_forward(name, x32), NUMPY_ACTIVATIONS[name](x),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(NUMPY_ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name):
    x = RNG.standard_normal((4, 6)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep away from relu's kink
    dy = RNG.standard_normal(x.shape)
    y = K.activation_forward(name, x)
    analytic = K.activation_backward(name, x, y, dy)
    eps = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        numeric[idx] = (np.sum(K.activation_forward(name, xp) * dy)
                        - np.sum(K.activation_forward(name, xm) * dy)) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_column_sum_matches_numpy():
    dy = RNG.standard_normal((33, 517)).astype(np.float32)
    np.testing.assert_allclose(K.column_sum(dy), dy.sum(0), rtol=1e-5, atol=1e-5)


# -- losses --------------------------------------------------------------------
# Every loss is tested in tests/test_losses.py; here only the kernel entry point.


def test_loss_kernel_returns_total_rows_and_gradient():
    pred = RNG.standard_normal((5, 4))
    y = RNG.standard_normal((5, 4))
    sw = RNG.uniform(0.5, 2, 5)
    total, rows, grad = K.loss("mean_squared_error", pred, y, sw)
    np.testing.assert_allclose(rows, ((pred - y) ** 2).mean(1), rtol=1e-12)
    assert total == pytest.approx(float((rows * sw).sum()), rel=1e-12)
    np.testing.assert_allclose(grad, 2 * (pred - y) / 4 * sw[:, None], rtol=1e-12)


def test_softmax_crossentropy_from_logits_does_not_overflow():
    logits = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    total, _, grad = K.loss("sparse_categorical_crossentropy", logits, np.array([2.0], np.float32),
                            None, {"from_logits": 1.0})
    assert np.isfinite(total) and total == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [[1.0, 0.0, -1.0]], atol=1e-6)


@pytest.mark.parametrize("bad,why", [(np.nan, "NaN"), (1.5, "not an integer"), (-1.0, "outside"),
                                     (3.0, "outside")])
def test_sparse_labels_are_checked(bad, why):
    labels = np.array([0.0, 2.0, bad, 1.0], dtype=np.float32)
    with pytest.raises(ValueError, match=rf"label value of .* at position 2, which .*{why}"):
        K.check_sparse_labels(labels, 3)
    K.check_sparse_labels(np.array([0.0, 2.0, 1.0], np.float32), 3)
    K.check_sparse_labels(np.array([0.0, -1.0, 1.0], np.float32), 3, ignore_class=-1)


# -- metrics --------------------------------------------------------------------


def test_accuracy_kernels_match_numpy():
    pred = RNG.standard_normal((50, 4)).astype(np.float32)
    labels = RNG.integers(0, 4, 50).astype(np.float32)
    assert K.accuracy_sum("sparse_categorical", pred, labels) == np.sum(
        pred.argmax(1) == labels)
    onehot = np.eye(4, dtype=np.float32)[labels.astype(int)]
    assert K.accuracy_sum("categorical", pred, onehot) == np.sum(pred.argmax(1) == labels)
    prob = RNG.uniform(size=(50, 2)).astype(np.float32)
    target = RNG.integers(0, 2, (50, 2)).astype(np.float32)
    expected = ((prob > 0.5) == target).mean(1).sum()
    assert K.accuracy_sum("binary", prob, target) == pytest.approx(expected)
    sw = RNG.uniform(size=50).astype(np.float32)
    assert K.accuracy_sum("sparse_categorical", pred, labels, sw) == pytest.approx(
        float(((pred.argmax(1) == labels) * sw).sum()), rel=1e-6)


# -- dropout and the generator -----------------------------------------------------


def test_dropout_keeps_the_right_fraction_and_scales():
    x = np.ones(200_000, np.float32)
    y = K.dropout_forward(x, 0.3, 42, 7)
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    dx = K.dropout_backward(dy, 0.3, 42, 7)
    np.testing.assert_array_equal(dx != 0, kept)
    np.testing.assert_allclose(dx[kept], dy[kept] / 0.7, rtol=1e-6)
    # A different step draws a different mask.
    assert (K.dropout_forward(x, 0.3, 42, 8) != y).any()


def test_counter_generator_is_uniform():
    u = K.counter_uniform(3, 0, 100_000)
    assert 0 <= u.min() and u.max() < 1
    assert u.mean() == pytest.approx(0.5, abs=0.01)
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 9_000


# -- optimizer updates ------------------------------------------------------------


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("n", [1, 7, 16, 17, 33, 1000])
def test_adam_update_matches_keras_formula(isa, n):
    w = RNG.standard_normal(n).astype(np.float32)
    g = RNG.standard_normal(n).astype(np.float32)
    m = RNG.standard_normal(n).astype(np.float32) * 0.1
    v = RNG.uniform(0, 0.1, n).astype(np.float32)
    alpha, b1, b2, eps = 0.001 * np.sqrt(1 - 0.999**3) / (1 - 0.9**3), 0.9, 0.999, 1e-7
    m_ref = m.astype(np.float64) + (g - m.astype(np.float64)) * (1 - b1)
    v_ref = v.astype(np.float64) + (g.astype(np.float64) ** 2 - v) * (1 - b2)
    w_ref = w - alpha * m_ref / (np.sqrt(v_ref) + eps)
    K.adam_update(w, g, m, v, alpha, b1, b2, eps, isa=isa)
    np.testing.assert_allclose(m, m_ref, rtol=1e-5, atol=1e-7)
    # float32 rounding of v + (g*g - v)(1 - b2) loses a few ulps of v.
    np.testing.assert_allclose(v, v_ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(w, w_ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_update_matches_keras_formula(isa, momentum, nesterov):
    n = 37
    w = RNG.standard_normal(n).astype(np.float32)
    g = RNG.standard_normal(n).astype(np.float32)
    m = RNG.standard_normal(n).astype(np.float32)
    lr = 0.01
    if momentum == 0:
        w_ref, m_ref = w - lr * g, m.copy()
    else:
        m_ref = momentum * m - lr * g
        w_ref = w + (momentum * m_ref - lr * g if nesterov else m_ref)
    K.sgd_update(w, g, m, lr, momentum, nesterov, isa=isa)
    # The SIMD builds may contract a*b + c into one FMA: a few ulps of w.
    np.testing.assert_allclose(w, w_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(m, m_ref, rtol=1e-6, atol=1e-6)
