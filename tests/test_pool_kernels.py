"""Pooling kernels on their own (NHWC): windowed max/average pooling and
global pooling, every ISA's float32 path and the float64 reference against
numpy, gradients against finite differences, Keras's "same" average (divides
by the real elements only) and shape errors as ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core

K = _core.kernels
ISAS = _core.supported_isas()


def np_pool(x, pool, strides, pads, kind):
    """numpy pooling; padding never wins a max and is not counted by a mean."""
    n, h, w, c = x.shape
    (ph, pw), (sh, sw), (top, left, bottom, right) = pool, strides, pads
    oh = (h + top + bottom - ph) // sh + 1
    ow = (w + left + right - pw) // sw + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - top, j * sw - left
            win = x[:, max(h0, 0) : h0 + ph, max(w0, 0) : w0 + pw]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


# (x shape, pool, strides, pads (t, l, b, r))
CASES = [
    ((2, 26, 26, 32), (2, 2), (2, 2), (0, 0, 0, 0)),  # the MNIST convnet's first pool
    ((3, 7, 9, 5), (3, 3), (2, 2), (1, 1, 1, 1)),  # "same", overlapping windows
    ((2, 8, 8, 3), (3, 2), (1, 2), (0, 0, 0, 1)),
    ((2, 1, 20, 300), (1, 4), (1, 3), (0, 1, 0, 2)),  # 1-D, channels beyond one block
    ((1, 5, 5, 17), (5, 5), (1, 1), (0, 0, 0, 0)),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("idx", range(len(CASES)))
@pytest.mark.parametrize("isa", ISAS)
def test_pool_forward_backward_match_numpy(isa, idx, kind):
    shape, pool, strides, pads = CASES[idx]
    rng = np.random.default_rng(idx)
    x = rng.standard_normal(shape)
    ref = np_pool(x, pool, strides, pads, kind)
    fwd_ref = getattr(K, f"{kind}_pool2d_forward_f64_ref")
    fwd = getattr(K, f"{kind}_pool2d_forward")
    np.testing.assert_allclose(fwd_ref(x, pool, strides, pads), ref, atol=1e-12)
    np.testing.assert_allclose(
        fwd(x.astype(np.float32), pool, strides, pads, isa=isa), ref, rtol=1e-6, atol=1e-6
    )
    dy = rng.standard_normal(ref.shape)
    if kind == "max":
        dx_ref = K.max_pool2d_backward_f64_ref(x, dy, pool, strides, pads)
        dx = K.max_pool2d_backward(
            x.astype(np.float32), dy.astype(np.float32), pool, strides, pads, isa=isa
        )
    else:
        dx_ref = K.avg_pool2d_backward_f64_ref(dy, shape[1:3], pool, strides, pads)
        dx = K.avg_pool2d_backward(dy.astype(np.float32), shape[1:3], pool, strides, pads, isa=isa)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-5, atol=1e-6)
    # Adjoint of the (locally linear) pooling map.
    assert np.isclose(np.sum(ref * dy), np.sum(x * dx_ref)) if kind == "avg" else True


def _numeric_grad(f, a, eps=1e-6):
    grad = np.zeros_like(a)
    flat, g = a.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        g[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("idx", [1, 2])
def test_reference_gradients_match_finite_differences(kind, idx):
    shape, pool, strides, pads = CASES[idx]
    rng = np.random.default_rng(20 + idx)
    x = rng.standard_normal((1,) + shape[1:])  # distinct values: no ties
    fwd = getattr(K, f"{kind}_pool2d_forward_f64_ref")
    dy = rng.standard_normal(fwd(x, pool, strides, pads).shape)

    def loss():
        return float(np.sum(fwd(x, pool, strides, pads) * dy))

    if kind == "max":
        dx = K.max_pool2d_backward_f64_ref(x, dy, pool, strides, pads)
    else:
        dx = K.avg_pool2d_backward_f64_ref(dy, x.shape[1:3], pool, strides, pads)
    np.testing.assert_allclose(dx, _numeric_grad(loss, x), atol=1e-7)


@pytest.mark.parametrize("isa", ISAS)
def test_max_pool_gradient_goes_to_the_first_maximum(isa):
    # After a relu whole windows are zero: the first element of each window
    # (row-major) takes the gradient, as in TensorFlow, JAX and PyTorch.
    x = np.zeros((1, 4, 4, 2), np.float32)
    x[0, 1, 1, 1] = 1.0
    dy = np.arange(1, 9, dtype=np.float32).reshape(1, 2, 2, 2)
    dx = K.max_pool2d_backward(x, dy, (2, 2), (2, 2), isa=isa)
    expected = np.zeros_like(x)
    expected[0, 0, 0, 0], expected[0, 1, 1, 1] = 1, 2
    expected[0, 0, 2], expected[0, 2, 0], expected[0, 2, 2] = dy[0, 0, 1], dy[0, 1, 0], dy[0, 1, 1]
    np.testing.assert_array_equal(dx, expected)


def test_same_average_divides_by_real_elements():
    x = np.ones((1, 3, 3, 1), np.float32)
    y = K.avg_pool2d_forward(x, (2, 2), (2, 2), (0, 0, 1, 1))
    np.testing.assert_array_equal(y, np.ones((1, 2, 2, 1)))


@pytest.mark.parametrize("shape", [(3, 7, 5), (2, 4, 3, 6), (1, 1, 33)])
def test_global_pooling_matches_numpy(shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    axes = tuple(range(1, x.ndim - 1))
    ymax = K.global_max_pool_forward(x)
    np.testing.assert_array_equal(ymax, x.max(axis=axes))
    np.testing.assert_allclose(K.global_avg_pool_forward(x), x.mean(axis=axes), rtol=1e-6)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(
        K.global_avg_pool_forward_f64_ref(xd), xd.mean(axis=axes), atol=1e-14
    )
    dy = rng.standard_normal(ymax.shape).astype(np.float32)
    dx = K.global_avg_pool_backward(dy, list(shape))
    spatial = int(np.prod(shape[1:-1]))
    expected = np.broadcast_to(
        (dy / spatial).reshape(shape[0], *([1] * len(axes)), shape[-1]), shape
    )
    np.testing.assert_allclose(dx, expected, rtol=1e-6)
    np.testing.assert_allclose(
        K.global_avg_pool_backward_f64_ref(dy.astype(np.float64), list(shape)), expected, rtol=1e-6
    )


def test_global_max_gradient_splits_ties_evenly():
    x = np.array([[[1.0, 2.0], [3.0, 2.0], [3.0, -1.0]]], np.float32)  # [1, 3, 2]
    y = K.global_max_pool_forward(x)
    dy = np.array([[6.0, 4.0]], np.float32)
    dx = K.global_max_pool_backward(x, y, dy)
    np.testing.assert_array_equal(dx, [[[0, 2], [3, 2], [3, 0]]])
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    np.testing.assert_array_equal(
        K.global_max_pool_backward_f64_ref(xd, yd, dy.astype(np.float64)), dx
    )
    np.testing.assert_array_equal(K.global_max_pool_forward_f64_ref(xd), yd)


def test_pool_shape_errors_raise_value_error():
    x = np.zeros((2, 6, 6, 3), np.float32)
    with pytest.raises(ValueError, match="4-D"):
        K.max_pool2d_forward(x[0], (2, 2), (2, 2))
    with pytest.raises(ValueError, match="pool size"):
        K.max_pool2d_forward(x, (2, 2), (2, 2), (2, 0, 0, 0))
    with pytest.raises(ValueError, match="stride_w"):
        K.avg_pool2d_forward(x, (2, 2), (2, 0))
    with pytest.raises(ValueError, match="output would be empty"):
        K.max_pool2d_forward(x, (7, 2), (1, 1))
    with pytest.raises(ValueError, match="dy.shape"):
        K.max_pool2d_backward(x, np.zeros((2, 2, 3, 3), np.float32), (2, 2), (2, 2))
    with pytest.raises(ValueError, match="dy.shape"):
        K.avg_pool2d_backward(np.zeros((2, 2, 3, 3), np.float32), (6, 6), (2, 2), (2, 2))
    with pytest.raises(ValueError, match=">= 3-D"):
        K.global_max_pool_forward(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="y.shape"):
        K.global_max_pool_backward(x, np.zeros((2, 4), np.float32), np.zeros((2, 3), np.float32))


def test_pooling_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 13, 13, 16)).astype(np.float32)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2)
    np.testing.assert_array_equal(
        K.max_pool2d_forward(x, (3, 3), (2, 2)),
        functional.max_pool2d(xt, 3, 2).permute(0, 2, 3, 1).numpy(),
    )
    np.testing.assert_allclose(
        K.avg_pool2d_forward(x, (2, 2), (2, 2)),
        functional.avg_pool2d(xt, 2, 2).permute(0, 2, 3, 1).numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize("idx", range(len(CASES)))
@pytest.mark.parametrize("isa", ISAS)
def test_max_pool_relu_gate_applies_relus_gradient(isa, idx):
    # After a relu (x >= 0, many windows all zero), the gated gradient equals
    # relu's gradient applied to the plain one: zero where the window's
    # maximum is 0.
    shape, pool, strides, pads = CASES[idx]
    rng = np.random.default_rng(40 + idx)
    x = np.maximum(rng.standard_normal(shape), 0.0)
    x[..., 0] = 0.0  # a channel of all-zero windows
    dy = rng.standard_normal(K.max_pool2d_forward_f64_ref(x, pool, strides, pads).shape)
    plain = K.max_pool2d_backward_f64_ref(x, dy, pool, strides, pads)
    expected = np.where(x > 0, plain, 0.0)
    gated_ref = K.max_pool2d_backward_f64_ref(x, dy, pool, strides, pads, relu_gate=True)
    np.testing.assert_allclose(gated_ref, expected, atol=1e-12)
    gated = K.max_pool2d_backward(x.astype(np.float32), dy.astype(np.float32), pool, strides,
                                  pads, isa=isa, relu_gate=True)
    np.testing.assert_allclose(gated, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("relu_gate", [False, True])
def test_max_pool_records_give_the_plain_kernels_results(isa, relu_gate):
    # MaxPooling2D(2) in training: the forward records each window's first
    # maximum and the backward reads only the records; both equal the plain
    # kernels bit for bit (ties from a relu, an odd last row and column).
    rng = np.random.default_rng(3)
    x = np.maximum(rng.standard_normal((3, 9, 7, 40)), 0).astype(np.float32)
    y, argmax = K.max_pool2d_forward_argmax(x, (2, 2), (2, 2), isa=isa, relu_gate=relu_gate)
    assert argmax.dtype == np.uint8 and argmax.shape == y.shape == (3, 4, 3, 40)
    np.testing.assert_array_equal(y, K.max_pool2d_forward(x, (2, 2), (2, 2), isa=isa))
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = K.max_pool2d_backward_argmax(argmax, dy, (9, 7), (2, 2), (2, 2), isa=isa)
    expected = K.max_pool2d_backward(x, dy, (2, 2), (2, 2), isa=isa, relu_gate=relu_gate)
    np.testing.assert_array_equal(dx, expected)
    assert np.all(dx[:, 8] == 0) and np.all(dx[:, :, 6] == 0)  # rows no window covers


def test_max_pool_records_need_two_by_two_windows():
    x = np.zeros((1, 6, 6, 2), np.float32)
    with pytest.raises(ValueError, match="2x2 windows at stride 2"):
        K.max_pool2d_forward_argmax(x, (3, 3), (3, 3))
