"""Tests of `lamina.callbacks` (Callback, CallbackList, History, ProgbarLogger).

Expected values commented "Keras 3.15.1" were captured once by running the
same hook calls on `keras.callbacks.CallbackList` of Keras 3.15.1 (TensorFlow
backend), with `keras.src.utils.progbar.time` replaced by the same fake clock
(starting at 1000.0 s) and `sys.stdout` redirected to an `io.StringIO`, in
which case Keras draws its dynamic (escape-code) display.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from lamina import callbacks
from lamina.callbacks import Callback, CallbackList, History, ProgbarLogger
from lamina.callbacks import callback_list as callback_list_module
from lamina.utils import progbar as progbar_module

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


class FakeModel:
    """Just enough of a model for callbacks: an attribute holder."""


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "time", fake)
    return fake


@pytest.fixture
def dynamic(monkeypatch):
    monkeypatch.setenv("LAMINA_PROGRESS", "dynamic")


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("LAMINA_PROGRESS", "plain")


class Recorder(Callback):
    """Appends (tag, hook, [index,] logs) for every hook, legacy ones included."""

    def __init__(self, tag: str, log: list) -> None:
        super().__init__()
        self.tag = tag
        self.log = log

    def on_train_begin(self, logs=None):
        self.log.append((self.tag, "on_train_begin", logs))

    def on_train_end(self, logs=None):
        self.log.append((self.tag, "on_train_end", logs))

    def on_epoch_begin(self, epoch, logs=None):
        self.log.append((self.tag, "on_epoch_begin", epoch, logs))

    def on_epoch_end(self, epoch, logs=None):
        self.log.append((self.tag, "on_epoch_end", epoch, logs))

    def on_train_batch_begin(self, batch, logs=None):
        self.log.append((self.tag, "on_train_batch_begin", batch, logs))

    def on_train_batch_end(self, batch, logs=None):
        self.log.append((self.tag, "on_train_batch_end", batch, logs))

    def on_batch_begin(self, batch, logs=None):
        self.log.append((self.tag, "on_batch_begin", batch, logs))

    def on_batch_end(self, batch, logs=None):
        self.log.append((self.tag, "on_batch_end", batch, logs))

    def on_test_begin(self, logs=None):
        self.log.append((self.tag, "on_test_begin", logs))

    def on_test_end(self, logs=None):
        self.log.append((self.tag, "on_test_end", logs))

    def on_test_batch_begin(self, batch, logs=None):
        self.log.append((self.tag, "on_test_batch_begin", batch, logs))

    def on_test_batch_end(self, batch, logs=None):
        self.log.append((self.tag, "on_test_batch_end", batch, logs))

    def on_predict_begin(self, logs=None):
        self.log.append((self.tag, "on_predict_begin", logs))

    def on_predict_end(self, logs=None):
        self.log.append((self.tag, "on_predict_end", logs))

    def on_predict_batch_begin(self, batch, logs=None):
        self.log.append((self.tag, "on_predict_batch_begin", batch, logs))

    def on_predict_batch_end(self, batch, logs=None):
        self.log.append((self.tag, "on_predict_batch_end", batch, logs))


class Legacy(Callback):
    """A tf.keras-1/2 style callback that only knows on_batch_begin/end."""

    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def on_batch_begin(self, batch, logs=None):
        self.log.append(("L", "on_batch_begin", batch, logs))

    def on_batch_end(self, batch, logs=None):
        self.log.append(("L", "on_batch_end", batch, logs))


def run_fit_like(clock, verbose=1, epochs=2, steps=3, validate=True, user=None):
    """Drives a CallbackList through the hook sequence of `fit()`."""
    model = FakeModel()
    cbs = CallbackList(
        user,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=steps,
    )
    cbs.on_train_begin()
    logs = None
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps or 3):
            cbs.on_train_batch_begin(step)
            clock.tick(0.05)
            batch_logs = {"loss": 1.0 / (step + 1 + epoch), "accuracy": 0.25 * step}
            cbs.on_train_batch_end(step, batch_logs)
        logs = {"loss": 0.5 / (epoch + 1), "accuracy": 0.4 + 0.1 * epoch}
        if validate:
            cbs.on_test_begin()
            for step in range(2):
                cbs.on_test_batch_begin(step)
                clock.tick(0.01)
                cbs.on_test_batch_end(step, {"loss": 0.3, "accuracy": 0.5})
            cbs.on_test_end({"loss": 0.3, "accuracy": 0.5})
            logs.update({"val_loss": 0.3, "val_accuracy": 0.5})
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)
    return model, cbs


def run_evaluate_like(clock, verbose=1, steps=2):
    cbs = CallbackList(
        None, add_progbar=verbose != 0, model=FakeModel(), verbose=verbose, epochs=1, steps=steps
    )
    cbs.on_test_begin()
    for step in range(2):
        cbs.on_test_batch_begin(step)
        clock.tick(0.02)
        cbs.on_test_batch_end(step, {"loss": 0.3 + step, "compile_metrics": {"accuracy": 0.5}})
    cbs.on_test_end({"loss": 0.8, "accuracy": 0.5})


def run_predict_like(clock, verbose=1, steps=2):
    cbs = CallbackList(
        None, add_progbar=verbose != 0, model=FakeModel(), verbose=verbose, epochs=1, steps=steps
    )
    cbs.on_predict_begin()
    for step in range(2):
        cbs.on_predict_batch_begin(step)
        clock.tick(0.004)
        cbs.on_predict_batch_end(step, {"outputs": np.zeros((4, 2))})
    cbs.on_predict_end()


# -- exports -----------------------------------------------------------------


def test_exports():
    assert set(callbacks.__all__) >= {"Callback", "CallbackList", "History", "ProgbarLogger"}
    assert issubclass(CallbackList, Callback)


# -- Callback base -------------------------------------------------------------


def test_callback_defaults():
    cb = Callback()
    assert cb.params is None
    assert cb.model is None
    model = FakeModel()
    cb.set_model(model)
    cb.set_params({"epochs": 3})
    assert cb.model is model
    assert cb.params == {"epochs": 3}
    # Every hook exists and accepts the Keras signature.
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        getattr(cb, hook)()
        getattr(cb, hook)(logs={})
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_batch_begin", "on_batch_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_batch_begin", "on_predict_batch_end"):
        getattr(cb, hook)(0)
        getattr(cb, hook)(0, logs={})


def test_train_batch_hooks_call_legacy_aliases():
    log: list = []
    cb = Legacy(log)
    cb.on_train_batch_begin(4, logs={"a": 1})
    cb.on_train_batch_end(4, logs={"b": 2})
    cb.on_test_batch_end(4, logs={"c": 3})  # not a training batch: no legacy call
    assert log == [("L", "on_batch_begin", 4, {"a": 1}), ("L", "on_batch_end", 4, {"b": 2})]


def test_model_can_be_assigned_like_tf_keras_2():
    cb = Callback()
    model = FakeModel()
    cb.model = model
    assert cb.model is model


# -- CallbackList: order, defaults, dispatch ------------------------------------


def test_hook_order_and_logs_match_keras():
    log: list = []
    cbs = CallbackList(
        [Recorder("A", log), Legacy(log)],
        add_history=True,
        add_progbar=True,
        model=FakeModel(),
        verbose=0,
        epochs=1,
        steps=1,
    )
    # Keras 3.15.1: [type(c).__name__ for c in cbs.callbacks].
    assert [type(c).__name__ for c in cbs.callbacks] == [
        "Recorder", "Legacy", "History", "ProgbarLogger"
    ]
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 2, "b": {"acc": 1}})
    cbs.on_batch_begin(5)
    cbs.on_batch_end(5, {"x": 1})
    cbs.on_test_begin()
    cbs.on_test_batch_begin(0)
    cbs.on_test_batch_end(0, {"loss": 1})
    cbs.on_test_end({"loss": 1})
    cbs.on_epoch_end(0, {"loss": 1.5, "val_loss": 1})
    cbs.on_train_end({"loss": 1.5})
    cbs.on_predict_begin()
    cbs.on_predict_batch_begin(0)
    cbs.on_predict_batch_end(0, {"outputs": "o"})
    cbs.on_predict_end()
    # Keras 3.15.1: the same calls on keras.callbacks.CallbackList with the
    # same two user callbacks. Logs arrive sorted, flattened and as floats.
    assert log == [
        ("A", "on_train_begin", {}),
        ("A", "on_epoch_begin", 0, {}),
        ("A", "on_train_batch_begin", 0, {}),
        ("L", "on_batch_begin", 0, {}),
        ("A", "on_train_batch_end", 0, {"acc": 1.0, "loss": 2.0}),
        ("L", "on_batch_end", 0, {"acc": 1.0, "loss": 2.0}),
        ("A", "on_batch_begin", 5, {}),
        ("L", "on_batch_begin", 5, {}),
        ("A", "on_batch_end", 5, {"x": 1.0}),
        ("L", "on_batch_end", 5, {"x": 1.0}),
        ("A", "on_test_begin", {}),
        ("A", "on_test_batch_begin", 0, {}),
        ("A", "on_test_batch_end", 0, {"loss": 1.0}),
        ("A", "on_test_end", {"loss": 1.0}),
        ("A", "on_epoch_end", 0, {"loss": 1.5, "val_loss": 1.0}),
        ("A", "on_train_end", {"loss": 1.5}),
        ("A", "on_predict_begin", {}),
        ("A", "on_predict_batch_begin", 0, {}),
        ("A", "on_predict_batch_end", 0, {"outputs": "o"}),
        ("A", "on_predict_end", {}),
    ]
    assert list(log[4][3]) == ["acc", "loss"]


def test_defaults_run_after_user_callbacks(monkeypatch, clock, plain, capsys):
    log: list = []

    def spy(cls, hook):
        original = getattr(cls, hook)

        def wrapper(self, *args, **kwargs):
            log.append((cls.__name__, hook))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, hook, wrapper)

    for cls in (History, ProgbarLogger):
        spy(cls, "on_epoch_end")
        spy(cls, "on_train_begin")
    spy(ProgbarLogger, "on_train_batch_end")

    class User(Callback):
        def on_train_begin(self, logs=None):
            log.append(("User", "on_train_begin"))

        def on_train_batch_end(self, batch, logs=None):
            log.append(("User", "on_train_batch_end"))

        def on_epoch_end(self, epoch, logs=None):
            log.append(("User", "on_epoch_end"))

    run_fit_like(clock, verbose=1, epochs=1, steps=1, validate=False, user=[User()])
    assert log == [
        ("User", "on_train_begin"),
        ("History", "on_train_begin"),
        ("ProgbarLogger", "on_train_begin"),
        ("User", "on_train_batch_end"),
        ("ProgbarLogger", "on_train_batch_end"),
        ("User", "on_epoch_end"),
        ("History", "on_epoch_end"),
        ("ProgbarLogger", "on_epoch_end"),
    ]


def test_user_history_and_progbar_are_not_duplicated():
    history = History()
    progbar = ProgbarLogger()
    other = Callback()
    model = FakeModel()
    cbs = CallbackList(
        [progbar, history, other],
        add_history=True,
        add_progbar=True,
        model=model,
        verbose=1,
        epochs=1,
        steps=1,
    )
    # Keras 3.15.1: ['ProgbarLogger', 'History', 'Callback'] (user order kept).
    assert cbs.callbacks == [progbar, history, other]
    assert model.history is history
    assert cbs.params == {"verbose": 1, "epochs": 1, "steps": 1}
    assert history.params == {"verbose": 1, "epochs": 1, "steps": 1}
    assert all(cb.model is model for cb in cbs.callbacks)


def test_no_params_no_model():
    cb = Callback()
    cbs = CallbackList([cb])
    assert cb.params is None
    assert cb.model is None
    assert cbs.callbacks == [cb]
    assert CallbackList().callbacks == []


def test_callback_list_and_nested_lists_accepted():
    a, b, c = Callback(), Callback(), Callback()
    inner = CallbackList([a], add_history=True)
    outer = CallbackList(inner, add_history=True, add_progbar=True)
    assert outer.callbacks[0] is a
    assert isinstance(outer.callbacks[1], History)
    assert outer.callbacks[1] is inner.callbacks[1]  # not a second History
    assert isinstance(outer.callbacks[2], ProgbarLogger)
    assert len(outer.callbacks) == 3
    assert CallbackList([b, [c]]).callbacks == [b, c]


def test_append_is_dispatched_to():
    log: list = []
    cbs = CallbackList([])
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.append(Legacy(log))
    cbs.on_train_batch_end(1, {"loss": 2.0})
    cbs.callbacks.append(Recorder("R", log))  # direct list mutation is noticed too
    cbs.on_train_batch_end(2, {})
    assert log == [
        ("L", "on_batch_end", 1, {"loss": 2.0}),
        ("L", "on_batch_end", 2, {}),
        ("R", "on_train_batch_end", 2, {}),
    ]


def test_unlistened_batch_hooks_do_no_work(monkeypatch):
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    cbs = CallbackList([EpochOnly()], add_history=True)

    def boom(logs):
        raise AssertionError("logs converted for a hook nobody listens to")

    monkeypatch.setattr(callback_list_module, "_pythonify_logs", boom)
    for hook in ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
                 "on_batch_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_batch_begin", "on_predict_batch_end"):
        getattr(cbs, hook)(0, {"loss": 1.0})


def test_instance_attribute_hook_counts_as_listener():
    seen = []
    cb = Callback()
    cb.on_train_batch_end = lambda batch, logs=None: seen.append((batch, logs))
    cbs = CallbackList([cb])
    cbs.on_train_batch_end(3, {"loss": np.float32(0.5)})
    assert seen == [(3, {"loss": 0.5})]
    assert type(seen[0][1]["loss"]) is float


def test_logs_are_pythonified():
    log: list = []
    cbs = CallbackList([Recorder("R", log)])
    outputs = np.ones((1, 1))
    cbs.on_predict_begin()
    cbs.on_predict_batch_end(0, {"outputs": outputs})
    cbs.on_predict_end()
    cbs.on_epoch_end(0, {"z": np.float64(1.5), "a": np.array(2.0), "m": {"k": 3}})
    # An array output is passed through untouched (Keras would turn a
    # one-element array into a float).
    assert log[1][3]["outputs"] is outputs
    assert log[3] == ("R", "on_epoch_end", 0, {"a": 2.0, "k": 3.0, "z": 1.5})
    assert list(log[3][3]) == ["a", "k", "z"]


def test_end_without_begin_raises():
    cbs = CallbackList([])
    with pytest.raises(ValueError, match="on_xxx_begin"):
        cbs.on_train_end()


# -- History -------------------------------------------------------------------


def test_history_contents(clock, plain, capsys):
    model, cbs = run_fit_like(clock, verbose=1)
    # Keras 3.15.1: model.history.history / .epoch / .params after the same calls.
    assert model.history.history == {
        "accuracy": [0.4, 0.5],
        "loss": [0.5, 0.25],
        "val_accuracy": [0.5, 0.5],
        "val_loss": [0.3, 0.3],
    }
    assert model.history.epoch == [0, 1]
    assert model.history.params == {"verbose": 1, "epochs": 2, "steps": 3}
    assert isinstance(model.history, History)
    assert model.history is cbs.callbacks[0]


def test_history_epoch_reset_on_train_begin():
    model = FakeModel()
    history = History()
    history.set_model(model)
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_train_begin()
    history.on_epoch_end(5, {"loss": 2.0})
    assert history.epoch == [5]
    # As in Keras 3, the history dict itself is kept across trainings.
    assert history.history == {"loss": [1.0, 2.0]}
    assert model.history is history


# -- ProgbarLogger output -------------------------------------------------------

# Keras 3.15.1: run_fit_like(verbose=1) (2 epochs, 3 steps, validation).
KERAS_FIT_V1 = (
    "Epoch 1/2\n"
    "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
    + "\x1b[0m \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.0000e+00 - loss: 1.0000" + "\b" * 75
    + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.3333    " + "\b" * 71
    + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    " \x1b[1m0s\x1b[0m 60ms/step - accuracy: 0.4000 - loss: 0.5000 - val_accuracy: 0.5000"
    " - val_loss: 0.3000\n"
    "Epoch 2/2\n"
    "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
    + "\x1b[0m \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.0000e+00 - loss: 0.5000" + "\b" * 75
    + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.2500    " + "\b" * 71
    + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    " \x1b[1m0s\x1b[0m 60ms/step - accuracy: 0.5000 - loss: 0.2500 - val_accuracy: 0.5000"
    " - val_loss: 0.3000\n"
)


def test_fit_verbose1_dynamic_matches_keras(clock, dynamic, capsys):
    run_fit_like(clock, verbose=1)
    assert capsys.readouterr().out == KERAS_FIT_V1


def test_fit_verbose1_plain(clock, plain, capsys):
    run_fit_like(clock, verbose=1)
    out = capsys.readouterr().out
    for ch in "\b\r\x1b":
        assert ch not in out
    # One line per epoch: Keras's final lines without the escape codes.
    expected = "".join(
        ANSI.sub("", part.split("\r")[-1]) + "\n" for part in KERAS_FIT_V1.split("\n")[:-1]
    )
    assert out == expected
    assert out.splitlines()[1] == (
        "3/3 " + "━" * 20 + " 0s 60ms/step - accuracy: 0.4000 - loss: 0.5000"
        " - val_accuracy: 0.5000 - val_loss: 0.3000"
    )


@pytest.mark.parametrize("mode", ["dynamic", "plain"])
def test_fit_verbose2_matches_keras(clock, monkeypatch, capsys, mode):
    monkeypatch.setenv("LAMINA_PROGRESS", mode)
    run_fit_like(clock, verbose=2)
    # Keras 3.15.1: run_fit_like(verbose=2).
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "3/3 - 0s - 57ms/step - accuracy: 0.4000 - loss: 0.5000 - val_accuracy: 0.5000"
        " - val_loss: 0.3000\n"
        "Epoch 2/2\n"
        "3/3 - 0s - 57ms/step - accuracy: 0.5000 - loss: 0.2500 - val_accuracy: 0.5000"
        " - val_loss: 0.3000\n"
    )


def test_fit_single_epoch_has_no_epoch_banner(clock, dynamic, capsys):
    run_fit_like(clock, verbose=1, epochs=1, validate=False)
    # Keras 3.15.1: run_fit_like(verbose=1, epochs=1, validate=False).
    assert capsys.readouterr().out == (
        "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
        + "\x1b[0m \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.0000e+00 - loss: 1.0000" + "\b" * 75
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.3333    " + "\b" * 71
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.4000 - loss: 0.5000\n"
    )


def test_fit_unknown_steps(clock, dynamic, capsys):
    run_fit_like(clock, verbose=1, steps=None, validate=False)
    # Keras 3.15.1: run_fit_like(verbose=1, steps=None, validate=False). The
    # first epoch learns the step count, the second shows a bar.
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "\r      1/Unknown \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.0000e+00 - loss: 1.0000"
        + "\b" * 66
        + "\r      3/Unknown \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.3333    "
        + "\b" * 62
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.4000 - loss: 0.5000\n"
        "Epoch 2/2\n"
        "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
        + "\x1b[0m \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.0000e+00 - loss: 0.5000" + "\b" * 75
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.2500    " + "\b" * 71
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 50ms/step - accuracy: 0.5000 - loss: 0.2500\n"
    )


def test_fit_unknown_steps_verbose2(clock, dynamic, capsys):
    run_fit_like(clock, verbose=2, steps=None, validate=False)
    # Keras 3.15.1: run_fit_like(verbose=2, steps=None, validate=False).
    assert capsys.readouterr().out == (
        "Epoch 1/2\n3/3 - 0s - 50ms/step - accuracy: 0.4000 - loss: 0.5000\n"
        "Epoch 2/2\n3/3 - 0s - 50ms/step - accuracy: 0.5000 - loss: 0.2500\n"
    )


def test_fit_verbose0_prints_nothing(clock, dynamic, capsys):
    model, cbs = run_fit_like(clock, verbose=0)
    assert capsys.readouterr().out == ""
    assert not any(isinstance(cb, ProgbarLogger) for cb in cbs.callbacks)


def test_standalone_evaluate_shows_progress(clock, dynamic, capsys):
    run_evaluate_like(clock)
    # Keras 3.15.1: run_evaluate_like(verbose=1); nested metric dicts are
    # flattened and sorted ("accuracy" comes from "compile_metrics").
    assert capsys.readouterr().out == (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10
        + "\x1b[0m \x1b[1m0s\x1b[0m 20ms/step - accuracy: 0.5000 - loss: 0.3000" + "\b" * 71
        + "\r\x1b[1m2/2\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 20ms/step - accuracy: 0.5000 - loss: 0.8000\n"
    )


def test_standalone_evaluate_verbose2_and_unknown(clock, dynamic, capsys):
    run_evaluate_like(clock, verbose=2)
    # Keras 3.15.1: run_evaluate_like(verbose=2).
    assert capsys.readouterr().out == "2/2 - 0s - 20ms/step - accuracy: 0.5000 - loss: 0.8000\n"
    run_evaluate_like(clock, verbose=1, steps=None)
    # Keras 3.15.1: run_evaluate_like(verbose=1, steps=None).
    assert capsys.readouterr().out == (
        "\r      1/Unknown \x1b[1m0s\x1b[0m 20ms/step - accuracy: 0.5000 - loss: 0.3000"
        + "\b" * 62
        + "\r\x1b[1m2/2\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 20ms/step - accuracy: 0.5000 - loss: 0.8000\n"
    )


def test_predict_progress(clock, dynamic, capsys):
    run_predict_like(clock)
    # Keras 3.15.1: run_predict_like(verbose=1); outputs are not shown.
    assert capsys.readouterr().out == (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10
        + "\x1b[0m \x1b[1m0s\x1b[0m 4ms/step" + "\b" * 36
        + "\r\x1b[1m2/2\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 4ms/step\n"
    )
    run_predict_like(clock, verbose=2)
    # Keras 3.15.1: run_predict_like(verbose=2).
    assert capsys.readouterr().out == "2/2 - 0s - 4ms/step\n"


def test_predict_plain(clock, plain, capsys):
    run_predict_like(clock)
    assert capsys.readouterr().out == "2/2 " + "━" * 20 + " 0s 4ms/step\n"


def test_progbar_logger_auto_verbose():
    logger = ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 4, "steps": 7})
    assert (logger.verbose, logger.epochs, logger.target) == (1, 4, 7)
