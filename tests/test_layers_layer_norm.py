"""LayerNormalization through `run_layer_test`, plus values against numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape, weights", [
    ({}, (6,), [("gamma", (6,)), ("beta", (6,))]),
    ({}, (3, 4), [("gamma", (4,)), ("beta", (4,))]),
    ({"axis": [1, 2]}, (3, 4), [("gamma", (3, 4)), ("beta", (3, 4))]),
    ({"axis": 1, "epsilon": 0.1}, (3, 4), [("gamma", (3,)), ("beta", (3,))]),
    ({"axis": [-2, -1]}, (2, 3, 4), [("gamma", (3, 4)), ("beta", (3, 4))]),
    ({"center": False}, (5,), [("gamma", (5,))]),
    ({"scale": False, "beta_regularizer": "l2"}, (5,), [("beta", (5,))]),
    ({"gamma_initializer": "he_uniform", "gamma_regularizer": "l1"}, (4,),
     [("gamma", (4,)), ("beta", (4,))]),
    ({"beta_initializer": "ones", "gamma_constraint": "non_neg"}, (4,),
     [("gamma", (4,)), ("beta", (4,))]),
])
def test_layer_normalization(keras_ref: Any, kwargs: Any, shape: Any, weights: Any) -> None:
    run_layer_test("LayerNormalization", kwargs, shape, shape, expected_weights=weights,
                   keras=keras_ref)


@pytest.mark.parity
def test_layer_normalization_rms_scaling(keras_ref: Any) -> None:
    with pytest.warns(UserWarning, match="rms_scaling"):
        run_layer_test("LayerNormalization", {"rms_scaling": True}, (5,), (5,),
                       expected_weights=[("gamma", (5,))], keras=keras_ref)


def test_layer_normalization_values() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(4, 3, 5)).astype(np.float32)
    layer = lamina.layers.LayerNormalization(axis=1, epsilon=1e-3)
    model = lamina.Sequential([lamina.Input((3, 5)), layer])
    gamma, beta = rng.normal(size=3).astype(np.float32), rng.normal(size=3).astype(np.float32)
    layer.set_weights([gamma, beta])
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma[:, None] + beta[:, None]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_layer_normalization_axis_errors() -> None:
    with pytest.raises(TypeError, match="'axis'"):
        lamina.layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="out of bounds"):
        lamina.Sequential([lamina.Input((3,)), lamina.layers.LayerNormalization(axis=2)])
    with pytest.raises(ValueError, match="contiguous"):
        lamina.Sequential([lamina.Input((2, 3, 4)), lamina.layers.LayerNormalization([1, 3])])
    with pytest.raises(ValueError, match="batch axis"):
        lamina.Sequential([lamina.Input((3,)), lamina.layers.LayerNormalization(axis=0)])


def test_layer_normalization_config_axis_is_a_list_after_build() -> None:
    layer = lamina.layers.LayerNormalization()
    assert layer.get_config()["axis"] == -1
    lamina.Sequential([lamina.Input((3,)), layer])
    assert layer.get_config()["axis"] == [-1]
