"""Convolution kernels on their own (NHWC, Keras kernel layouts): every ISA's
float32 path and the float64 reference against a numpy convolution, the
reference's gradients against central finite differences, Keras's padding
rules, and shape errors raised as ValueError before any kernel runs."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import _core

K = _core.kernels
ISAS = _core.supported_isas()


def np_conv(x, w, strides=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """Direct numpy convolution: x [N,H,W,C], w [kh,kw,C/groups,O], pads (t,l,b,r)."""
    top, left, bottom, right = pads
    xp = np.pad(x, ((0, 0), (top, max(bottom, 0)), (left, max(right, 0)), (0, 0)))
    if bottom < 0:
        xp = xp[:, : xp.shape[1] + bottom]
    if right < 0:
        xp = xp[:, :, : xp.shape[2] + right]
    kh, kw, cg, out_c = w.shape
    (sh, sw), (dh, dw) = strides, dilation
    oh = (xp.shape[1] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[2] - dw * (kw - 1) - 1) // sw + 1
    og = out_c // groups
    y = np.zeros((x.shape[0], oh, ow, out_c))
    for i in range(kh):
        for j in range(kw):
            patch = xp[
                :,
                i * dh : i * dh + (oh - 1) * sh + 1 : sh,
                j * dw : j * dw + (ow - 1) * sw + 1 : sw,
            ]
            for g in range(groups):
                y[..., g * og : (g + 1) * og] += np.einsum(
                    "nhwc,co->nhwo",
                    patch[..., g * cg : (g + 1) * cg],
                    w[i, j, :, g * og : (g + 1) * og],
                )
    return y


# (N, H, W, C, O, kh, kw, strides, dilation, pads (t, l, b, r), groups)
CASES = [
    (2, 9, 8, 3, 5, 3, 2, (1, 1), (1, 1), (1, 0, 1, 1), 1),
    (2, 9, 8, 4, 6, 3, 3, (2, 1), (1, 2), (0, 1, 2, 0), 2),
    (3, 7, 7, 4, 8, 3, 3, (1, 1), (1, 1), (1, 1, 1, 1), 4),  # depthwise, multiplier 2
    (2, 6, 5, 5, 5, 3, 3, (2, 2), (1, 1), (1, 1, 1, 1), 5),  # depthwise, multiplier 1
    (2, 5, 5, 3, 4, 1, 1, (1, 1), (1, 1), (0, 0, 0, 0), 1),  # pointwise: a plain GEMM
    (2, 12, 12, 1, 7, 3, 3, (1, 1), (1, 1), (0, 0, 0, 0), 1),  # one input channel
    (2, 1, 17, 3, 4, 1, 3, (1, 2), (1, 2), (0, 4, 0, 0), 1),  # Conv1D causal as a left pad
    (1, 10, 9, 6, 4, 4, 3, (3, 2), (1, 1), (2, 1, 1, 0), 2),
    (2, 7, 7, 3, 4, 3, 3, (2, 2), (1, 1), (0, 0, -1, 0), 1),  # negative bottom pad
]


def _case(idx, rng):
    n, h, w_, c, o, kh, kw, s, d, p, g = CASES[idx]
    x = rng.standard_normal((n, h, w_, c))
    w = rng.standard_normal((kh, kw, c // g, o))
    b = rng.standard_normal(o)
    return x, w, b, dict(strides=s, pads=p, dilation=d, groups=g)


@pytest.mark.parametrize("idx", range(len(CASES)))
@pytest.mark.parametrize("isa", ISAS)
def test_conv_forward_and_gradients_match_numpy(isa, idx):
    rng = np.random.default_rng(idx)
    x, w, b, kw = _case(idx, rng)
    ref = np_conv(x, w, **kw) + b
    np.testing.assert_allclose(K.conv2d_forward_f64_ref(x, w, b, **kw), ref, atol=1e-12)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    y = K.conv2d_forward(x32, w32, b.astype(np.float32), isa=isa, **kw)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)

    dy = rng.standard_normal(ref.shape)
    dx_ref = K.conv2d_backward_data_f64_ref(dy, w, x.shape[1:3], **kw)
    dx = K.conv2d_backward_data(dy.astype(np.float32), w32, x.shape[1:3], isa=isa, **kw)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-5, atol=1e-5)
    dw_ref = K.conv2d_backward_weights_f64_ref(x, dy, w.shape[:2], **kw)
    dw = K.conv2d_backward_weights(x32, dy.astype(np.float32), w.shape[:2], isa=isa, **kw)
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-5, atol=1e-4)
    # Adjoint identities: <conv(x), dy> = <x, dx> = <w, dw>.
    inner = float(np.sum((ref - b) * dy))
    assert np.isclose(inner, np.sum(x * dx_ref)) and np.isclose(inner, np.sum(w * dw_ref))


@pytest.mark.parametrize("isa", ISAS)
def test_conv_backward_weights_accumulates(isa):
    rng = np.random.default_rng(3)
    x, w, _, kw = _case(0, rng)
    dy = rng.standard_normal(np_conv(x, w, **kw).shape).astype(np.float32)
    start = rng.standard_normal(w.shape).astype(np.float32)
    fresh = K.conv2d_backward_weights(x.astype(np.float32), dy, w.shape[:2], isa=isa, **kw)
    acc = K.conv2d_backward_weights(
        x.astype(np.float32), dy, w.shape[:2], accumulate_into=start.copy(), isa=isa, **kw
    )
    np.testing.assert_allclose(acc, start + fresh, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("isa", ISAS)
def test_conv_large_batch_spans_many_blocks(isa):
    # MNIST-convnet-like second layer: enough rows for several im2col and
    # kernel-gradient blocks.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((24, 13, 13, 16)).astype(np.float32)
    w = rng.standard_normal((3, 3, 16, 20)).astype(np.float32)
    y = K.conv2d_forward(x, w, isa=isa)
    np.testing.assert_allclose(
        y, np_conv(x.astype(np.float64), w.astype(np.float64)), rtol=1e-4, atol=1e-4
    )
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dw = K.conv2d_backward_weights(x, dy, (3, 3), isa=isa)
    dw_ref = K.conv2d_backward_weights_f64_ref(x.astype(np.float64), dy.astype(np.float64), (3, 3))
    np.testing.assert_allclose(dw, dw_ref, rtol=1e-4, atol=1e-3)


def _numeric_grad(f, a, eps=1e-6):
    grad = np.zeros_like(a)
    it = np.nditer(a, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        down = f()
        a[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("idx", [0, 1, 2, 6])
def test_reference_gradients_match_finite_differences(idx):
    rng = np.random.default_rng(10 + idx)
    x, w, b, kw = _case(idx, rng)
    x, w = x[:1], w  # one image keeps the finite differences quick
    dy = rng.standard_normal(K.conv2d_forward_f64_ref(x, w, b, **kw).shape)

    def loss():
        return float(np.sum(K.conv2d_forward_f64_ref(x, w, b, **kw) * dy))

    np.testing.assert_allclose(
        K.conv2d_backward_data_f64_ref(dy, w, x.shape[1:3], **kw), _numeric_grad(loss, x), atol=1e-7
    )
    np.testing.assert_allclose(
        K.conv2d_backward_weights_f64_ref(x, dy, w.shape[:2], **kw),
        _numeric_grad(loss, w),
        atol=1e-7,
    )


# Keras's output length and pads:
# (length, kernel, stride, dilation, padding) -> (size, before, after)
@pytest.mark.parametrize(
    "args,expected",
    [
        ((28, 3, 1, 1, "valid"), (26, 0, 0)),
        ((28, 3, 1, 1, "same"), (28, 1, 1)),
        ((28, 4, 2, 1, "same"), (14, 1, 1)),
        ((27, 2, 2, 1, "same"), (14, 0, 1)),
        ((10, 3, 1, 2, "valid"), (6, 0, 0)),
        ((10, 3, 1, 2, "causal"), (10, 4, 0)),
        ((10, 3, 3, 1, "causal"), (4, 2, 0)),
        ((5, 2, 2, 1, "VALID"), (2, 0, 0)),
    ],
)
def test_conv_output_size_follows_keras(args, expected):
    assert K.conv_output_size(*args) == expected


def test_conv_output_size_errors():
    with pytest.raises(ValueError, match="padding"):
        K.conv_output_size(10, 3, 1, 1, "full")
    with pytest.raises(ValueError, match="does not fit"):
        K.conv_output_size(2, 3, 1, 1, "valid")
    with pytest.raises(ValueError, match="strides"):
        K.conv_output_size(10, 3, 0, 1, "valid")


def _keras_transpose_length(n, k, s, d, padding, output_padding):
    k = k + (k - 1) * (d - 1)
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + output_padding


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("output_padding", [None, 0, 1])
@pytest.mark.parametrize(
    "k,s,d", [(3, 1, 1), (3, 2, 1), (4, 2, 1), (2, 3, 1), (3, 2, 2), (5, 3, 1)]
)
def test_conv_transpose_matches_numpy_adjoint(padding, output_padding, k, s, d):
    if output_padding is not None and output_padding >= s:
        with pytest.raises(ValueError, match="output_padding"):
            K.conv_transpose_output_size(5, k, s, d, padding, output_padding)
        return
    n_in = 5
    size, before, after = K.conv_transpose_output_size(n_in, k, s, d, padding, output_padding)
    assert size == _keras_transpose_length(n_in, k, s, d, padding, output_padding)
    rng = np.random.default_rng(k * 100 + s * 10 + d)
    x = rng.standard_normal((2, n_in, 4, 3))  # the transposed layer's input
    w = rng.standard_normal((k, 1, 2, 3))  # Keras kernel [kh, kw, filters, in]
    pads = (before, 0, after, 0)
    y = K.conv2d_transpose(
        x.astype(np.float32), w.astype(np.float32), (size, 4), (s, 1), pads, (d, 1)
    )
    assert y.shape == (2, size, 4, 2)
    # The transposed convolution is the adjoint of the forward one.
    z = rng.standard_normal(y.shape)
    lhs = np.sum(y.astype(np.float64) * z)
    rhs = np.sum(x * np_conv(z, w, (s, 1), pads, (d, 1)))
    assert np.isclose(lhs, rhs, rtol=1e-4)


@pytest.mark.parity
@pytest.mark.parametrize(
    "padding,output_padding,strides",
    [("valid", None, 2), ("same", None, 2), ("same", 1, 2), ("valid", 1, 3)],
)
def test_conv_transpose_matches_keras(keras_ref, padding, output_padding, strides):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    layer = keras_ref.layers.Conv2DTranspose(
        4, (3, 2), strides=strides, padding=padding, output_padding=output_padding, use_bias=False
    )
    expected = np.asarray(layer(x))
    w = np.asarray(layer.kernel)
    hs = K.conv_transpose_output_size(5, 3, strides, 1, padding, output_padding)
    ws = K.conv_transpose_output_size(6, 2, strides, 1, padding, output_padding)
    y = K.conv2d_transpose(x, w, (hs[0], ws[0]), (strides, strides), (hs[1], ws[1], hs[2], ws[2]))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_conv_shape_errors_raise_value_error():
    x = np.zeros((2, 5, 5, 4), np.float32)
    w = np.zeros((3, 3, 4, 6), np.float32)
    with pytest.raises(ValueError, match="4-D"):
        K.conv2d_forward(x[0], w)
    with pytest.raises(ValueError, match="divisible by groups"):
        K.conv2d_forward(x, np.zeros((3, 3, 2, 5), np.float32), groups=2)
    with pytest.raises(ValueError, match="x.shape"):
        K.conv2d_forward(x, np.zeros((3, 3, 3, 6), np.float32))
    with pytest.raises(ValueError, match="bias.shape"):
        K.conv2d_forward(x, w, np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="output would be empty"):
        K.conv2d_forward(x, np.zeros((6, 3, 4, 6), np.float32))
    with pytest.raises(ValueError, match="stride_h"):
        K.conv2d_forward(x, w, strides=(0, 1))
    with pytest.raises(ValueError, match="dy.shape"):
        K.conv2d_backward_data(np.zeros((2, 3, 3, 5), np.float32), w, (5, 5))
    with pytest.raises(ValueError, match="dy.shape"):
        K.conv2d_backward_weights(x, np.zeros((2, 4, 3, 6), np.float32), (3, 3))
    with pytest.raises(ValueError, match="dw.shape"):
        K.conv2d_backward_weights(
            x,
            np.zeros((2, 3, 3, 6), np.float32),
            (3, 3),
            accumulate_into=np.zeros((3, 3, 4, 5), np.float32),
        )


def test_conv_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 11, 11, 8)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 6)).astype(np.float32)
    y = K.conv2d_forward(x, w, strides=(2, 1), pads=(1, 1, 1, 1), dilation=(1, 2), groups=2)
    expected = functional.conv2d(
        torch.from_numpy(x).permute(0, 3, 1, 2),
        torch.from_numpy(w).permute(3, 2, 0, 1),
        stride=(2, 1),
        padding=(1, 1),
        dilation=(1, 2),
        groups=2,
    ).permute(0, 2, 3, 1)
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-4, atol=1e-4)
