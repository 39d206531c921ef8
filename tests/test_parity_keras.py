"""Parity with real Keras 3.15.1 (TensorFlow backend).

Every test builds the same model in lamina and in Keras, copies lamina's
initial weights into the Keras model with `set_weights`, feeds both the same
data and compares what comes back: losses, metrics, weights after every step,
History, return types, callback hooks, names, shapes and errors.

Tolerances: RTOL = 1e-4, ATOL = 1e-5 for losses, metrics and weights. Both
libraries compute in float32; they differ only in the order of the float32
sums (GEMM blocking, reductions). Over the 10 train_on_batch steps the worst
measured differences were 1.8e-7 on weights of order 0.1-1 and 8e-7 on
losses, so these bounds leave a margin of >10x while still catching any
difference of formula (a wrong bias correction, epsilon placement or momentum
form changes weights by 1e-4 or more within a few steps). lamina accumulates
losses and metrics in float64 and Keras in float32, also far inside these
bounds. (Accuracies, fractions of 16 samples, matched exactly in those runs.)

Where lamina differs from Keras by design, the test asserts lamina's
behaviour and says "expected difference" with the reason.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

import numpy as np
import pytest

import lamina

RTOL = 1e-4
ATOL = 1e-5
N_FEATURES = 20
N_CLASSES = 3
N_STEPS = 10
BATCH = 16


# -- helpers ---------------------------------------------------------------


def _mlp(lib: Any, units: int = N_CLASSES, activation: Optional[str] = "softmax",
         dropout: Optional[float] = 0.0) -> Any:
    """Input(20) -> Dense(64, relu) -> [Dropout(rate)] -> Dense(units, activation).

    Dropout runs with rate 0.0 in the numeric comparisons: the masks of the
    two libraries come from different generators by design, so only a rate
    of 0 gives comparable numbers.
    """
    layers = [lib.Input((N_FEATURES,)), lib.layers.Dense(64, activation="relu")]
    if dropout is not None:
        layers.append(lib.layers.Dropout(dropout))
    layers.append(lib.layers.Dense(units, activation=activation))
    return lib.Sequential(layers)


def _pair(keras: Any, **kwargs: Any) -> Tuple[Any, Any]:
    """The same MLP in both libraries, Keras starting from lamina's weights."""
    lm = _mlp(lamina, **kwargs)
    km = _mlp(keras, **kwargs)
    km.set_weights(lm.get_weights())
    _assert_weights_close(lm, km, "after set_weights")
    return lm, km


def _assert_weights_close(lm: Any, km: Any, when: str) -> None:
    lw, kw = lm.get_weights(), km.get_weights()
    assert len(lw) == len(kw)
    for i, (a, b) in enumerate(zip(lw, kw)):
        assert a.shape == b.shape, f"weight {i} shape {when}"
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"weight {i} {when}")


def _as_list(value: Any) -> List[float]:
    return [float(v) for v in value] if isinstance(value, list) else [float(value)]


def _features(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.normal(size=(n, N_FEATURES)).astype(np.float32)


def _targets(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "sparse":
        return rng.integers(0, N_CLASSES, size=n)
    if kind == "onehot":
        return np.eye(N_CLASSES, dtype=np.float32)[rng.integers(0, N_CLASSES, size=n)]
    if kind == "binary":
        return rng.integers(0, 2, size=(n, 1)).astype(np.float32)
    if kind == "regression":
        return rng.normal(size=(n, N_CLASSES)).astype(np.float32)
    raise AssertionError(kind)


def _classification_data(n: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return _features(rng, n), _targets("sparse", rng, n)


def _compile_pair(lm: Any, km: Any, keras: Any, metrics: Any = ("accuracy",),
                  loss: str = "sparse_categorical_crossentropy") -> None:
    lm.compile(optimizer=lamina.optimizers.Adam(learning_rate=1e-3), loss=loss,
               metrics=None if metrics is None else list(metrics))
    km.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss,
               metrics=None if metrics is None else list(metrics))


def _raised(fn: Callable[[], Any]) -> Optional[BaseException]:
    try:
        fn()
    except Exception as e:  # the class is what the tests compare
        return e
    return None


# -- 1. train_on_batch, step by step ------------------------------------------

# (id, optimizer factory, loss, target kind, output units, output activation, metrics)
_STEP_CASES = [
    ("adam-sparse", lambda lib: lib.optimizers.Adam(learning_rate=1e-3),
     "sparse_categorical_crossentropy", "sparse", N_CLASSES, "softmax", ["accuracy"]),
    ("sgd-momentum", lambda lib: lib.optimizers.SGD(learning_rate=0.05, momentum=0.9),
     "sparse_categorical_crossentropy", "sparse", N_CLASSES, "softmax", ["accuracy"]),
    ("sgd-nesterov",
     lambda lib: lib.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
     "sparse_categorical_crossentropy", "sparse", N_CLASSES, "softmax", ["accuracy"]),
    ("adam-categorical", lambda lib: lib.optimizers.Adam(learning_rate=1e-3),
     "categorical_crossentropy", "onehot", N_CLASSES, "softmax", ["accuracy"]),
    # "accuracy" with a 1-unit output resolves to binary accuracy in both.
    ("adam-binary", lambda lib: lib.optimizers.Adam(learning_rate=1e-3),
     "binary_crossentropy", "binary", 1, "sigmoid", ["accuracy"]),
    # No metrics: train_on_batch returns the loss as a scalar.
    ("adam-mse", lambda lib: lib.optimizers.Adam(learning_rate=1e-3),
     "mean_squared_error", "regression", N_CLASSES, "linear", None),
]


@pytest.mark.parity
@pytest.mark.parametrize(
    "make_optimizer, loss, target, units, activation, metrics",
    [case[1:] for case in _STEP_CASES],
    ids=[case[0] for case in _STEP_CASES],
)
def test_train_on_batch_steps_match_keras(keras_ref, make_optimizer, loss, target, units,
                                          activation, metrics):
    keras = keras_ref
    lm, km = _pair(keras, units=units, activation=activation)
    lm.compile(optimizer=make_optimizer(lamina), loss=loss, metrics=metrics)
    km.compile(optimizer=make_optimizer(keras), loss=loss, metrics=metrics)
    rng = np.random.default_rng(1)
    for step in range(N_STEPS):
        xb = _features(rng, BATCH)
        yb = _targets(target, rng, BATCH)
        got = lm.train_on_batch(xb, yb)
        want = km.train_on_batch(xb, yb)
        assert isinstance(got, list) == isinstance(want, list), f"step {step}: return type"
        np.testing.assert_allclose(_as_list(got), _as_list(want), rtol=RTOL, atol=ATOL,
                                   err_msg=f"loss/metrics at step {step}")
        _assert_weights_close(lm, km, f"after step {step}")


@pytest.mark.parity
def test_optimizer_iterations_match_keras(keras_ref):
    keras = keras_ref
    x, y = _classification_data(16)
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    for _ in range(3):
        lm.train_on_batch(x, y)
        km.train_on_batch(x, y)
    # Keras's `iterations` is a variable; lamina's an int (both convert with int()).
    assert int(km.optimizer.iterations.numpy()) == 3
    assert int(lm.optimizer.iterations) == 3


# -- 2. fit with validation_split -------------------------------------------------


@pytest.mark.parity
def test_fit_history_matches_keras(keras_ref):
    keras = keras_ref
    x, y = _classification_data(64)
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    kwargs = dict(shuffle=False, epochs=2, validation_split=0.25, batch_size=16, verbose=0)
    lh = lm.fit(x, y, **kwargs)
    kh = km.fit(x, y, **kwargs)

    assert lh is lm.history
    # Keras 3 sorts the logs keys; History keeps that order.
    assert list(kh.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert list(lh.history) == list(kh.history)
    for key in kh.history:
        assert len(lh.history[key]) == 2
        np.testing.assert_allclose(lh.history[key], kh.history[key], rtol=RTOL, atol=ATOL,
                                   err_msg=key)
    # 48 training samples in batches of 16 -> 3 steps per epoch.
    assert kh.params == {"verbose": 0, "epochs": 2, "steps": 3}
    assert lh.params == kh.params
    assert lh.epoch == kh.epoch == [0, 1]
    _assert_weights_close(lm, km, "after fit")


# -- 3. return types of evaluate / *_on_batch / predict ---------------------------


@pytest.mark.parity
def test_evaluate_return_types_match_keras(keras_ref):
    keras = keras_ref
    x, y = _classification_data(40)
    # Without metrics: a scalar.
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras, metrics=None)
    got = lm.evaluate(x, y, batch_size=16, verbose=0)
    want = km.evaluate(x, y, batch_size=16, verbose=0)
    assert isinstance(want, float)
    assert isinstance(got, float)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    # With metrics: [loss, accuracy] in metrics_names order.
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    got = lm.evaluate(x, y, batch_size=16, verbose=0)
    want = km.evaluate(x, y, batch_size=16, verbose=0)
    assert isinstance(got, list) and isinstance(want, list)
    assert len(got) == len(want) == 2
    assert all(isinstance(v, float) for v in got)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    # return_dict=True: a dict keyed by metric name.
    got = lm.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    want = km.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert isinstance(got, dict) and isinstance(want, dict)
    assert set(got) == set(want) == {"loss", "accuracy"}
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=ATOL, err_msg=key)


@pytest.mark.parity
def test_return_dict_key_order_matches_keras(keras_ref):
    """Keras 3 returns the dicts of evaluate/train_on_batch/test_on_batch with
    sorted keys (they pass through its `pythonify_logs`)."""
    keras = keras_ref
    x, y = _classification_data(32)
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    for method, kwargs in (("evaluate", {"verbose": 0}), ("test_on_batch", {}),
                           ("train_on_batch", {})):
        want = getattr(km, method)(x, y, return_dict=True, **kwargs)
        got = getattr(lm, method)(x, y, return_dict=True, **kwargs)
        assert list(want) == ["accuracy", "loss"], method
        assert list(got) == list(want), method


@pytest.mark.parity
def test_on_batch_return_types_match_keras(keras_ref):
    keras = keras_ref
    x, y = _classification_data(24)

    lm, km = _pair(keras)
    _compile_pair(lm, km, keras, metrics=None)
    for method in ("test_on_batch", "train_on_batch"):
        got, want = getattr(lm, method)(x, y), getattr(km, method)(x, y)
        assert isinstance(want, float) and isinstance(got, float), method
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=method)
    _assert_weights_close(lm, km, "after train_on_batch without metrics")

    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    # test_on_batch first: it must not change the weights.
    before = lm.get_weights()
    for method in ("test_on_batch", "train_on_batch"):
        got, want = getattr(lm, method)(x, y), getattr(km, method)(x, y)
        assert isinstance(want, list) and isinstance(got, list), method
        assert len(got) == len(want) == 2, method
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=method)
        if method == "test_on_batch":
            for a, b in zip(before, lm.get_weights()):
                np.testing.assert_array_equal(a, b)
        got = getattr(lm, method)(x, y, return_dict=True)
        want = getattr(km, method)(x, y, return_dict=True)
        assert isinstance(got, dict) and isinstance(want, dict), method
        assert set(got) == set(want) == {"loss", "accuracy"}, method
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=ATOL,
                                       err_msg=f"{method} {key}")
    _assert_weights_close(lm, km, "after train_on_batch with metrics")


@pytest.mark.parity
def test_predict_matches_keras(keras_ref):
    keras = keras_ref
    x, _ = _classification_data(37)
    # Dropout 0.1 this time: predict runs in inference mode, where it is the
    # identity in both libraries, so the outputs still agree.
    lm, km = _pair(keras, dropout=0.1)
    # batch_size 16 over 37 samples: two full batches and a partial one.
    got = lm.predict(x, batch_size=16, verbose=0)
    want = km.predict(x, batch_size=16, verbose=0)
    assert isinstance(got, np.ndarray) and isinstance(want, np.ndarray)
    assert got.shape == want.shape == (37, N_CLASSES)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)

    got = lm.predict_on_batch(x[:5])
    want = km.predict_on_batch(x[:5])
    assert isinstance(got, np.ndarray) and isinstance(want, np.ndarray)
    assert got.shape == want.shape == (5, N_CLASSES)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    # Calling the model returns something with .numpy(), like a TF eager tensor.
    np.testing.assert_allclose(lm(x[:5]).numpy(), km(x[:5]).numpy(), rtol=RTOL, atol=ATOL)


# -- 4. callback hooks -------------------------------------------------------------

_INDEXED_HOOKS = (
    "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)
_RUN_HOOKS = (
    "on_train_begin", "on_train_end",
    "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)

Call = Tuple[str, Optional[int], Optional[Tuple[str, ...]]]


def _keys(logs: Any) -> Optional[Tuple[str, ...]]:
    return None if logs is None else tuple(sorted(logs))


def _indexed_hook(name: str) -> Callable[..., None]:
    def hook(self: Any, index: int, logs: Any = None) -> None:
        self.calls.append((name, index, _keys(logs)))
    return hook


def _run_hook(name: str) -> Callable[..., None]:
    def hook(self: Any, logs: Any = None) -> None:
        self.calls.append((name, None, _keys(logs)))
    return hook


def _recorder_class(lib: Any, indexed: Tuple[str, ...] = _INDEXED_HOOKS,
                    run: Tuple[str, ...] = _RUN_HOOKS) -> type:
    """A Callback of `lib` recording (hook, epoch/batch index, sorted log keys)
    for the hooks named in `indexed` and `run`."""

    class Recorder(lib.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.calls: List[Call] = []

    for name in indexed:
        setattr(Recorder, name, _indexed_hook(name))
    for name in run:
        setattr(Recorder, name, _run_hook(name))
    return Recorder


@pytest.mark.parity
def test_callback_hooks_match_keras(keras_ref):
    keras = keras_ref
    x, y = _classification_data(40)
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    runs = {}
    for name, lib, model in (("lamina", lamina, lm), ("keras", keras, km)):
        fit_rec = _recorder_class(lib)()
        # Overrides only the legacy `on_batch_*` hooks, which the default
        # `on_train_batch_*` forward to.
        legacy_rec = _recorder_class(lib, ("on_batch_begin", "on_batch_end"), ())()
        # 40 samples, validation_split 0.25: 30 train (2 batches), 10 validation (1 batch).
        model.fit(x, y, shuffle=False, epochs=2, validation_split=0.25, batch_size=16,
                  verbose=0, callbacks=[fit_rec, legacy_rec])
        eval_rec = _recorder_class(lib)()
        model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[eval_rec])
        pred_rec = _recorder_class(lib)()
        model.predict(x, batch_size=16, verbose=0, callbacks=[pred_rec])
        assert fit_rec.model is model
        runs[name] = (fit_rec.calls, legacy_rec.calls, eval_rec.calls, pred_rec.calls)

    for what, got, want in zip(("fit", "legacy batch hooks", "evaluate", "predict"),
                               runs["lamina"], runs["keras"]):
        assert got == want, f"{what}: lamina {got}\n!= keras {want}"

    # Legacy hooks: once per training batch, 2 epochs x 2 batches x begin/end.
    assert len(runs["keras"][1]) == 8
    fit_calls = runs["keras"][0]
    # Spot checks of the Keras sequence itself, so the comparison is not vacuous.
    assert fit_calls[0] == ("on_train_begin", None, ())
    assert ("on_epoch_end", 0, ("accuracy", "loss", "val_accuracy", "val_loss")) in fit_calls
    assert fit_calls[-1] == ("on_train_end", None,
                             ("accuracy", "loss", "val_accuracy", "val_loss"))
    assert [c[0] for c in fit_calls].count("on_test_begin") == 2
    assert runs["keras"][3][-2] == ("on_predict_batch_end", 2, ("outputs",))


# -- 5. metrics_names --------------------------------------------------------------


@pytest.mark.parity
def test_metrics_names(keras_ref):
    keras = keras_ref
    x, y = _classification_data(16)
    lm, km = _pair(keras)
    _compile_pair(lm, km, keras)
    lm.train_on_batch(x, y)
    km.train_on_batch(x, y)
    # Expected difference: Keras 3 groups the compiled metrics into one
    # `CompileMetrics` object, so its names do not line up with evaluate()'s
    # list (keras-team/keras#20244); lamina keeps tf.keras 2.x's flat names so
    # `dict(zip(model.metrics_names, model.evaluate(...)))` works.
    assert km.metrics_names == ["loss", "compile_metrics"]
    assert lm.metrics_names == ["loss", "accuracy"]
    results = dict(zip(lm.metrics_names, lm.evaluate(x, y, verbose=0)))
    want = km.evaluate(x, y, verbose=0, return_dict=True)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(results[key], want[key], rtol=RTOL, atol=ATOL)


# -- 6. automatic names --------------------------------------------------------------


def _fresh_names(lib: Any) -> Tuple[List[str], List[str]]:
    lib.backend.clear_session()
    loose = [lib.layers.Dense(2).name for _ in range(3)]
    model = lib.Sequential([lib.Input((N_FEATURES,)), lib.layers.Dense(4),
                            lib.layers.Dropout(0.0), lib.layers.Dense(4)])
    return loose, [model.name] + [layer.name for layer in model.layers]


@pytest.mark.parity
def test_auto_naming_matches_keras(keras_ref):
    keras = keras_ref
    try:
        got = _fresh_names(lamina)
        want = _fresh_names(keras)
        assert want == (["dense", "dense_1", "dense_2"],
                        ["sequential", "dense_3", "dropout", "dense_4"])
        assert got == want
        # clear_session() starts the counters again.
        assert _fresh_names(lamina) == got
        assert _fresh_names(keras) == want
    finally:
        lamina.backend.clear_session()
        keras.backend.clear_session()


# -- 7. weights, count_params, get_layer -------------------------------------------------


@pytest.mark.parity
def test_weights_and_get_layer_match_keras(keras_ref):
    keras = keras_ref
    lamina.backend.clear_session()
    keras.backend.clear_session()
    lm, km = _pair(keras)
    shapes = [(N_FEATURES, 64), (64,), (64, N_CLASSES), (N_CLASSES,)]
    assert [tuple(w.shape) for w in km.weights] == shapes
    assert [tuple(w.shape) for w in lm.weights] == shapes
    assert [w.shape for w in lm.get_weights()] == shapes
    assert [w.name for w in lm.weights] == [w.name for w in km.weights]
    assert len(lm.trainable_weights) == len(km.trainable_weights) == 4
    assert len(lm.non_trainable_weights) == len(km.non_trainable_weights) == 0
    assert lm.count_params() == km.count_params() == 20 * 64 + 64 + 64 * 3 + 3

    assert [layer.name for layer in lm.layers] == [layer.name for layer in km.layers] == [
        "dense", "dropout", "dense_1"]
    for lib_model in (lm, km):
        assert lib_model.get_layer("dense_1").name == "dense_1"
        assert lib_model.get_layer(index=0).name == "dense"
        assert lib_model.get_layer(index=-1).name == "dense_1"
    np.testing.assert_array_equal(lm.get_layer("dense_1").get_weights()[0],
                                  km.get_layer("dense_1").get_weights()[0])
    assert lm.get_layer(index=1).count_params() == km.get_layer(index=1).count_params() == 0

    for args, kwargs in ((("nope",), {}), ((), {"index": 3}), ((), {})):
        want = _raised(lambda: km.get_layer(*args, **kwargs))  # noqa: B023 -- called at once
        got = _raised(lambda: lm.get_layer(*args, **kwargs))  # noqa: B023
        assert type(want) is ValueError, (args, kwargs)
        assert type(got) is ValueError, (args, kwargs)
    assert "nope" in str(_raised(lambda: lm.get_layer("nope")))
    assert "3" in str(_raised(lambda: lm.get_layer(index=3)))

    # Expected difference: the seed document says `index` takes precedence
    # when both are given (tf.keras 2.x docs); Keras 3 raises ValueError.
    assert type(_raised(lambda: km.get_layer("dense", index=2))) is ValueError
    assert lm.get_layer("dense", index=2).name == "dense_1"


# -- 8. errors ----------------------------------------------------------------------------


def _compiled(lib: Any) -> Any:
    model = _mlp(lib)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


_X, _Y = _classification_data(32, seed=3)

# (id, call, substrings lamina's message must contain)
_SAME_ERROR_CASES = [
    ("19-features-fit", lambda m: m.fit(_X[:, :19], _Y, verbose=0), ["20", "19"]),
    ("19-features-predict", lambda m: m.predict(_X[:, :19], verbose=0), ["20", "19"]),
    ("19-features-evaluate", lambda m: m.evaluate(_X[:, :19], _Y, verbose=0), ["20", "19"]),
    ("19-features-train_on_batch", lambda m: m.train_on_batch(_X[:, :19], _Y), ["20", "19"]),
    ("3d-x-fit", lambda m: m.fit(_X.reshape(32, 2, 10), _Y, verbose=0),
     ["(32, 2, 10)", "ndim=2"]),
    ("3d-x-predict", lambda m: m.predict(_X.reshape(32, 2, 10), verbose=0),
     ["(32, 2, 10)", "ndim=2"]),
    ("y-length-fit", lambda m: m.fit(_X, _Y[:30], verbose=0), ["32", "30"]),
    ("y-length-evaluate", lambda m: m.evaluate(_X, _Y[:30], verbose=0), ["32", "30"]),
    ("y-length-train_on_batch", lambda m: m.train_on_batch(_X, _Y[:30]), ["32", "30"]),
    ("validation_split-1.0", lambda m: m.fit(_X, _Y, validation_split=1.0, verbose=0),
     ["validation_split", "1.0"]),
]


@pytest.mark.parity
@pytest.mark.parametrize("call, needles", [c[1:] for c in _SAME_ERROR_CASES],
                         ids=[c[0] for c in _SAME_ERROR_CASES])
def test_bad_input_raises_same_class_as_keras(keras_ref, call, needles):
    want = _raised(lambda: call(_compiled(keras_ref)))
    got = _raised(lambda: call(_compiled(lamina)))
    assert want is not None, "Keras accepted the input"
    assert got is not None, f"lamina accepted the input (Keras raised {want!r})"
    # lamina may raise a subclass (its C++ boundary raises CoreValueError, a
    # ValueError): users' `except ValueError` clauses must keep working.
    assert isinstance(got, type(want)), f"lamina raised {got!r}, Keras {want!r}"
    for needle in needles:
        assert needle in str(got), f"{needle!r} not in lamina's message: {got}"


@pytest.mark.parity
def test_unknown_loss_and_optimizer_raise_value_error(keras_ref):
    keras = keras_ref

    def with_loss(lib: Any) -> None:
        model = _mlp(lib)
        model.compile(optimizer="adam", loss="no_such_loss")
        model.fit(_X, _Y, verbose=0)

    def with_optimizer(lib: Any) -> None:
        _mlp(lib).compile(optimizer="no_such_optimizer", loss="mse")

    for call, needle in ((with_loss, "no_such_loss"), (with_optimizer, "no_such_optimizer")):
        want = _raised(lambda: call(keras))  # noqa: B023 -- called at once
        got = _raised(lambda: call(lamina))  # noqa: B023
        assert type(want) is ValueError
        assert isinstance(got, ValueError)
        assert needle in str(got)
    # Expected difference: Keras 3 accepts an unknown loss name in compile()
    # and raises only when fit() first calls the loss; lamina raises at once,
    # next to the mistake.
    km = _mlp(keras)
    km.compile(optimizer="adam", loss="no_such_loss")
    with pytest.raises(ValueError, match="no_such_loss"):
        _mlp(lamina).compile(optimizer="adam", loss="no_such_loss")


@pytest.mark.parity
def test_argument_errors_keras_accepts(keras_ref):
    """Arguments Keras 3 silently accepts and lamina refuses (ValueError, the
    class Keras raises for its other bad arguments)."""
    keras = keras_ref
    # Expected difference: validation_split=1.5 gives Keras split_at =
    # floor(32 * -0.5) = -16, so it silently trains on the first 16 samples
    # and validates on the last 16; lamina requires 0 <= validation_split < 1.
    kh = _compiled(keras).fit(_X, _Y, validation_split=1.5, batch_size=16, verbose=0)
    assert kh.params["steps"] == 1
    got = _raised(lambda: _compiled(lamina).fit(_X, _Y, validation_split=1.5, verbose=0))
    assert type(got) is ValueError
    assert "validation_split=1.5" in str(got)

    # Expected difference: Keras treats batch_size=0 as "not given" and
    # silently uses 32; lamina refuses it.
    kh = _compiled(keras).fit(_X, _Y, batch_size=0, verbose=0)
    assert kh.params["steps"] == 1
    for call in (lambda m: m.fit(_X, _Y, batch_size=0, verbose=0),
                 lambda m: m.evaluate(_X, _Y, batch_size=0, verbose=0),
                 lambda m: m.predict(_X, batch_size=0, verbose=0)):
        got = _raised(lambda: call(_compiled(lamina)))  # noqa: B023 -- called at once
        assert type(got) is ValueError
        assert "batch_size=0" in str(got)
