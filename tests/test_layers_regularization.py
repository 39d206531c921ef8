"""Identity, ActivityRegularization and the noise layers: `run_layer_test`
(stochastic layers compared with Keras in inference mode), statistics of the
noise in training, identity in inference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


@pytest.mark.parity
def test_identity(keras_ref: Any) -> None:
    run_layer_test("Identity", {}, (3, 4), (3, 4), keras=keras_ref)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"l1": 0.1}, {"l1": 0.01, "l2": 0.2}, {}])
def test_activity_regularization(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("ActivityRegularization", kwargs, (5,), (5,), keras=keras_ref)


def test_activity_regularization_adds_penalty() -> None:
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    model = lamina.Sequential([lamina.Input((2,)),
                               lamina.layers.ActivityRegularization(l1=0.1, l2=0.2)])
    model.compile("sgd", "mse")
    loss = model.test_on_batch(x, x)  # mse is 0: only the penalty / batch size remains
    expected = (0.1 * np.abs(x).sum() + 0.2 * np.square(x).sum()) / len(x)
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    assert "activity_regularizer" not in model.layers[0].get_config()


@pytest.mark.parity
@pytest.mark.parametrize("cls, kwargs, shape", [
    ("GaussianNoise", {"stddev": 0.3}, (5,)),
    ("GaussianNoise", {"stddev": 0.3, "seed": 3}, (2, 3)),
    ("GaussianDropout", {"rate": 0.2}, (5,)),
    ("SpatialDropout1D", {"rate": 0.3}, (3, 4)),
    ("SpatialDropout2D", {"rate": 0.3, "seed": 1}, (3, 3, 4)),
    ("SpatialDropout2D", {"rate": 0.3, "data_format": "channels_first"}, (4, 3, 3)),
])
def test_noise_layers(keras_ref: Any, cls: str, kwargs: Any, shape: Any) -> None:
    run_layer_test(cls, kwargs, shape, shape, stochastic=True, keras=keras_ref)


def _training_output(layer: Any, x: np.ndarray) -> np.ndarray:
    """The layer's output in one training step (the plan keeps the last
    step's output); the SGD(0) step changes nothing."""
    model = lamina.Sequential([lamina.Input(x.shape[1:]), layer])
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, x)
    out = np.array(model._plan.last_output(), copy=True).reshape(x.shape)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)  # identity in inference
    return out


def test_gaussian_noise_statistics() -> None:
    x = np.zeros((2048, 64), np.float32)
    noise = _training_output(lamina.layers.GaussianNoise(0.5, seed=7), x).reshape(-1)
    n = noise.size
    assert abs(noise.mean()) < 5 * 0.5 / np.sqrt(n)
    assert abs(noise.std() / 0.5 - 1) < 0.01
    assert abs(np.mean(np.abs(noise) < 0.5) - 0.6827) < 0.005  # Gaussian, not uniform
    # Pairs from the two Box-Muller branches are uncorrelated.
    assert abs(np.corrcoef(noise[0::2], noise[1::2])[0, 1]) < 0.01


def test_gaussian_dropout_statistics() -> None:
    x = np.ones((2048, 64), np.float32)
    out = _training_output(lamina.layers.GaussianDropout(0.3, seed=1), x)
    assert abs(out.mean() - 1.0) < 0.01
    assert abs(out.std() / np.sqrt(0.3 / 0.7) - 1) < 0.01


@pytest.mark.parametrize("cls, kwargs, shape, channel_axis", [
    ("SpatialDropout1D", {}, (6, 16), 2),
    ("SpatialDropout2D", {}, (3, 4, 16), 3),
    ("SpatialDropout2D", {"data_format": "channels_first"}, (16, 3, 4), 1),
])
def test_spatial_dropout_drops_whole_channels(cls: str, kwargs: Any, shape: Any,
                                              channel_axis: int) -> None:
    x = np.ones((1000,) + shape, np.float32)
    out = _training_output(getattr(lamina.layers, cls)(0.3, seed=5, **kwargs), x)
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.7)}
    spatial = tuple(a for a in range(1, len(x.shape)) if a != channel_axis)
    per_channel = out.max(axis=spatial)
    np.testing.assert_array_equal(out.min(axis=spatial), per_channel)  # all or nothing
    assert abs(np.mean(per_channel == 0) - 0.3) < 0.02


def test_noise_is_reproducible_with_a_seed_and_changes_per_step() -> None:
    x = np.ones((8, 16), np.float32)
    a = _training_output(lamina.layers.GaussianNoise(0.2, seed=11), x)
    b = _training_output(lamina.layers.GaussianNoise(0.2, seed=11), x)
    np.testing.assert_array_equal(a, b)
    model = lamina.Sequential([lamina.Input((16,)), lamina.layers.GaussianNoise(0.2, seed=11)])
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, x)
    first = np.array(model._plan.last_output(), copy=True)
    model.train_on_batch(x, x)
    assert not np.array_equal(first, np.asarray(model._plan.last_output()))


@pytest.mark.parametrize("layer, multiplicative", [
    (lambda: lamina.layers.GaussianNoise(0.3, seed=2), False),
    (lambda: lamina.layers.GaussianDropout(0.4, seed=2), True),
    (lambda: lamina.layers.SpatialDropout1D(0.4, seed=2), True),
])
def test_noise_backward_uses_the_forward_noise(layer: Any, multiplicative: bool) -> None:
    """Dense -> noise with an mse loss against 0: the bias gradient is
    sum(2 y / size * dy/dh) with y the noisy output and h the Dense output."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 5, 4)).astype(np.float32)
    model = lamina.Sequential([lamina.Input((5, 4)), lamina.layers.Dense(4), layer()])
    h = model.predict(x, verbose=0)  # inference: the noise layer is the identity
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, np.zeros_like(h))
    y = np.array(model._plan.last_output(), copy=True).reshape(h.shape)
    scale = y / h if multiplicative else np.ones_like(h)
    expected = (2 * y / y.size * scale).sum(axis=(0, 1))
    np.testing.assert_allclose(model._plan.gradients()[1], expected, rtol=1e-4, atol=1e-6)


def test_gaussian_noise_arguments() -> None:
    with pytest.raises(ValueError, match="stddev=-0.1"):
        lamina.layers.GaussianNoise(-0.1)
    wide = _training_output(lamina.layers.GaussianNoise(2.0, seed=3),
                            np.zeros((256, 64), np.float32))
    assert abs(wide.std() / 2.0 - 1) < 0.03  # above 1 is accepted, as in tf.keras 2.x
    with pytest.raises(ValueError, match="rate=1"):
        lamina.layers.GaussianDropout(1.0)
