"""The first NaN/Inf of a fit: noticed inside the native step before the
update, re-run on the pre-update weights with every layer checked, reported
once with the epoch, the batch and the first layer that went non-finite;
then the update is applied and training goes on as in Keras."""

from __future__ import annotations

import re
import warnings
from typing import Any, List

import numpy as np
import pytest

import lamina


def _model(hidden_activation: str = "relu") -> Any:
    return lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(4, activation=hidden_activation, name="hidden"),
        lamina.layers.Dense(1, name="head"),
    ])


def _nonfinite_warnings(record: List[Any]) -> List[str]:
    return [str(w.message) for w in record if "Non-finite" in str(w.message)]


def test_nan_inputs_are_named_with_epoch_batch_and_layer() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    x[20, 3] = np.nan  # batch 2 with batch_size 8
    x[29, 0] = np.inf  # batch 3: not reported again
    model = _model()
    model.compile("sgd", "mse")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    messages = _nonfinite_warnings(record)
    assert len(messages) == 1
    assert messages[0].startswith("Non-finite loss or gradient at epoch 1, batch 2: the inputs "
                                  "`x` of this batch contain NaN or Inf")
    assert "first produced NaN/Inf in the output of layer 'hidden' (Dense, layer 1 of 2)" in (
        messages[0])
    assert "TerminateOnNaN" in messages[0]
    # As in Keras, the update was applied: the weights are NaN now, and the
    # whole fit ran.
    assert np.isnan(model.get_weights()[0]).any()
    assert np.isnan(history.history["loss"]).all()
    assert int(model.optimizer.iterations) == 8


def test_relu_lets_nan_through_as_tensorflow_does() -> None:
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Activation("relu")])
    out = model.predict_on_batch(np.array([[np.nan, -1.0, 2.0]], np.float32))
    assert np.isnan(out[0, 0]) and out[0, 1] == 0.0 and out[0, 2] == 2.0


def test_overflow_in_a_layer_is_named_even_with_finite_inputs() -> None:
    model = _model()
    model.compile("sgd", "mse")
    w = model.get_weights()
    w[0][:] = 3e38
    model.set_weights(w)
    x = np.ones((4, 6), np.float32)
    with pytest.warns(RuntimeWarning) as record:
        model.train_on_batch(x, np.zeros((4, 1), np.float32))
    message = _nonfinite_warnings(record.list)[0]
    assert message.startswith("Non-finite loss or gradient in train_on_batch: the forward pass "
                              "first produced NaN/Inf in the output of layer 'hidden'")
    assert "inputs" not in message


def test_a_gradient_that_overflows_in_backward_is_named() -> None:
    model = _model()
    model.compile("sgd", "mse")
    hidden_k, hidden_b, head_k, head_b = model.get_weights()
    hidden_k[:] = -1.0  # relu outputs 0 for positive inputs: a finite forward pass
    head_k[:] = 3e38    # ... but dL/dh = dy * 3e38 overflows
    model.set_weights([hidden_k, hidden_b, head_k, head_b])
    x = np.ones((1, 6), np.float32)
    y = np.full((1, 1), 100.0, np.float32)
    before = model.evaluate(x, y, verbose=0)
    assert np.isfinite(before)
    with pytest.warns(RuntimeWarning) as record:
        model.train_on_batch(x, y)
    message = _nonfinite_warnings(record.list)[0]
    assert re.search(r"the forward pass and the loss are finite, but the backward pass first "
                     r"produced NaN/Inf in the input gradient of layer 'head' \(Dense, layer 2 "
                     r"of 2\)", message), message


def test_the_report_comes_once_per_fit_and_terminate_on_nan_still_stops() -> None:
    x = np.ones((16, 6), np.float32)
    x[5, 0] = np.nan
    y = np.zeros((16, 1), np.float32)
    model = _model()
    model.compile("sgd", "mse")
    with pytest.warns(RuntimeWarning, match="epoch 1, batch 1: the inputs"):
        model.fit(x, y, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[lamina.callbacks.TerminateOnNaN()])
    assert model.stop_training and int(model.optimizer.iterations) == 2
    # Each fit reports its own first NaN step: now the weights themselves.
    with pytest.warns(RuntimeWarning, match="epoch 1, batch 0: the forward pass first produced "
                                            "NaN/Inf in the output of layer 'hidden'"):
        model.fit(x, y, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[lamina.callbacks.TerminateOnNaN()])
    assert model.stop_training


def test_steps_per_execution_reports_the_batch_inside_the_group() -> None:
    x = np.ones((40, 6), np.float32)
    x[27, 2] = np.nan  # batch 6 (batch_size 4), the middle of group [3, 4, 5] ... [6, 7, 8]
    y = np.zeros((40, 1), np.float32)
    model = _model()
    model.compile("sgd", "mse", steps_per_execution=3)
    with pytest.warns(RuntimeWarning, match="epoch 1, batch 6: the inputs"):
        model.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations) == 10


def test_finite_training_is_untouched() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    model = _model()
    model.compile("adam", "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, epochs=2, verbose=0)
