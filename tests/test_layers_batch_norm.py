"""BatchNormalization: Keras 3's training and inference semantics, moving
statistics, freezing, and parity with real Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, input_shape", [
    ({}, (5,)),
    ({"momentum": 0.9, "epsilon": 1e-2}, (4, 4, 3)),
    ({"center": False}, (3, 2)),
    ({"scale": False, "gamma_regularizer": "l2"}, (6,)),
])
def test_batch_normalization(keras_ref: Any, kwargs: Any, input_shape: Any) -> None:
    n = input_shape[-1]
    names = (["gamma"] if kwargs.get("scale", True) else []) + (
        ["beta"] if kwargs.get("center", True) else []) + ["moving_mean", "moving_variance"]
    run_layer_test("BatchNormalization", kwargs, input_shape, input_shape,
                   expected_weights=[(name, (n,)) for name in names],
                   expected_num_non_trainable=2, keras=keras_ref, batch=8)


def _bn_model(**kwargs: Any) -> Any:
    return lamina.Sequential([lamina.Input((3,)), lamina.layers.BatchNormalization(**kwargs)])


def test_training_uses_batch_statistics_and_moves_the_moving_ones() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(loc=2.0, scale=3.0, size=(64, 3)).astype(np.float32)
    model = _bn_model(momentum=0.9)
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, np.zeros_like(x))
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    # In training the output is normalised with the batch's own statistics.
    model.compile(lamina.optimizers.SGD(0.0), "mse", metrics=["mse"])
    loss = model.train_on_batch(x, np.zeros_like(x), return_dict=True)["loss"]
    normalised = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    assert loss == pytest.approx(float(np.mean(normalised ** 2)), rel=1e-4)
    # Inference uses the moving statistics.
    expected = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_batch_statistics_stay_accurate_far_from_zero() -> None:
    # Values near 1000 with a spread of 0.5 (a year, a raw sensor reading):
    # float32 E[x^2] - E[x]^2 would lose the variance entirely.
    rng = np.random.default_rng(5)
    x = rng.normal(loc=1000.0, scale=0.5, size=(700, 3)).astype(np.float32)
    model = _bn_model(momentum=0.0)
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, np.zeros_like(x))
    bn = model.layers[0]
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(bn.moving_mean.numpy(), x64.mean(0), rtol=1e-7)
    np.testing.assert_allclose(bn.moving_variance.numpy(), x64.var(0), rtol=1e-5)


@pytest.mark.parametrize("freeze", ["layer", "model"])
def test_frozen_batch_norm_runs_in_inference_mode_inside_fit(freeze: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(loc=1.0, size=(32, 3)).astype(np.float32)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.BatchNormalization(),
                               lamina.layers.Dense(2)])
    if freeze == "layer":
        model.layers[0].trainable = False
    else:
        model.trainable = False
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    before = model.layers[0].get_weights()
    model.fit(x, np.zeros((32, 2), np.float32), verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)  # neither moving stats nor gamma/beta moved
    if freeze == "layer":
        assert len(model.layers[0].trainable_weights) == 0
    assert len(model.trainable_weights) == (0 if freeze == "model" else 2)


def test_evaluate_and_predict_do_not_move_the_statistics() -> None:
    x = np.random.default_rng(2).normal(size=(16, 3)).astype(np.float32)
    model = _bn_model()
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.evaluate(x, x, verbose=0)
    model.predict(x, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_argument_errors() -> None:
    with pytest.raises(ValueError, match="last axis only"):
        lamina.Sequential([lamina.Input((4, 3)), lamina.layers.BatchNormalization(axis=1)])
    with pytest.raises(ValueError, match="renorm"):
        lamina.layers.BatchNormalization(renorm=True)


@pytest.mark.parity
def test_batch_norm_moving_statistics_match_keras_after_fit(keras_ref: Any) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(loc=0.5, scale=2.0, size=(40, 4, 4, 2)).astype(np.float32)
    y = rng.normal(size=(40, 3)).astype(np.float32)

    def build(lib: Any) -> Any:
        # No conv bias: BatchNormalization cancels it, so its gradient is pure
        # rounding noise, which Adam scales up differently in each library.
        return lib.Sequential([
            lib.Input((4, 4, 2)), lib.layers.Conv2D(3, 3, use_bias=False),
            lib.layers.BatchNormalization(),
            lib.layers.Activation("relu"), lib.layers.GlobalAveragePooling2D(),
            lib.layers.Dense(3)])

    lm, km = build(lamina), build(keras_ref)
    km.set_weights(lm.get_weights())
    lm.compile(lamina.optimizers.Adam(0.01), "mse")
    km.compile(keras_ref.optimizers.Adam(0.01), "mse")
    lh = lm.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    kh = km.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=1e-4)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(lm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-4,
                               atol=1e-5)
