"""Reshaping layers through `run_layer_test` (config, shapes, gradients, a
tiny fit, parity with real Keras), plus values against numpy and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


def _predict(layer: Any, x: np.ndarray) -> np.ndarray:
    model = lamina.Sequential([lamina.Input(x.shape[1:]), layer])
    return model.predict(x, verbose=0)


@pytest.mark.parity
@pytest.mark.parametrize("target, expected", [((2, -1), (2, 6)), ((12,), (12,)),
                                              ((3, 2, 2), (3, 2, 2))])
def test_reshape(keras_ref: Any, target: Any, expected: Any) -> None:
    run_layer_test("Reshape", {"target_shape": target}, (4, 3), expected, keras=keras_ref)


def test_reshape_size_mismatch_names_layer_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"'bad'.*\(None, 4, 3\).*\(5, 2\)"):
        lamina.Sequential([lamina.Input((4, 3)), lamina.layers.Reshape((5, 2), name="bad")])
    with pytest.raises(ValueError, match=r"'bad2'.*not divisible by 5"):
        lamina.Sequential([lamina.Input((4, 3)), lamina.layers.Reshape((5, -1), name="bad2")])
    with pytest.raises(ValueError, match="at most one unknown"):
        lamina.layers.Reshape((-1, -1))


def test_reshape_values() -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    np.testing.assert_array_equal(_predict(lamina.layers.Reshape((3, 4)), x), x.reshape(2, 3, 4))


@pytest.mark.parity
@pytest.mark.parametrize("dims, shape, expected", [((2, 1), (4, 3), (3, 4)),
                                                   ((3, 1, 2), (2, 3, 4), (4, 2, 3))])
def test_permute(keras_ref: Any, dims: Any, shape: Any, expected: Any) -> None:
    run_layer_test("Permute", {"dims": dims}, shape, expected, keras=keras_ref)


def test_permute_values_and_errors() -> None:
    x = np.random.default_rng(0).normal(size=(2, 2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(_predict(lamina.layers.Permute((3, 1, 2)), x),
                                  x.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        lamina.layers.Permute((0, 1))


@pytest.mark.parity
def test_repeat_vector(keras_ref: Any) -> None:
    run_layer_test("RepeatVector", {"n": 3}, (4,), (3, 4), keras=keras_ref)


def test_repeat_vector_errors() -> None:
    with pytest.raises(TypeError, match="integer value for `n`"):
        lamina.layers.RepeatVector(2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n=0"):
        lamina.layers.RepeatVector(0)
    with pytest.raises(ValueError, match="expected ndim=2"):
        lamina.Sequential([lamina.Input((3, 4)), lamina.layers.RepeatVector(2)])


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, expected", [
    ({}, (3, 4), (5, 4)),
    ({"padding": (2, 0)}, (3, 4), (5, 4)),
    ({"padding": 1, "data_format": "channels_first"}, (3, 4), (3, 6)),
])
def test_zero_padding1d(keras_ref: Any, kwargs: Any, shape: Any, expected: Any) -> None:
    run_layer_test("ZeroPadding1D", kwargs, shape, expected, keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, expected", [
    ({}, (3, 4, 2), (5, 6, 2)),
    ({"padding": ((1, 0), (0, 2))}, (3, 4, 2), (4, 6, 2)),
    ({"padding": (1, 2), "data_format": "channels_first"}, (2, 3, 4), (2, 5, 8)),
])
def test_zero_padding2d(keras_ref: Any, kwargs: Any, shape: Any, expected: Any) -> None:
    run_layer_test("ZeroPadding2D", kwargs, shape, expected, keras=keras_ref)


def test_zero_padding2d_values() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 2)).astype(np.float32)
    layer = lamina.layers.ZeroPadding2D(((1, 2), (0, 3)))
    np.testing.assert_array_equal(_predict(layer, x),
                                  np.pad(x, ((0, 0), (1, 2), (0, 3), (0, 0))))


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, expected", [({}, (3, 4)), ({"cropping": (2, 0)}, (3, 4)),
                                              ({"cropping": 0}, (5, 4))])
def test_cropping1d(keras_ref: Any, kwargs: Any, expected: Any) -> None:
    run_layer_test("Cropping1D", kwargs, (5, 4), expected, keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, expected", [
    ({"cropping": ((1, 0), (1, 2))}, (5, 6, 2), (4, 3, 2)),
    ({"cropping": 1}, (5, 6, 2), (3, 4, 2)),
    ({"cropping": (1, 2), "data_format": "channels_first"}, (2, 5, 6), (2, 3, 2)),
])
def test_cropping2d(keras_ref: Any, kwargs: Any, shape: Any, expected: Any) -> None:
    run_layer_test("Cropping2D", kwargs, shape, expected, keras=keras_ref)


def test_cropping_errors() -> None:
    with pytest.raises(ValueError, match="smaller than the input length"):
        lamina.Sequential([lamina.Input((3, 2)), lamina.layers.Cropping1D((2, 1))])
    with pytest.raises(ValueError, match="smaller than the corresponding spatial"):
        lamina.Sequential([lamina.Input((3, 4, 2)), lamina.layers.Cropping2D(((0, 0), (2, 2)))])
    with pytest.raises(ValueError, match="cannot be negative"):
        lamina.layers.Cropping2D(-1)


@pytest.mark.parity
@pytest.mark.parametrize("size", [2, 3])
def test_up_sampling1d(keras_ref: Any, size: int) -> None:
    run_layer_test("UpSampling1D", {"size": size}, (3, 2), (3 * size, 2), keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, expected", [
    ({}, (3, 4, 2), (6, 8, 2)),
    ({"size": (2, 3)}, (3, 4, 2), (6, 12, 2)),
    ({"size": (3, 2), "interpolation": "bilinear"}, (3, 4, 2), (9, 8, 2)),
    ({"size": 4, "interpolation": "bilinear"}, (2, 3, 1), (8, 12, 1)),
    ({"size": (2, 2), "data_format": "channels_first"}, (2, 3, 4), (2, 6, 8)),
    ({"size": (2, 3), "data_format": "channels_first", "interpolation": "bilinear"},
     (2, 3, 4), (2, 6, 12)),
])
def test_up_sampling2d(keras_ref: Any, kwargs: Any, shape: Any, expected: Any) -> None:
    run_layer_test("UpSampling2D", kwargs, shape, expected, keras=keras_ref)


def test_up_sampling_values_and_errors() -> None:
    x = np.random.default_rng(2).normal(size=(2, 3, 4, 2)).astype(np.float32)
    out = _predict(lamina.layers.UpSampling2D((2, 3)), x)
    np.testing.assert_array_equal(out, x.repeat(2, axis=1).repeat(3, axis=2))
    # Bilinear by 2 on one row: half-pixel centres, edges clamped.
    row = np.array([[[[0.0], [4.0]]]], np.float32)  # (1, 1, 2, 1)
    out = _predict(lamina.layers.UpSampling2D((1, 2), interpolation="bilinear"), row)
    np.testing.assert_allclose(out.reshape(-1), [0.0, 1.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="interpolation='bicubic'"):
        lamina.layers.UpSampling2D(interpolation="bicubic")
    with pytest.raises(TypeError, match="integer value for `size`"):
        lamina.layers.UpSampling1D(2.5)  # type: ignore[arg-type]
