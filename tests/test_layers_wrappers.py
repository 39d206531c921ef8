"""TimeDistributed and Bidirectional: shapes, weights, configs, gradients,
saving, and parity with real Keras 3."""

from __future__ import annotations

import numpy as np
import pytest
from layer_test_utils import check_gradients

import lamina

RNG = np.random.default_rng(0)


def _random_weights(model, seed=4):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in model.weights]


def _same_training(lm, km, x, y, loss="mse", steps=3, rtol=1e-4, atol=1e-5):
    """Same weights in, the same losses and weights after a few SGD steps."""
    lm.compile(lamina.optimizers.SGD(0.05), loss)
    km.compile(__import__("keras").optimizers.SGD(0.05), loss)
    for step in range(steps):
        np.testing.assert_allclose(lm.train_on_batch(x, y), float(km.train_on_batch(x, y)),
                                   rtol=rtol, atol=atol, err_msg=f"loss at step {step}")
    for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {i}")


def _time_distributed(lib, inner, shape):
    return lib.Sequential([lib.Input(shape), lib.layers.TimeDistributed(inner(lib))])


TD_CASES = {
    "dense": (lambda lib: lib.layers.Dense(4, activation="tanh"), (5, 3)),
    "dense_softmax": (lambda lib: lib.layers.Dense(3, activation="softmax"), (4, 6)),
    "conv2d": (lambda lib: lib.layers.Conv2D(3, 2, activation="relu"), (3, 6, 6, 2)),
    "flatten": (lambda lib: lib.layers.Flatten(), (3, 2, 4)),
}


@pytest.mark.parametrize("case", sorted(TD_CASES))
def test_time_distributed_shapes_and_weights(case):
    inner, shape = TD_CASES[case]
    model = _time_distributed(lamina, inner, shape)
    layer = model.layers[0]
    x = RNG.normal(size=(4,) + shape).astype(np.float32)
    out = model.predict(x, verbose=0)
    assert out.shape == (4,) + tuple(model.output_shape[1:])
    assert all(w.path.startswith(layer.name + "/") for w in layer.weights)
    assert layer.count_params() == layer.layer.count_params()
    # The wrapped layer applied to each step on its own gives the same rows.
    step_model = lamina.Sequential([lamina.Input(shape[1:]), layer.layer])
    for t in range(shape[0]):
        np.testing.assert_allclose(out[:, t], step_model.predict(x[:, t], verbose=0),
                                   rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", ["dense", "conv2d"])
def test_time_distributed_gradients(case):
    lamina.utils.set_random_seed(0)  # the relu case must not depend on the draw
    inner, shape = TD_CASES[case]
    model = _time_distributed(lamina, inner, shape)
    x = RNG.normal(size=(3,) + shape).astype(np.float32)
    y = RNG.normal(size=(3,) + tuple(model.output_shape[1:])).astype(np.float32)
    check_gradients(model, x, y)


@pytest.mark.parity
@pytest.mark.parametrize("case", ["dense", "conv2d"])
def test_time_distributed_matches_keras(case, keras_ref):
    inner, shape = TD_CASES[case]
    lm, km = _time_distributed(lamina, inner, shape), _time_distributed(keras_ref, inner, shape)
    weights = _random_weights(lm)
    lm.set_weights(weights)
    km.set_weights(weights)
    x = RNG.normal(size=(6,) + shape).astype(np.float32)
    np.testing.assert_allclose(lm.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    lc, kc = lm.layers[0].get_config(), km.layers[0].get_config()
    for c in (lc, kc, lc["layer"]["config"], kc["layer"]["config"]):
        c.pop("name")
    assert lc == kc
    # Paths are <wrapper>/<layer>/<weight> in both (Keras prefixes the model).
    assert [(w.path.count("/"), w.path.rsplit("/", 1)[1]) for w in lm.weights] == [
        (w.path.count("/") - 1, w.path.rsplit("/", 1)[1]) for w in km.weights]
    y = RNG.normal(size=(6,) + tuple(lm.output_shape[1:])).astype(np.float32)
    _same_training(lm, km, x, y)


@pytest.mark.parity
def test_time_distributed_softmax_crossentropy_matches_keras(keras_ref):
    inner, shape = TD_CASES["dense_softmax"]
    lm, km = _time_distributed(lamina, inner, shape), _time_distributed(keras_ref, inner, shape)
    km.set_weights(lm.get_weights())
    x = RNG.normal(size=(8,) + shape).astype(np.float32)
    y = RNG.integers(0, 3, size=(8, shape[0]))
    _same_training(lm, km, x, y, loss="sparse_categorical_crossentropy")


@pytest.mark.parity
def test_time_distributed_saves_as_keras_does(tmp_path, keras_ref):
    inner, shape = TD_CASES["dense"]
    lm = _time_distributed(lamina, inner, shape)
    lm.set_weights(_random_weights(lm))
    x = RNG.normal(size=(4,) + shape).astype(np.float32)
    lm.save(tmp_path / "lamina.keras")
    loaded = keras_ref.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), lm.predict(x, verbose=0), atol=1e-6)
    km = _time_distributed(keras_ref, inner, shape)
    km.set_weights(_random_weights(km, seed=7))
    km.save(tmp_path / "keras.keras")
    back = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-6)


def test_time_distributed_freezing_reaches_the_wrapped_layer():
    inner, shape = TD_CASES["dense"]
    model = _time_distributed(lamina, inner, shape)
    layer = model.layers[0]
    layer.trainable = False
    assert not layer.layer.trainable
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    before = model.get_weights()
    model.compile("sgd", "mse")
    x = RNG.normal(size=(4,) + shape).astype(np.float32)
    model.fit(x, np.ones((4, 5, 4), np.float32), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer with a"):
        lamina.layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions, received: \\(None, 4\\)"):
        lamina.Sequential([lamina.Input((4,)), lamina.layers.TimeDistributed(
            lamina.layers.Dense(2))])
    with pytest.raises(ValueError, match="TimeDistributed\\(BatchNormalization\\)"):
        lamina.Sequential([lamina.Input((3, 4)), lamina.layers.TimeDistributed(
            lamina.layers.BatchNormalization())])


def test_time_distributed_config_round_trip():
    layer = lamina.layers.TimeDistributed(lamina.layers.Dense(3, activation="relu"))
    clone = lamina.layers.TimeDistributed.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert isinstance(clone.layer, lamina.layers.Dense) and clone.layer.units == 3


# -- Bidirectional -------------------------------------------------------------------------

def _bidirectional(lib, cell, merge_mode="concat", return_sequences=False, masked=False,
                   shape=(6, 3), **kwargs):
    layers = [lib.Input(shape)]
    if masked:
        layers.append(lib.layers.Masking(0.0))
    rnn = getattr(lib.layers, cell)(4, return_sequences=return_sequences, **kwargs)
    layers.append(lib.layers.Bidirectional(rnn, merge_mode=merge_mode))
    return lib.Sequential(layers)


def _sequences(n=5, shape=(6, 3), masked=False, seed=1):
    x = np.random.default_rng(seed).normal(size=(n,) + shape).astype(np.float32)
    if masked:
        # Padding at the end of some sequences and in the middle of one.
        x[0, 4:] = 0.0
        x[1, 2:] = 0.0
        x[3, 1] = 0.0
    return x


BIDI_CASES = [
    ("LSTM", "concat", False), ("LSTM", "sum", True), ("GRU", "mul", True),
    ("GRU", "ave", False), ("SimpleRNN", "concat", True),
]


@pytest.mark.parity
@pytest.mark.parametrize("cell,merge_mode,return_sequences", BIDI_CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_matches_keras(cell, merge_mode, return_sequences, masked, keras_ref):
    lm = _bidirectional(lamina, cell, merge_mode, return_sequences, masked)
    km = _bidirectional(keras_ref, cell, merge_mode, return_sequences, masked)
    weights = _random_weights(lm)
    lm.set_weights(weights)
    km.set_weights(weights)
    x = _sequences(masked=masked)
    out = lm.predict(x, verbose=0)
    np.testing.assert_allclose(out, km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    if masked and return_sequences:
        # Keras zeros the masked steps of both directions' sequences here.
        np.testing.assert_array_equal(out[1, 2:], 0.0)
    y = np.random.default_rng(2).normal(size=out.shape).astype(np.float32)
    _same_training(lm, km, x, y, rtol=1e-3, atol=1e-5)


@pytest.mark.parity
def test_bidirectional_config_weights_and_paths_match_keras(keras_ref):
    lm = _bidirectional(lamina, "GRU", return_sequences=True)
    km = _bidirectional(keras_ref, "GRU", return_sequences=True)
    lc, kc = lm.layers[0].get_config(), km.layers[0].get_config()
    for c in (lc, kc):
        c.pop("name")
        for key in ("layer", "backward_layer"):
            c[key]["config"].pop("name")
    assert lc == kc
    assert [w.shape for w in lm.weights] == [tuple(w.shape) for w in km.weights]
    def shape_of_path(path):  # direction prefix, cell, weight (auto-name counters differ)
        parts = path.split("/")
        return parts[-3].split("_")[0], parts[-2], parts[-1]

    assert [shape_of_path(w.path) for w in lm.weights] == [
        shape_of_path(w.path) for w in km.weights]
    assert lm.layers[0].forward_layer.name.startswith("forward_")
    assert lm.layers[0].backward_layer.go_backwards


@pytest.mark.parity
def test_bidirectional_saves_as_keras_does(tmp_path, keras_ref):
    lm = _bidirectional(lamina, "LSTM", return_sequences=True)
    lm.set_weights(_random_weights(lm))
    x = _sequences()
    lm.save(tmp_path / "lamina.keras")
    loaded = keras_ref.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), lm.predict(x, verbose=0), atol=1e-6)
    km = _bidirectional(keras_ref, "GRU")
    km.set_weights(_random_weights(km, seed=9))
    km.save(tmp_path / "keras.keras")
    back = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("merge_mode", ["concat", "mul"])
def test_bidirectional_gradients(merge_mode):
    lamina.utils.set_random_seed(0)
    model = _bidirectional(lamina, "GRU", merge_mode, return_sequences=True, masked=True,
                           shape=(4, 2))
    x = _sequences(n=4, shape=(4, 2), masked=True)
    y = np.random.default_rng(3).normal(size=(4, 4, 8 if merge_mode == "concat" else 4))
    check_gradients(model, x, y.astype(np.float32))


def test_bidirectional_backward_layer_and_errors():
    custom = lamina.layers.Bidirectional(
        lamina.layers.LSTM(3), backward_layer=lamina.layers.GRU(2, go_backwards=True))
    model = lamina.Sequential([lamina.Input((5, 2)), custom])
    assert model.output_shape == (None, 5)
    assert model.predict(_sequences(n=2, shape=(5, 2)), verbose=0).shape == (2, 5)
    with pytest.raises(ValueError, match="Please initialize `Bidirectional` layer with a"):
        lamina.layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="Invalid merge mode. Received: max"):
        lamina.layers.Bidirectional(lamina.layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        lamina.layers.Bidirectional(lamina.layers.LSTM(2),
                                    backward_layer=lamina.layers.LSTM(2))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        lamina.layers.Bidirectional(lamina.layers.LSTM(2, return_sequences=True),
                                    backward_layer=lamina.layers.LSTM(2, go_backwards=True))
    with pytest.raises(ValueError, match="merge_mode=None"):
        lamina.Sequential([lamina.Input((5, 2)), lamina.layers.Bidirectional(
            lamina.layers.LSTM(2), merge_mode=None)])


def test_bidirectional_config_round_trip_and_freezing():
    layer = lamina.layers.Bidirectional(lamina.layers.GRU(3, return_sequences=True), "sum")
    clone = lamina.layers.Bidirectional.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = lamina.Sequential([lamina.Input((4, 2)), clone])
    clone.trainable = False
    assert not clone.forward_layer.trainable and not clone.backward_layer.trainable
    assert clone.trainable_weights == [] and len(model.non_trainable_weights) == 6


def test_stateful_bidirectional_carries_and_resets_state():
    layer = lamina.layers.Bidirectional(lamina.layers.LSTM(3, stateful=True))
    model = lamina.Sequential([lamina.Input((4, 2), batch_size=2), layer])
    x = _sequences(n=2, shape=(4, 2))
    first = model.predict(x, verbose=0, batch_size=2)
    second = model.predict(x, verbose=0, batch_size=2)
    assert not np.allclose(first, second)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0, batch_size=2), first, atol=1e-6)


@pytest.mark.parity
def test_time_distributed_passes_the_mask_to_the_loss(keras_ref):
    def build(lib):
        return lib.Sequential([lib.Input((6, 3)), lib.layers.Masking(0.0),
                               lib.layers.TimeDistributed(lib.layers.Dense(2))])

    lm, km = build(lamina), build(keras_ref)
    km.set_weights(lm.get_weights())
    x = _sequences(masked=True)
    y = np.random.default_rng(6).normal(size=(5, 6, 2)).astype(np.float32)
    _same_training(lm, km, x, y)


def test_freezing_one_direction_of_a_bidirectional_layer():
    model = _bidirectional(lamina, "GRU", shape=(4, 2))
    model.compile("sgd", "mse")
    x = _sequences(n=4, shape=(4, 2))
    y = np.ones((4, 8), np.float32)
    model.fit(x, y, verbose=0)  # a plan exists before the flag changes
    layer = model.layers[0]
    layer.forward_layer.trainable = False
    assert len(layer.trainable_weights) == 3
    forward, backward = layer.forward_layer.get_weights(), layer.backward_layer.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(forward, layer.forward_layer.get_weights()))
    assert not any(np.array_equal(a, b)
                   for a, b in zip(backward, layer.backward_layer.get_weights()))
