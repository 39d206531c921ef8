"""Convolution layers through `run_layer_test` (config, shapes, weights,
finite-difference gradients, a tiny fit, parity with real Keras)."""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina

CONV2D = [
    ({"filters": 4, "kernel_size": 3}, (7, 6, 2), (5, 4, 4)),
    ({"filters": 3, "kernel_size": (2, 3), "strides": 2, "padding": "same"}, (7, 6, 2),
     (4, 3, 3)),
    ({"filters": 4, "kernel_size": 3, "dilation_rate": 2, "padding": "same",
      "activation": "relu"}, (7, 7, 3), (7, 7, 4)),
    ({"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False}, (6, 6, 4), (4, 4, 4)),
    ({"filters": 2, "kernel_size": 1, "activation": "tanh"}, (3, 3, 5), (3, 3, 2)),
]


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, input_shape, output_shape", CONV2D)
def test_conv2d(keras_ref: Any, kwargs: Dict[str, Any], input_shape: Tuple[int, ...],
                output_shape: Tuple[int, ...]) -> None:
    run_layer_test("Conv2D", kwargs, input_shape, output_shape, keras=keras_ref)


# 3x3, stride 1, 16+ channels: lamina's Winograd F(2x2, 3x3) path (odd and
# even output sizes; the transposed convolution runs it as an input gradient).
# Each output sums 144+ products of magnitude ~0.5, where float32 rounding
# alone is ~1e-6 in either library: on 32 -> 64 channels TensorFlow (oneDNN) is
# off float64 by up to 2.9e-5 (rms 2.6e-6) and lamina's Winograd by up to
# 9.6e-6 (rms 1.7e-6), so outputs are compared at atol 3e-5 rather than 1e-6
# (docs/compatibility.md).
WINOGRAD = [
    ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu"}, (7, 6, 16), (5, 4, 16)),
    ("Conv2D", {"filters": 20, "kernel_size": 3, "padding": "same"}, (5, 6, 17), (5, 6, 20)),
    ("Conv2DTranspose", {"filters": 16, "kernel_size": 3}, (4, 5, 16), (6, 7, 16)),
]


@pytest.mark.parity
@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", WINOGRAD)
def test_winograd_convolutions(keras_ref: Any, cls: str, kwargs: Dict[str, Any],
                               input_shape: Tuple[int, ...],
                               output_shape: Tuple[int, ...]) -> None:
    run_layer_test(cls, kwargs, input_shape, output_shape, keras=keras_ref, out_atol=3e-5)


CONV1D = [
    ({"filters": 4, "kernel_size": 3}, (10, 2), (8, 4)),
    ({"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (9, 2), (9, 3)),
    ({"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"}, (10, 3), (4, 2)),
]


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, input_shape, output_shape", CONV1D)
def test_conv1d(keras_ref: Any, kwargs: Dict[str, Any], input_shape: Tuple[int, ...],
                output_shape: Tuple[int, ...]) -> None:
    run_layer_test("Conv1D", kwargs, input_shape, output_shape, keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, input_shape, output_shape", [
    ({"filters": 4, "kernel_size": 3, "strides": 2}, (5, 5, 2), (11, 11, 4)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (4, 5, 2), (8, 10, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 0},
     (4, 4, 3), (7, 7, 2)),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "output_padding": 1}, (3, 3, 2), (7, 7, 2)),
])
def test_conv2d_transpose(keras_ref: Any, kwargs: Dict[str, Any], input_shape: Tuple[int, ...],
                          output_shape: Tuple[int, ...]) -> None:
    run_layer_test("Conv2DTranspose", kwargs, input_shape, output_shape, keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, output_shape", [
    ({"kernel_size": 3}, (4, 4, 3)),
    ({"kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2}, (3, 3, 6)),
])
def test_depthwise_conv2d(keras_ref: Any, kwargs: Dict[str, Any],
                          output_shape: Tuple[int, ...]) -> None:
    run_layer_test("DepthwiseConv2D", kwargs, (6, 6, 3), output_shape, keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", [
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3}, (6, 6, 3), (4, 4, 4)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "depth_multiplier": 2,
                         "padding": "same", "activation": "relu"}, (5, 5, 2), (5, 5, 2)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3}, (8, 3), (6, 4)),
])
def test_separable_conv(keras_ref: Any, cls: str, kwargs: Dict[str, Any],
                        input_shape: Tuple[int, ...], output_shape: Tuple[int, ...]) -> None:
    run_layer_test(cls, kwargs, input_shape, output_shape, keras=keras_ref)


def test_conv_argument_errors_name_the_argument() -> None:
    layers = lamina.layers
    with pytest.raises(ValueError, match="`filters`. Expected a strictly positive value"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size.*do not satisfy `value > 0`"):
        layers.Conv2D(2, (0, 3))
    with pytest.raises(ValueError, match="evenly divisible by the number of groups"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="`strides > 1` not supported in conjunction with"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="`padding` argument must be one of"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="channels_first.*np.moveaxis"):
        layers.Conv2D(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="output size would be negative or zero for layer 'c'"):
        lamina.Sequential([lamina.Input((2, 2, 1)), layers.Conv2D(2, 3, name="c")])
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        lamina.Sequential([lamina.Input((5, 1)), layers.Conv2D(2, 3)])


def test_conv1d_causal_output_ignores_the_future() -> None:
    model = lamina.Sequential([lamina.Input((8, 1)),
                               lamina.layers.Conv1D(1, 3, padding="causal")])
    x = np.zeros((1, 8, 1), np.float32)
    base = model.predict(x, verbose=0)
    x[0, 5, 0] = 1.0
    changed = model.predict(x, verbose=0) != base
    assert not changed[0, :5].any() and changed[0, 5:].any()


@pytest.mark.parity
def test_conv_pool_stack_matches_keras(keras_ref: Any) -> None:
    """Conv2D(relu) -> MaxPooling2D(2) with odd conv outputs (11x11, 3x3): the
    pool reads 10 of 11 rows and columns, lamina's conv skips the rest and the
    pool applies relu's gradient. Same predictions and same weights after a
    few steps as Keras."""
    def build(lib: Any) -> Any:
        layers = lib.layers
        model = lib.Sequential([
            lib.Input((13, 13, 16)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(3),
        ])
        model.compile(lib.optimizers.SGD(0.01), "mse")
        return model

    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 13, 13, 16)).astype(np.float32)
    y = rng.normal(size=(6, 3)).astype(np.float32)
    lm, km = build(lamina), build(keras_ref)
    weights = [rng.normal(scale=0.1, size=w.shape).astype(np.float32) for w in lm.get_weights()]
    lm.set_weights(weights)
    km.set_weights(weights)
    np.testing.assert_allclose(lm.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-5, atol=3e-5)
    for _ in range(3):
        np.testing.assert_allclose(lm.train_on_batch(x, y), float(km.train_on_batch(x, y)),
                                   rtol=1e-4)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
