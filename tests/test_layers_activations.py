"""Activation layers through `run_layer_test`, plus values and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


def _predict(layer: Any, x: np.ndarray) -> np.ndarray:
    return lamina.Sequential([lamina.Input(x.shape[1:]), layer]).predict(x, verbose=0)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [
    {},
    {"max_value": 0.8},
    {"negative_slope": 0.1, "threshold": 0.2},
    {"max_value": 1.0, "negative_slope": 0.05, "threshold": 0.5},
])
def test_relu(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("ReLU", kwargs, (3, 5), (3, 5), keras=keras_ref)


def test_relu_values_and_errors() -> None:
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(2, 6)
    out = _predict(lamina.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5), x)
    expected = np.where(x >= 0.5, np.minimum(x, 1.0), 0.1 * (x - 0.5))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    for kwargs, arg in (({"max_value": -1}, "max_value"),
                        ({"negative_slope": -0.1}, "negative_slope"),
                        ({"threshold": None}, "threshold")):
        with pytest.raises(ValueError, match=f"{arg} of a ReLU layer"):
            lamina.layers.ReLU(**kwargs)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.01}])
def test_leaky_relu(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("LeakyReLU", kwargs, (5,), (5,), keras=keras_ref)


def test_leaky_relu_alpha_spelling() -> None:
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = lamina.layers.LeakyReLU(alpha=0.2)
    assert layer.get_config()["negative_slope"] == 0.2
    x = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_allclose(_predict(layer, x), [[-0.2, 2.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="cannot be None or negative"):
        lamina.layers.LeakyReLU(-0.1)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, alpha_shape", [
    ({}, (5,), (5,)),
    ({"shared_axes": [1]}, (3, 4), (1, 4)),
    ({"shared_axes": [1, 2], "alpha_initializer": "ones"}, (3, 3, 2), (1, 1, 2)),
    ({"alpha_regularizer": "l2", "alpha_initializer": "glorot_uniform"}, (2, 3), (2, 3)),
])
def test_prelu(keras_ref: Any, kwargs: Any, shape: Any, alpha_shape: Any) -> None:
    run_layer_test("PReLU", kwargs, shape, shape, expected_weights=[("alpha", alpha_shape)],
                   keras=keras_ref)


def test_prelu_values() -> None:
    layer = lamina.layers.PReLU(shared_axes=1)
    x = np.array([[[-1.0, 2.0], [3.0, -4.0]]], np.float32)
    model = lamina.Sequential([lamina.Input((2, 2)), layer])
    layer.set_weights([np.array([[0.5, 0.25]], np.float32)])
    np.testing.assert_allclose(model.predict(x, verbose=0), [[[-0.5, 2.0], [3.0, -1.0]]])


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}])
def test_elu(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("ELU", kwargs, (5,), (5,), keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape", [({}, (5,)), ({"axis": 2}, (3, 4))])
def test_softmax(keras_ref: Any, kwargs: Any, shape: Any) -> None:
    run_layer_test("Softmax", kwargs, shape, shape, keras=keras_ref)


def test_softmax_other_axis_refused() -> None:
    with pytest.raises(ValueError, match=r"last axis only.*axis=1"):
        lamina.Sequential([lamina.Input((3, 4)), lamina.layers.Softmax(axis=1)])


def test_softmax_output_fuses_with_crossentropy() -> None:
    # As the last layer, Softmax's logits reach the loss (finite at saturation).
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(3),
                               lamina.layers.Softmax()])
    model.compile("sgd", "categorical_crossentropy")
    x = np.array([[1000.0, 0.0, 0.0]], np.float32)
    model.layers[0].set_weights([np.eye(3, dtype=np.float32), np.zeros(3, np.float32)])
    loss = model.test_on_batch(x, np.array([[0.0, 1.0, 0.0]], np.float32))
    assert np.isfinite(loss) and loss > 100
