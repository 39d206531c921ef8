"""Generators and PyDataset against real Keras 3.15.1 (TensorFlow backend):
the same batches give the same History, weights, evaluate and predict, and
the dataset hooks run as often. Deliberate differences are asserted as
lamina's behaviour and named "expected difference"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lamina

RTOL, ATOL = 1e-4, 1e-5
N, BS, FEATURES = 64, 16, 5


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(N, FEATURES)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2]).astype("float32")
    return x, y


def _dataset_class(lib: Any) -> Any:
    class Batches(lib.utils.PyDataset):
        def __init__(self, x, y, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.ends = x, y, 0

        def __len__(self):
            return len(self.x) // BS

        def __getitem__(self, i):
            return self.x[i * BS:(i + 1) * BS], self.y[i * BS:(i + 1) * BS]

        def on_epoch_end(self):
            self.ends += 1

    return Batches


def _model(lib: Any) -> Any:
    m = lib.Sequential([lib.Input((FEATURES,)), lib.layers.Dense(8, activation="tanh"),
                        lib.layers.Dense(1)])
    m.compile(lib.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return m


def _close(a, b, what):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parity
@pytest.mark.parametrize("workers", [1, 2])
def test_py_dataset_fit_evaluate_predict_match_keras(keras_ref, workers):
    keras = keras_ref
    x, y = _data()
    lm, km = _model(lamina), _model(keras)
    km.set_weights(lm.get_weights())
    lds = _dataset_class(lamina)(x, y, workers=workers)
    kds = _dataset_class(keras)(x, y, workers=workers)
    lval, kval = _dataset_class(lamina)(x, y), _dataset_class(keras)(x, y)
    kwargs = dict(epochs=2, shuffle=False, verbose=0)
    lh = lm.fit(lds, validation_data=lval, **kwargs)
    kh = km.fit(kds, validation_data=kval, **kwargs)
    assert list(lh.history) == list(kh.history)
    for key in kh.history:
        _close(lh.history[key], kh.history[key], key)
    assert lh.params == kh.params
    for a, b in zip(lm.get_weights(), km.get_weights()):
        _close(a, b, "weights after fit")
    # Expected difference: Keras 3 also calls on_epoch_end once at the start of
    # fit (after peeking batches for its signature); lamina once per used-up pass.
    assert (lds.ends, kds.ends) == (2, 3)
    _close(lm.evaluate(lds, verbose=0), km.evaluate(kds, verbose=0), "evaluate")
    _close(lm.predict(lds, verbose=0), km.predict(kds, verbose=0), "predict")


@pytest.mark.parity
def test_generator_fit_matches_keras(keras_ref):
    keras = keras_ref
    x, y = _data()

    def gen():
        while True:
            for i in range(0, N, BS):
                yield x[i:i + BS], y[i:i + BS]

    lm, km = _model(lamina), _model(keras)
    km.set_weights(lm.get_weights())
    # shuffle=False: Keras 3 warns that the default shuffle=True is ignored for
    # a generator (expected difference: lamina does not warn about a default).
    kwargs = dict(steps_per_epoch=N // BS, epochs=2, verbose=0)
    lh = lm.fit(gen(), **kwargs)
    kh = km.fit(gen(), shuffle=False, **kwargs)
    for key in kh.history:
        _close(lh.history[key], kh.history[key], key)
    assert lh.params == kh.params


@pytest.mark.parity
def test_argument_differences(keras_ref):
    keras = keras_ref
    x, y = _data()
    lm, km = _model(lamina), _model(keras)
    # Both refuse validation_split for a generator with a ValueError.
    for m in (lm, km):
        with pytest.raises(ValueError, match="`validation_split` is only supported for tensors"):
            m.fit((b for b in [(x, y)]), validation_split=0.5, verbose=0)
    # Expected difference: Keras 3 refuses the tf.keras worker arguments on fit()
    # and has no fit_generator; lamina accepts both (tf.keras 2.x scripts).
    with pytest.raises(TypeError, match="workers"):
        km.fit(_dataset_class(keras)(x, y), workers=2, verbose=0)
    assert not hasattr(km, "fit_generator")
    lm.fit(_dataset_class(lamina)(x, y), workers=2, verbose=0)
    with pytest.warns(UserWarning, match="deprecated"):
        lm.fit_generator(_dataset_class(lamina)(x, y), verbose=0)
