"""Core layers through `run_layer_test` (config, shapes, weights, gradients,
a tiny fit, and parity with real Keras where installed)."""

from __future__ import annotations

from typing import Any

import pytest
from layer_test_utils import run_layer_test


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [
    {"units": 5},
    {"units": 4, "activation": "tanh", "use_bias": False},
    {"units": 3, "activation": "relu", "kernel_initializer": "he_normal"},
])
def test_dense(keras_ref: Any, kwargs: Any) -> None:
    units = kwargs["units"]
    expected = [("kernel", (6, units))] + ([("bias", (units,))] if kwargs.get("use_bias", True)
                                            else [])
    run_layer_test("Dense", kwargs, (6,), (units,), expected_weights=expected, keras=keras_ref)


@pytest.mark.parity
def test_dense_on_sequences(keras_ref: Any) -> None:
    run_layer_test("Dense", {"units": 2}, (3, 4), (3, 2), expected_num_trainable=2,
                   keras=keras_ref)


@pytest.mark.parity
def test_flatten(keras_ref: Any) -> None:
    run_layer_test("Flatten", {}, (3, 4), (12,), keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("activation", ["relu", "tanh", "softmax", "elu", "gelu"])
def test_activation(keras_ref: Any, activation: str) -> None:
    run_layer_test("Activation", {"activation": activation}, (5,), (5,), keras=keras_ref)


@pytest.mark.parity
def test_dropout(keras_ref: Any) -> None:
    run_layer_test("Dropout", {"rate": 0.3}, (5,), (5,), stochastic=True, keras=keras_ref)
