"""Embedding: `run_layer_test` (config, shapes, gradients, parity), its
arguments and errors, the id check (through predict, fit, evaluate and the
native op), the backward scatter against numpy and finite differences,
integer inputs, and trained weights against real Keras (SGD, and Adam with
its documented difference on repeated ids)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from layer_test_utils import check_gradients, run_layer_test

import lamina
from lamina import _core

# -- run_layer_test ------------------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, input_shape, output_shape", [
    ({"input_dim": 10, "output_dim": 4}, (5,), (5, 4)),
    ({"input_dim": 7, "output_dim": 3, "mask_zero": True}, (6,), (6, 3)),
    ({"input_dim": 9, "output_dim": 2, "embeddings_initializer": "glorot_uniform"}, (3, 2),
     (3, 2, 2)),
    ({"input_dim": 12, "output_dim": 5, "embeddings_regularizer": lamina.regularizers.L2(0.01),
      "embeddings_constraint": lamina.constraints.MaxNorm(1.0)}, (4,), (4, 5)),
])
def test_embedding(keras_ref: Any, kwargs: Any, input_shape: Any, output_shape: Any) -> None:
    run_layer_test("Embedding", kwargs, input_shape, output_shape,
                   expected_weights=[("embeddings", (kwargs["input_dim"], kwargs["output_dim"]))],
                   integer_inputs=kwargs["input_dim"], batch=6, keras=keras_ref)


@pytest.mark.parity
def test_config_keys_are_keras_3s(keras_ref: Any) -> None:
    ours = lamina.layers.Embedding(10, 4, mask_zero=True).get_config()
    theirs = keras_ref.layers.Embedding(10, 4, mask_zero=True).get_config()
    assert list(ours) == list(theirs)
    ours.pop("name")
    theirs.pop("name")
    assert ours == theirs


# -- arguments -------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"input_dim": 0, "output_dim": 4}, "`input_dim` must be a positive integer. Received: "
                                        "input_dim=0"),
    ({"input_dim": 3.0, "output_dim": 4}, "input_dim=3.0 (of type float)"),
    ({"input_dim": 10, "output_dim": -2}, "`output_dim` must be a positive integer"),
    ({"input_dim": True, "output_dim": 2}, "`input_dim` must be a positive integer"),
    ({"input_dim": 2**24 + 1, "output_dim": 2}, "at most 2**24 = 16777216: lamina reads ids as "
                                                "float32"),
    ({"input_dim": 10, "output_dim": 2, "lora_rank": 4}, "`lora_rank` is not supported"),
])
def test_bad_arguments(kwargs: Any, message: str) -> None:
    with pytest.raises(ValueError) as err:
        lamina.layers.Embedding(**kwargs)
    assert message in str(err.value)


def test_largest_vocabulary_float_ids_address_is_accepted() -> None:
    layer = lamina.layers.Embedding(2**24, 1, embeddings_initializer="zeros")
    model = lamina.Sequential([lamina.Input((2,)), layer])
    out = model.predict(np.array([[2**24 - 1, 0]], np.int64), verbose=0)
    assert out.shape == (1, 2, 1)


def test_initial_weights_and_default_initializer() -> None:
    table = np.arange(12, dtype=np.float32).reshape(6, 2)
    for weights in (table, [table]):
        layer = lamina.layers.Embedding(6, 2, weights=weights)
        model = lamina.Sequential([lamina.Input((3,)), layer])
        np.testing.assert_array_equal(layer.get_weights()[0], table)
        np.testing.assert_array_equal(model.predict(np.array([[5, 0, 2]]), verbose=0)[0],
                                      table[[5, 0, 2]])
    with pytest.raises(ValueError, match=r"\(6, 2\) is not compatible .* \(2, 6\)"):
        lamina.layers.Embedding(6, 2, weights=table.T)
    values = lamina.Sequential([lamina.Input((1,)), lamina.layers.Embedding(500, 40)]).get_weights()
    assert -0.05 <= values[0].min() < -0.04 and 0.04 < values[0].max() <= 0.05  # U(-0.05, 0.05)


def test_input_length_sets_the_input_shape_as_tf_keras_2_did() -> None:
    model = lamina.Sequential([lamina.layers.Embedding(50, 8, input_length=12),
                               lamina.layers.Flatten(), lamina.layers.Dense(1)])
    assert model.input_shape == (None, 12)
    assert model.output_shape == (None, 1)  # built before any data, so summary() works
    assert "input_length" not in model.layers[0].get_config()


def test_integer_input_dtype_and_int64_ids() -> None:
    model = lamina.Sequential([lamina.Input((200,), dtype="int32"),
                               lamina.layers.Embedding(100, 8),
                               lamina.layers.GlobalAveragePooling1D(), lamina.layers.Dense(1)])
    assert model.get_config()["layers"][0]["config"]["dtype"] == "int32"
    assert model.inputs[0].dtype == "int32"
    ids = np.random.default_rng(0).integers(0, 100, size=(10, 200))
    np.testing.assert_array_equal(model.predict(ids, verbose=0),
                                  model.predict(ids.astype(np.float32), verbose=0))
    with pytest.raises(ValueError, match="float32 only"):
        lamina.Input((3,), dtype="float64")


def test_int64_ids_are_converted_once_per_fit(monkeypatch: Any) -> None:
    """Integer x becomes float32 once, not once per batch or epoch."""
    import lamina.trainers.data_adapters.array_data_adapter as ada
    import lamina.trainers.trainer as trainer_module

    conversions = []
    original = ada.to_float32

    def counting(data: Any, name: str) -> np.ndarray:
        if name == "x" and np.asarray(data).dtype != np.float32:
            conversions.append(np.asarray(data).shape)
        return original(data, name)

    monkeypatch.setattr(ada, "to_float32", counting)
    monkeypatch.setattr(trainer_module, "to_float32", counting)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 30, size=(64, 10))
    y = rng.integers(0, 2, size=(64, 1))
    model = lamina.Sequential([lamina.Input((10,)), lamina.layers.Embedding(30, 4),
                               lamina.layers.Flatten(), lamina.layers.Dense(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert conversions == [(64, 10)]


# -- the id check ------------------------------------------------------------------


def _model(input_dim: int = 10, steps: int = 6) -> Any:
    model = lamina.Sequential([lamina.Input((steps,)),
                               lamina.layers.Embedding(input_dim, 3, name="words"),
                               lamina.layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("bad, shown", [
    (10, "id 10"), (11.5, "id 11 (from the value 11.5)"), (-1, "id -1"), (-7, "id -7"),
    (np.nan, "id nan"), (np.inf, "id inf"),
])
def test_bad_ids_are_named_with_their_position(bad: float, shown: str) -> None:
    model = _model()
    x = np.ones((5, 6), np.float32)
    x[3, 4] = bad
    y = np.zeros((5, 6, 2), np.float32)
    expected = (f"Layer 'words' (Embedding) received {shown} at sample 3 of `x`, timestep 4; "
                "ids must be integers in [0, 10) (input_dim=10).")
    for call in (lambda: model.predict(x, verbose=0), lambda: model.fit(x, y, verbose=0),
                 lambda: model.evaluate(x, y, verbose=0), lambda: model.train_on_batch(x, y)):
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value) == expected


def test_ids_truncate_like_keras_casts() -> None:
    model = _model()
    as_float = np.array([[2.7, -0.5, 0.2, 9.99, 3.0, 1.5]], np.float32)
    as_int = np.array([[2, 0, 0, 9, 3, 1]])
    np.testing.assert_array_equal(model.predict(as_float, verbose=0),
                                  model.predict(as_int, verbose=0))


def test_position_of_ids_of_rank_two() -> None:
    model = lamina.Sequential([lamina.Input((2, 3)), lamina.layers.Embedding(4, 2, name="e")])
    x = np.zeros((2, 2, 3))
    x[1, 0, 2] = 4
    with pytest.raises(ValueError, match=r"id 4 at sample 1 of `x`, position \(0, 2\);"):
        model.predict(x, verbose=0)


def test_native_op_checks_ids_itself() -> None:
    """Past the Python check (an Embedding that is not the first layer, a
    direct plan call), the op refuses the batch before any read."""
    model = lamina.Sequential([lamina.Input((6,)), lamina.layers.Reshape((2, 3)),
                               lamina.layers.Embedding(5, 2, name="late")])
    model.compile("sgd", "mse")
    x = np.zeros((4, 6), np.float32)
    x[2, 4] = 5
    with pytest.raises(ValueError, match=r"'late' \(Embedding\) received id 5 at sample 2 of the "
                                         r"batch, position \(1, 1\); ids must be integers in "
                                         r"\[0, 5\)"):
        model.fit(x, np.zeros((4, 2, 3, 2), np.float32), shuffle=False, verbose=0)

    plan = _core.Plan([3])
    plan.add(_core.ops.embedding("raw", 4, 2), [np.zeros((4, 2), np.float32)])
    with pytest.raises(ValueError, match="received id -2 at sample 1 of the batch, timestep 0"):
        plan.predict(np.array([[0, 1, 2], [-2, 0, 0]], np.float32), np.empty((2, 3, 2), np.float32),
                     None)


def test_bad_ids_from_a_generator_are_refused() -> None:
    model = _model()

    def batches():
        yield np.ones((2, 6)), np.zeros((2, 6, 2))
        yield np.full((2, 6), 12), np.zeros((2, 6, 2))

    with pytest.raises(ValueError, match="received id 12 at sample 0 of `x`, timestep 0"):
        model.fit(batches(), epochs=1, steps_per_epoch=2, verbose=0)


# -- gradients -----------------------------------------------------------------------


def test_gradient_scatters_repeated_ids_like_numpy() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 5, size=(8, 7)).astype(np.float32)  # 56 ids over 5 rows: many repeats
    model = lamina.Sequential([lamina.Input((7,)), lamina.layers.Embedding(9, 6)])
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    y = rng.normal(size=(8, 7, 6)).astype(np.float32)
    out = model.predict(x, verbose=0)
    model.train_on_batch(x, y)
    grad = model._plan.gradients()[0]
    dy = 2.0 * (out - y) / out.size
    expected = np.zeros((9, 6))
    np.add.at(expected, x.astype(np.int64).reshape(-1), dy.reshape(-1, 6))
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8)
    assert not grad[5:].any()  # rows no id picked get exactly zero


def test_gradient_matches_finite_differences_through_a_head() -> None:
    rng = np.random.default_rng(3)
    model = lamina.Sequential([lamina.Input((5,)), lamina.layers.Embedding(6, 4),
                               lamina.layers.Dense(3, activation="tanh"),
                               lamina.layers.GlobalAveragePooling1D(), lamina.layers.Dense(2)])
    x = rng.integers(0, 6, size=(4, 5)).astype(np.float32)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    check_gradients(model, x, y, samples=10)


def test_gradient_is_identical_for_any_thread_count() -> None:
    rng = np.random.default_rng(4)
    x = rng.integers(0, 30, size=(32, 50)).astype(np.float32)
    y = rng.normal(size=(32, 50, 40)).astype(np.float32)
    grads = []
    before = lamina.config.get_num_threads()
    try:
        for threads in (1, 2, 3):
            lamina.config.set_num_threads(threads)
            model = lamina.Sequential([lamina.Input((50,)),
                                       lamina.layers.Embedding(30, 40, weights=np.ones((30, 40)))])
            model.compile(lamina.optimizers.SGD(0.0), "mse")
            model.train_on_batch(x, y)
            grads.append(np.array(model._plan.gradients()[0]))
    finally:
        lamina.config.set_num_threads(before)
    for g in grads[1:]:
        np.testing.assert_array_equal(g, grads[0])


# -- training against real Keras ----------------------------------------------------


def _classifier(lib: Any, vocab: int, steps: int) -> Any:
    return lib.Sequential([lib.Input((steps,)), lib.layers.Embedding(vocab, 4),
                           lib.layers.Flatten(), lib.layers.Dense(1, activation="sigmoid")])


def _fit_both(keras: Any, optimizer: str, x: np.ndarray, y: np.ndarray, vocab: int) -> Any:
    km, lm = _classifier(keras, vocab, x.shape[1]), _classifier(lamina, vocab, x.shape[1])
    lm.set_weights(km.get_weights())
    km.compile(getattr(keras.optimizers, optimizer)(0.05), "binary_crossentropy",
               metrics=["accuracy"])
    lm.compile(getattr(lamina.optimizers, optimizer)(0.05), "binary_crossentropy",
               metrics=["accuracy"])
    kh = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    lh = lm.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    return km, lm, kh, lh


@pytest.mark.parity
def test_trained_weights_match_keras_with_sgd(keras_ref: Any) -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, size=(32, 5))  # repeated ids within every batch
    y = (x == 3).any(axis=1, keepdims=True).astype(np.float32)
    km, lm, kh, lh = _fit_both(keras_ref, "SGD", x, y, 6)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(lh[key], kh[key], rtol=1e-5, err_msg=key)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parity
def test_trained_weights_match_keras_with_adam_on_distinct_ids(keras_ref: Any) -> None:
    rng = np.random.default_rng(6)
    # Each batch of 8 samples x 4 steps uses 32 distinct ids of 40.
    x = np.concatenate([rng.permutation(40)[:32].reshape(8, 4) for _ in range(4)])
    y = (x % 2 == 0).sum(axis=1, keepdims=True) > 2
    km, lm, kh, lh = _fit_both(keras_ref, "Adam", x, y.astype(np.float32), 40)
    np.testing.assert_allclose(lh["loss"], kh["loss"], rtol=1e-4)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


@pytest.mark.parity
def test_adam_on_repeated_ids_is_documented_difference(keras_ref: Any) -> None:
    """Expected difference (docs/compatibility.md): Keras on TensorFlow gets
    the Embedding gradient as IndexedSlices, and Adam squares each
    occurrence's slice before summing them, so an id seen twice in a batch
    gets v = g1**2 + g2**2 instead of (g1 + g2)**2. lamina (like PyTorch and
    Keras on JAX) squares the summed gradient."""
    x = np.array([[1, 1, 2]])  # id 1 twice
    y = np.array([[1.0]], np.float32)
    updated = {}
    for lib in (lamina, keras_ref):
        model = lib.Sequential([
            lib.Input((3,)), lib.layers.Embedding(4, 1, embeddings_initializer="zeros"),
            lib.layers.Flatten(),
            lib.layers.Dense(1, use_bias=False, kernel_initializer="ones", trainable=False)])
        model.compile(lib.optimizers.Adam(0.1), "mse")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TF: "converting sparse IndexedSlices to dense"
            model.train_on_batch(x, y)
        updated[lib.__name__] = model.get_weights()[0].ravel()
    # Both occurrences of id 1 get gradient -2 (mse against 1 with output 0).
    np.testing.assert_allclose(updated["lamina"], [0.0, 0.1, 0.1, 0.0], rtol=1e-5)
    np.testing.assert_allclose(updated["keras"], [0.0, 0.1 * 4 / np.sqrt(8), 0.1, 0.0],
                               rtol=1e-5)


def test_keras_format_round_trip(tmp_path: Any) -> None:
    model = lamina.Sequential([lamina.Input((4,), dtype="int32"),
                               lamina.layers.Embedding(8, 3, mask_zero=True),
                               lamina.layers.GlobalAveragePooling1D(), lamina.layers.Dense(1)])
    x = np.array([[1, 2, 0, 0], [7, 6, 5, 0]])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = lamina.models.load_model(path)
    assert loaded.layers[0].mask_zero and loaded.inputs[0].dtype == "int32"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
