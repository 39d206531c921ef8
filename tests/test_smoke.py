"""The fast end-to-end check (a few seconds), also run under the sanitizers."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as keras

pytestmark = pytest.mark.smoke


def _data(n=256, features=20, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    teacher = rng.standard_normal((features, classes))
    return x, np.argmax(x @ teacher, axis=1)


def _model():
    return keras.Sequential(
        [
            keras.Input(shape=(20,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def test_issue_script_runs_and_learns():
    keras.utils.set_random_seed(0)
    x, y = _data(1024)
    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 8 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.85 and loss < history.history["loss"][0]
    probs = model.predict(x[:10], verbose=0)
    assert isinstance(probs, np.ndarray) and probs.shape == (10, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_on_batch_methods_and_weights():
    x, y = _data(64)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    out = model.train_on_batch(x[:32], y[:32])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(model.test_on_batch(x[:32], y[:32], return_dict=True), dict)
    assert model.predict_on_batch(x[:4]).shape == (4, 3)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(20, 64), (64,), (64, 3), (3,)]
    model.set_weights([np.zeros_like(w) for w in weights])
    np.testing.assert_array_equal(model.predict_on_batch(x[:4]), np.full((4, 3), 1 / 3, "f"))


def test_predict_with_several_isas_agrees():
    from lamina import _core

    x, _ = _data(37)
    model = _model()
    model.build()
    reference = None
    original = _core.cpu_info()["isa"]
    try:
        for isa in _core.supported_isas():
            _core.set_isa(isa)
            out = model.predict(x, verbose=0)
            if reference is None:
                reference = out
            np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-6)
    finally:
        _core.set_isa(original)
