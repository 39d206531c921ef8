"""Rescaling and Normalization inside models: `run_layer_test`, values,
adapt, and the weights Keras stores."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"scale": 1 / 255}, {"scale": 2.0, "offset": -1.0},
                                    {"scale": [1.0, 2.0, 0.5], "offset": [0.0, 1.0, -1.0]}])
def test_rescaling(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("Rescaling", kwargs, (2, 3), (2, 3), keras=keras_ref)


def test_rescaling_values_and_errors() -> None:
    x = np.random.default_rng(0).uniform(0, 255, size=(3, 4, 2)).astype(np.float32)
    model = lamina.Sequential([lamina.Input((4, 2)), lamina.layers.Rescaling([2.0, 3.0], 1.0)])
    np.testing.assert_allclose(model.predict(x, verbose=0), x * [2.0, 3.0] + 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="one value per entry of the last axis"):
        lamina.Sequential([lamina.Input((4, 2)), lamina.layers.Rescaling([1.0, 2.0, 3.0])])


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape", [
    ({}, (4,)),
    ({"axis": None}, (4,)),
    ({"axis": (1, 2)}, (3, 2)),
    ({"axis": 1}, (3, 2)),
    ({"invert": True}, (4,)),
])
def test_normalization_weights(keras_ref: Any, kwargs: Any, shape: Any) -> None:
    kept = {(): (), None: ()}.get(kwargs.get("axis", -1), None)
    if kept is None:
        axis = kwargs.get("axis", -1)
        axes = (axis,) if isinstance(axis, int) else axis
        kept = tuple(shape[a - 1 if a > 0 else a] for a in axes)
    # Keras reads set_weights() values only after finalize_state() (its mean
    # and variance are snapshots taken at build/adapt time), so the parity
    # comparison is done here rather than by run_layer_test.
    run_layer_test("Normalization", kwargs, shape, shape,
                   expected_weights=[("mean", kept), ("variance", kept), ("count", ())],
                   expected_num_trainable=0, expected_num_non_trainable=3)
    layer = lamina.layers.Normalization(**kwargs)
    klayer = keras_ref.layers.Normalization(**kwargs)
    model = lamina.Sequential([lamina.Input(shape), layer])
    kmodel = keras_ref.Sequential([keras_ref.Input(shape), klayer])
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=kept).astype(np.float32),
               rng.uniform(0.5, 1.5, size=kept).astype(np.float32), np.zeros((), np.int64)]
    layer.set_weights(weights)
    klayer.set_weights(weights)
    klayer.finalize_state()
    x = rng.normal(size=(4,) + shape).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.asarray(kmodel.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    config, kconfig = layer.get_config(), klayer.get_config()
    config.pop("name"), kconfig.pop("name")
    assert config == kconfig


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"mean": 2.0, "variance": 4.0},
                                    {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]},
                                    {"mean": 0.5, "variance": 2.0, "invert": True}])
def test_normalization_constants(keras_ref: Any, kwargs: Any) -> None:
    run_layer_test("Normalization", kwargs, (2, 3), (2, 3), expected_num_trainable=0,
                   keras=keras_ref)


def test_normalization_weights_match_keras_dtypes(keras_ref: Any) -> None:
    layer = lamina.layers.Normalization()
    lamina.Sequential([lamina.Input((3,)), layer])
    klayer = keras_ref.layers.Normalization()
    keras_ref.Sequential([keras_ref.Input((3,)), klayer])
    assert [(w.name, tuple(w.shape), w.dtype, w.trainable) for w in layer.weights] == [
        (w.name, tuple(w.shape), w.dtype, w.trainable) for w in klayer.weights]


@pytest.mark.parity
@pytest.mark.parametrize("axis, as_batches", [(-1, False), (-1, True), (None, False),
                                              ((1, 2), True), (1, False)])
def test_normalization_adapt_matches_keras(keras_ref: Any, axis: Any, as_batches: bool) -> None:
    data = np.random.default_rng(1).normal(5.0, 3.0, size=(40, 3, 2)).astype(np.float32)
    source: Any = [data[i:i + 16] for i in range(0, 40, 16)] if as_batches else data
    layer = lamina.layers.Normalization(axis=axis)
    layer.adapt(source)
    klayer = keras_ref.layers.Normalization(axis=axis)
    klayer.adapt([data[i:i + 16] for i in range(0, 40, 16)] if as_batches else data)
    for mine, theirs in zip(layer.get_weights(), klayer.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    model = lamina.Sequential([lamina.Input((3, 2)), layer])
    kmodel = keras_ref.Sequential([keras_ref.Input((3, 2)), klayer])
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               np.asarray(kmodel.predict(data, verbose=0)),
                               rtol=1e-5, atol=1e-5)


def test_normalization_adapt_after_compile_is_used() -> None:
    data = np.random.default_rng(2).normal(10.0, 2.0, size=(256, 3)).astype(np.float32)
    layer = lamina.layers.Normalization()
    model = lamina.Sequential([lamina.Input((3,)), layer, lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.predict(data[:4], verbose=0)  # the plan exists before adapt
    layer.adapt(data)
    out = lamina.Sequential([lamina.Input((3,)), layer]).predict(data, verbose=0)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-4)
    before = layer.get_weights()
    model.fit(data, data[:, :1], epochs=1, batch_size=64, verbose=0)
    for a, b in zip(before, layer.get_weights()):  # statistics are never trained
        np.testing.assert_array_equal(a, b)
    assert layer.count.value.dtype == np.int64


def test_normalization_errors() -> None:
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        lamina.layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        lamina.layers.Normalization(mean=[1.0, 2.0], variance=1.0)
    layer = lamina.layers.Normalization()
    layer.adapt(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="empty iterable"):
        lamina.layers.Normalization().adapt([])


def _stack_of_new_layers(data: np.ndarray) -> Any:
    layers = lamina.layers
    norm = layers.Normalization()
    norm.adapt(data)
    return lamina.Sequential([
        lamina.Input(data.shape[1:]), layers.Rescaling(2.0, 0.5), norm,
        layers.PReLU(shared_axes=[1]), layers.LayerNormalization(), layers.ZeroPadding1D(1),
        layers.Cropping1D((1, 0)), layers.UpSampling1D(2), layers.Permute((2, 1)),
        layers.Reshape((-1,)), layers.RepeatVector(2), layers.SpatialDropout1D(0.1),
        layers.GaussianNoise(0.1), layers.Flatten(), layers.ReLU(max_value=6.0),
        layers.LeakyReLU(0.1), layers.ELU(), layers.Identity(),
        layers.ActivityRegularization(0.01), layers.GaussianDropout(0.1), layers.Dense(3),
        layers.Softmax()])


@pytest.mark.parity
def test_saved_model_round_trips_and_loads_in_keras(keras_ref: Any, tmp_path: Any) -> None:
    rng = np.random.default_rng(5)
    x = rng.random((16, 4, 6)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
    model = _stack_of_new_layers(x)
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    expected = model.predict(x, verbose=0)
    for name in ("m.keras", "m.h5"):
        model.save(str(tmp_path / name))
        loaded = lamina.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
        assert [w.dtype for w in loaded.layers[1].weights] == ["float32", "float32", "int64"]
    theirs = keras_ref.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), expected,
                               rtol=1e-5, atol=1e-6)


def test_frozen_layers_keep_their_weights() -> None:
    x = np.random.default_rng(6).normal(size=(32, 3, 4)).astype(np.float32)
    prelu = lamina.layers.PReLU(alpha_initializer="ones", trainable=False)
    norm = lamina.layers.LayerNormalization()
    model = lamina.Sequential([lamina.Input((3, 4)), prelu, norm, lamina.layers.Dense(2)])
    norm.trainable = False
    assert model.layers[0].non_trainable_weights and not model.layers[0].trainable_weights
    before = model.get_weights()
    model.compile("sgd", "mse")
    model.fit(x, np.ones((32, 3, 2), np.float32), epochs=2, verbose=0)
    after = model.get_weights()
    for a, b in zip(before[:3], after[:3]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(before[3], after[3])  # the Dense kernel trains
