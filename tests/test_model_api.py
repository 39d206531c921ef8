"""The Sequential surface: construction, names, layers, weights, errors,
and what fit prints."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import lamina as keras


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


def _data(n=64, features=20, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    return x, np.argmax(x @ rng.standard_normal((features, classes)), axis=1)


def _compiled(metrics=("accuracy",)):
    model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def test_auto_names_and_clear_session():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(2),
                              keras.layers.Activation("relu")])
    assert model.name == "sequential"
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "activation"]
    assert keras.Sequential().name == "sequential_1"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_legacy_input_shape_and_input_dim():
    for kwargs in ({"input_shape": (20,)}, {"input_dim": 20}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = keras.Sequential([keras.layers.Dense(64, **kwargs), keras.layers.Dense(3)])
        assert model.built
        assert model.input_shape == (None, 20)
        assert model.output_shape == (None, 3)
        assert model.count_params() == 20 * 64 + 64 + 64 * 3 + 3


def test_input_shape_int_gets_a_hint():
    with pytest.raises(ValueError, match=r"\(3,\)"):
        keras.Input(shape=3)


def test_deferred_model_builds_on_first_data():
    model = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)])
    assert not model.built
    x = np.ones((5, 7), np.float32)
    out = model.predict(x, verbose=0)
    assert out.shape == (5, 2) and model.built and model.input_shape == (None, 7)


def test_add_pop_and_layers():
    model = keras.Sequential()
    model.add(keras.Input((6,)))
    model.add(keras.layers.Dense(3))
    model.add(keras.layers.Flatten())
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Flatten"]
    popped = model.pop()
    assert isinstance(popped, keras.layers.Flatten) and len(model.layers) == 1
    with pytest.raises(ValueError, match="unique names"):
        model.add(keras.layers.Dense(2, name="dense"))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        model.add("dense")
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_get_layer_by_name_and_index_index_wins():
    model = _compiled()
    assert model.get_layer("dense") is model.layers[0]
    assert model.get_layer(index=1) is model.layers[1]
    # The seed document: index takes precedence when both are given.
    assert model.get_layer(name="dense", index=1) is model.layers[1]
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="at index 5 but model only has 2 layers"):
        model.get_layer(index=5)
    with pytest.raises(ValueError):
        model.get_layer()


def test_weights_are_copies_and_set_weights_checks_shapes():
    model = _compiled()
    snapshot = model.get_weights()
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(snapshot[0], model.get_weights()[0])
    model.set_weights(snapshot)
    for a, b in zip(snapshot, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    bad = list(snapshot)
    bad[0] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"Layer dense weight shape \(20, 8\) is not compatible"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="length 3"):
        model.set_weights(snapshot[:3])


def test_default_initializers():
    keras.utils.set_random_seed(3)
    layer = keras.layers.Dense(300)
    keras.Sequential([keras.Input((200,)), layer])
    kernel, bias = layer.get_weights()
    limit = np.sqrt(6 / (200 + 300))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert abs(kernel.mean()) < 0.01 * limit * 10
    np.testing.assert_array_equal(bias, np.zeros(300))


def test_trainable_false_layer_is_frozen():
    model = _compiled()
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    x, y = _data()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_trainable_changes_after_a_warm_predict_reach_the_plan():
    # predict_on_batch skips the plan's cache-key walk until a trainable flag
    # moves: freezing after it (without recompiling) must still freeze.
    model = _compiled()
    x, y = _data()
    model.predict_on_batch(x[:1])
    for freeze, thaw in ((lambda: setattr(model.layers[0], "trainable", False),
                          lambda: setattr(model.layers[0], "trainable", True)),
                         (lambda: setattr(model, "trainable", False),
                          lambda: setattr(model, "trainable", True))):
        freeze()
        model.predict_on_batch(x[:1])
        before = model.layers[0].get_weights()
        model.train_on_batch(x[:32], y[:32])
        for a, b in zip(before, model.layers[0].get_weights()):
            np.testing.assert_array_equal(a, b)
        thaw()
        model.predict_on_batch(x[:1])
        model.train_on_batch(x[:32], y[:32])
        assert not np.array_equal(before[0], model.layers[0].get_weights()[0])


def test_on_batch_return_types():
    x, y = _data()
    model = _compiled(metrics=())
    loss = model.train_on_batch(x[:32], y[:32])
    assert isinstance(loss, float)
    assert isinstance(model.test_on_batch(x[:32], y[:32]), float)
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model = _compiled()
    assert model.metrics_names == ["loss", "accuracy"]
    out = model.train_on_batch(x[:32], y[:32])
    assert isinstance(out, list) and len(out) == 2
    logs = model.test_on_batch(x[:32], y[:32], return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"]
    assert sorted(model.evaluate(x, y, verbose=0, return_dict=True)) == ["accuracy", "loss"]


def test_train_on_batch_returns_the_loss_before_the_update():
    x, y = _data()
    model = _compiled()
    before = model.test_on_batch(x[:32], y[:32])
    during = model.train_on_batch(x[:32], y[:32])
    after = model.test_on_batch(x[:32], y[:32])
    assert during[0] == pytest.approx(before[0], rel=1e-6)
    assert after[0] < before[0]


def test_history_keys_follow_the_spelling_of_metrics():
    x, y = _data(80)
    model = _compiled(metrics=("acc",))
    history = model.fit(x, y, epochs=3, validation_data=(x[:20], y[:20]), verbose=0)
    assert list(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}
    assert model.history is history


def test_initial_epoch_and_validation_freq():
    x, y = _data(80)
    model = _compiled()
    history = model.fit(x, y, epochs=5, initial_epoch=2, validation_split=0.25,
                        validation_freq=2, verbose=0)
    assert history.epoch == [2, 3, 4]
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 1


def test_evaluate_matches_manual_computation():
    x, y = _data(50)
    model = _compiled()
    probs = model.predict(x, verbose=0)
    expected_loss = -np.mean(np.log(probs[np.arange(50), y]))
    loss, acc = model.evaluate(x, y, batch_size=7, verbose=0)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert acc == pytest.approx(np.mean(probs.argmax(1) == y))


def test_sample_weight_scales_the_loss():
    x, y = _data(40)
    model = _compiled(metrics=())
    probs = model.predict(x, verbose=0)
    w = np.linspace(0.0, 2.0, 40).astype("float32")
    per_sample = -np.log(probs[np.arange(40), y])
    loss = model.evaluate(x, y, sample_weight=w, batch_size=40, verbose=0)
    assert loss == pytest.approx(np.sum(per_sample * w) / 40, rel=1e-5)


# -- errors ---------------------------------------------------------------------


def test_errors_name_the_shapes():
    model = _compiled()
    x, y = _data()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 20\), found shape=\(None, 19\)"):
        model.fit(x[:, :19], y, verbose=0)
    with pytest.raises(ValueError, match=r"expected ndim=2, found ndim=3"):
        model.predict(x.reshape(64, 4, 5), verbose=0)
    with pytest.raises(ValueError, match=r"single sample without its batch dimension"):
        model.predict(x[0], verbose=0)
    with pytest.raises(ValueError, match=r"'x' sizes: 64 'y' sizes: 63"):
        model.fit(x, y[:63], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        model.compile(optimizer="adam", loss="nope")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: nope"):
        model.compile(optimizer="nope", loss="mse")


def test_bad_labels_are_named_with_their_position():
    model = _compiled()
    x, y = _data()
    bad = y.astype("float32")
    bad[17] = 3
    with pytest.raises(ValueError, match=r"label value of 3 at position 17 .*\[0, 3\)"):
        model.fit(x, bad, verbose=0)
    bad[17] = np.nan
    with pytest.raises(ValueError, match="at position 17 of `y`, which is not a number"):
        model.train_on_batch(x, bad)
    bad[17] = 0.5
    with pytest.raises(ValueError, match="not an integer"):
        model.evaluate(x, bad, verbose=0)
    with pytest.raises(ValueError, match="one-hot"):
        model.fit(x, np.eye(3)[y], verbose=0)


def test_unsupported_python_loss_function_is_refused_clearly():
    model = _compiled()
    with pytest.raises(ValueError, match="automatic differentiation"):
        model.compile(optimizer="adam", loss=lambda a, b: (a - b) ** 2)


def test_fit_before_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)


# -- progress output --------------------------------------------------------------


def test_fit_verbose_1_in_a_log_file_writes_one_clean_line_per_epoch(capsys):
    x, y = _data(96)
    model = _compiled()
    model.fit(x, y, batch_size=32, epochs=2, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert "\b" not in out and "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pattern = (r"^3/3 ━{20} \d+s \d+(ms|us)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
               r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$")
    assert re.match(pattern, lines[1]), lines[1]
    assert len(lines) == 4


def test_fit_verbose_2_line(capsys):
    x, y = _data(64)
    model = _compiled()
    model.fit(x, y, batch_size=32, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert re.match(r"^2/2 - \d+s - \d+(ms|us)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n$",
                    out), out


def test_verbose_0_is_silent(capsys):
    x, y = _data(64)
    model = _compiled()
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_callback_hooks_run_in_keras_order():
    calls = []

    class Recorder(keras.callbacks.Callback):
        def __getattribute__(self, name):
            attr = object.__getattribute__(self, name)
            if name.startswith("on_") and callable(attr):
                def wrapped(*args, **kwargs):
                    calls.append(name)
                    return attr(*args, **kwargs)
                return wrapped
            return attr

    x, y = _data(40)
    model = _compiled()
    model.fit(x, y, batch_size=20, epochs=1, validation_data=(x[:10], y[:10]), verbose=0,
              callbacks=[Recorder()])
    expected = ["on_train_begin", "on_epoch_begin",
                "on_train_batch_begin", "on_batch_begin", "on_train_batch_end", "on_batch_end",
                "on_train_batch_begin", "on_batch_begin", "on_train_batch_end", "on_batch_end",
                "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                "on_epoch_end", "on_train_end"]
    assert calls == expected


def test_stop_training_from_a_callback():
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = _data(200)
    model = _compiled()
    history = model.fit(x, y, batch_size=10, epochs=5, verbose=0, callbacks=[Stop()])
    assert history.epoch == [0]


def test_model_call_returns_an_array_with_numpy():
    model = _compiled()
    x, _ = _data(3)
    out = model(x)
    np.testing.assert_array_equal(out.numpy(), model.predict(x, verbose=0))
    assert isinstance(np.asarray(out), np.ndarray)
