"""Weight and activity regularizers and weight constraints: the penalty joins
the reported loss and its gradient the update; constraints project the
weights after each update. Checked against numpy and real Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lamina
from lamina import constraints, regularizers

RTOL = 1e-4
ATOL = 1e-5


def _data(n: int = 32, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6)).astype(np.float32), rng.integers(0, 3, size=n)


def _model(lib: Any, **dense_kwargs: Any) -> Any:
    return lib.Sequential([
        lib.Input((6,)),
        lib.layers.Dense(8, activation="relu", **dense_kwargs),
        lib.layers.Dense(3, activation="softmax"),
    ])


# -- the objects ------------------------------------------------------------------


def test_regularizer_values_defaults_and_names() -> None:
    w = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    assert regularizers.L1()(w) == pytest.approx(0.01 * 3.5)
    assert regularizers.L2()(w) == pytest.approx(0.01 * 5.25)
    assert regularizers.L1L2(l1=0.1, l2=0.2)(w) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}  # Keras 3's class alias
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}  # tf.keras 2.x
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.l1(l=0.25).get_config() == {"l1": 0.25}  # tf.keras 2.x's `l=`
    assert isinstance(regularizers.get({"class_name": "L1", "config": {"l1": 0.2}}),
                      regularizers.L1)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L2(float("inf"))
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L1(-0.1)


@pytest.mark.parametrize("constraint, axis", [
    (constraints.MaxNorm(0.7), 0), (constraints.MaxNorm(0.7, axis=1), 1),
    (constraints.UnitNorm(), 0), (constraints.MinMaxNorm(0.5, 0.8, rate=0.5), 0),
    (constraints.NonNeg(), None),
])
def test_constraints_in_training_match_their_numpy_formula(constraint: Any, axis: Any) -> None:
    x, y = _data()
    model = _model(lamina, kernel_constraint=constraint)
    free = _model(lamina)  # not a clone: that would copy the constraint too
    free.set_weights(model.get_weights())
    for m in (model, free):
        m.compile(lamina.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    free.train_on_batch(x, y)
    expected = constraint(free.get_weights()[0])
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(model.get_weights()[1], free.get_weights()[1])


def test_constraint_axis_out_of_range_is_named() -> None:
    x, y = _data()
    model = _model(lamina, kernel_constraint=constraints.MaxNorm(1.0, axis=2))
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="axis 2 is out of range for a weight of shape"):
        model.fit(x, y, verbose=0)


def test_custom_regularizers_and_constraints_are_refused_by_name() -> None:
    class Mine(regularizers.Regularizer):
        def __call__(self, w: Any) -> Any:
            return 0.0

    with pytest.raises(ValueError, match="Layer 'd': `kernel_regularizer=.*not supported"):
        lamina.layers.Dense(2, name="d", kernel_regularizer=Mine())
    with pytest.raises(ValueError, match="Layer 'e': `bias_constraint=.*not supported"):
        lamina.layers.Dense(2, name="e", bias_constraint=lambda w: w)
    with pytest.raises(ValueError, match="Layer 'f': `activity_regularizer=.*not supported"):
        lamina.layers.Dense(2, name="f",
                            activity_regularizer=regularizers.OrthogonalRegularizer())


# -- in training --------------------------------------------------------------------


def test_weight_penalty_joins_the_loss_and_the_update() -> None:
    x, y = _data()
    reg = regularizers.L1L2(l1=0.03, l2=0.05)
    model = _model(lamina, kernel_regularizer=reg)
    plain = _model(lamina)
    plain.set_weights(model.get_weights())
    for m in (model, plain):
        m.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    kernel = model.get_weights()[0].astype(np.float64)
    penalty = 0.03 * np.abs(kernel).sum() + 0.05 * np.square(kernel).sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        plain.evaluate(x, y, verbose=0) + penalty, rel=1e-6)
    model.train_on_batch(x, y)
    plain.train_on_batch(x, y)
    # The update of the regularized kernel: plain's minus lr * the penalty's gradient.
    grad = 0.03 * np.sign(kernel) + 2 * 0.05 * kernel
    np.testing.assert_allclose(model.get_weights()[0], plain.get_weights()[0] - 0.1 * grad,
                               rtol=1e-5, atol=1e-6)


def test_activity_penalty_is_divided_by_the_batch_size() -> None:
    x, y = _data(n=20)
    model = _model(lamina, activity_regularizer=regularizers.L2(0.1))
    plain = _model(lamina)
    plain.set_weights(model.get_weights())
    for m in (model, plain):
        m.compile("sgd", "sparse_categorical_crossentropy")
    hidden = np.maximum(x @ model.get_weights()[0] + model.get_weights()[1], 0)
    penalty = 0.1 * np.square(hidden.astype(np.float64)).sum() / len(x)
    assert model.test_on_batch(x, y) == pytest.approx(plain.test_on_batch(x, y) + penalty,
                                                      rel=1e-5)


def test_activity_regularizer_on_a_softmax_output_trains_through_the_probabilities() -> None:
    # With an activity regularizer on the output, the loss cannot fuse with
    # the softmax; the gradient must still be right (checked against Keras
    # in the parity test below, against a finite difference here).
    x, y = _data(n=8)
    model = lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(3, activation="softmax", activity_regularizer=regularizers.L1L2(
            0.2, 0.3)),
    ])
    model.compile(lamina.optimizers.SGD(1.0), "sparse_categorical_crossentropy")
    w0 = model.get_weights()
    model.train_on_batch(x, y)
    grad = w0[0] - model.get_weights()[0]  # lr 1: the gradient itself
    eps = 1e-2
    for (i, j) in [(0, 0), (3, 2), (5, 1)]:
        losses = []
        for sign in (1, -1):
            w = [a.copy() for a in w0]
            w[0][i, j] += sign * eps
            model.set_weights(w)
            losses.append(model.test_on_batch(x, y))
        numeric = (losses[0] - losses[1]) / (2 * eps)
        assert grad[i, j] == pytest.approx(numeric, rel=2e-2, abs=2e-4)


def test_frozen_weights_are_not_regularized_or_constrained() -> None:
    x, y = _data()
    model = _model(lamina, kernel_regularizer=regularizers.L2(1.0),
                   kernel_constraint=constraints.UnitNorm())
    plain = _model(lamina)
    plain.set_weights(model.get_weights())
    model.layers[0].trainable = False
    plain.layers[0].trainable = False
    for m in (model, plain):
        m.compile("sgd", "sparse_categorical_crossentropy")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain.evaluate(x, y, verbose=0))
    before = model.get_weights()[0]
    model.fit(x, y, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], before)


def test_config_round_trip_keeps_regularizers_and_constraints() -> None:
    layer = lamina.layers.Dense(
        4, kernel_regularizer=regularizers.L1L2(0.01, 0.02), bias_regularizer="l2",
        activity_regularizer=regularizers.L1(0.05),
        kernel_constraint=constraints.MaxNorm(3, axis=[0]), bias_constraint="non_neg")
    config = layer.get_config()
    assert config["kernel_regularizer"] == {
        "module": "keras.regularizers", "class_name": "L1L2",
        "config": {"l1": 0.01, "l2": 0.02}, "registered_name": None}
    assert config["kernel_constraint"]["config"] == {"max_value": 3, "axis": [0]}
    clone = lamina.layers.Dense.from_config(config)
    assert clone.get_config() == config


def test_saved_model_keeps_them(tmp_path: Any) -> None:
    x, y = _data()
    model = _model(lamina, kernel_regularizer="l2", kernel_constraint=constraints.MaxNorm(1.0))
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = lamina.saving.load_model(path)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.MaxNorm)


@pytest.mark.parity
def test_regularizers_and_constraints_match_keras(keras_ref: Any) -> None:
    x, y = _data()

    def build(lib: Any) -> Any:
        return lib.Sequential([
            lib.Input((6,)),
            lib.layers.Dense(
                8, activation="relu", kernel_regularizer=lib.regularizers.L1L2(0.01, 0.02),
                bias_regularizer="l2", activity_regularizer=lib.regularizers.L1(0.05),
                kernel_constraint=lib.constraints.MaxNorm(0.5),
                bias_constraint=lib.constraints.NonNeg()),
            lib.layers.Dense(3, activation="softmax", activity_regularizer="l2",
                             kernel_constraint=lib.constraints.UnitNorm(axis=1)),
        ])

    lm, km = build(lamina), build(keras_ref)
    km.set_weights(lm.get_weights())
    lm.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    km.compile(keras_ref.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    assert lm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0),
                                                         rel=RTOL)
    lh = lm.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    kh = km.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=RTOL, atol=ATOL)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    lc, kc = lm.layers[0].get_config(), km.layers[0].get_config()
    lc.pop("name"), kc.pop("name")
    assert lc == kc
