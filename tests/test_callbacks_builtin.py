"""Tests of EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
TerminateOnNaN, LambdaCallback and CSVLogger on small models.

The monitored quantity is driven by an `Inject` callback placed before the one
under test: it overwrites `logs[key]` at each epoch end with a fixed sequence,
so the epoch at which a callback acts does not depend on the training
numbers. Expected values marked "Keras 3.15.1" were obtained by running the
same script on real Keras (TensorFlow backend); the parity tests at the end
rerun several of them against `keras_ref` and compare.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from contextlib import redirect_stdout
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

import lamina

SEQ = [1.0, 0.9, 0.95, 0.91, 0.89, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98]
X = np.arange(24, dtype="float32").reshape(8, 3) / 24
Y = np.ones((8, 1), "float32")


def _make(keras: Any, lr: float = 0.01, metrics: Any = None) -> Any:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse", metrics=metrics)
    return model


def _inject_cls(keras: Any) -> Any:
    class Inject(keras.callbacks.Callback):
        def __init__(self, key: str, seq: List[float]) -> None:
            super().__init__()
            self.key = key
            self.seq = seq

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            logs[self.key] = self.seq[epoch]

    return Inject


def _fit(keras: Any, cbs: List[Any], epochs: int = 12, model: Any = None,
         **kwargs: Any) -> Tuple[Any, str, List[str]]:
    """Fits silently; returns (history, stdout, warning messages)."""
    out = io.StringIO()
    model = model or _make(keras)
    with redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, epochs=epochs, verbose=0, callbacks=cbs, **kwargs)
    return history, out.getvalue(), [str(w.message) for w in caught]


# -- EarlyStopping ----------------------------------------------------------

# (kwargs, epochs run, stopped_epoch, best, wait, stdout) -- Keras 3.15.1.
EARLY_STOPPING_CASES = [
    (dict(patience=2), 4, 3, 0.9, 2, ""),
    (dict(patience=0), 3, 2, 0.9, 1, ""),
    (dict(patience=2, min_delta=0.02), 4, 3, 0.9, 2, ""),
    (dict(patience=1, baseline=0.85), 3, 2, 0.9, 3, ""),
    (dict(patience=2, restore_best_weights=True, verbose=1), 4, 3, 0.9, 2,
     "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"),
    (dict(patience=1, start_from_epoch=3, verbose=1), 6, 5, 0.89, 1,
     "Epoch 6: early stopping\n"),
    (dict(patience=3, mode="max", verbose=1), 4, 3, 1.0, 3, "Epoch 4: early stopping\n"),
    (dict(patience=20, restore_best_weights=True, verbose=1), 12, 0, 0.89, 7,
     "Restoring model weights from the end of the best epoch: 5.\n"),
]


def _run_early_stopping(keras: Any, kwargs: Dict[str, Any]) -> Tuple[Any, ...]:
    es = keras.callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    history, out, _ = _fit(keras, [_inject_cls(keras)("val_loss", SEQ), es])
    return len(history.epoch), es.stopped_epoch, es.best, es.wait, out


@pytest.mark.parametrize("kwargs,epochs,stopped,best,wait,out", EARLY_STOPPING_CASES)
def test_early_stopping_epoch_and_messages(kwargs, epochs, stopped, best, wait, out):
    assert _run_early_stopping(lamina, kwargs) == (epochs, stopped, best, wait, out)


def test_early_stopping_defaults():
    es = lamina.callbacks.EarlyStopping()
    assert (es.monitor, es.min_delta, es.patience, es.verbose, es.mode, es.baseline,
            es.restore_best_weights, es.start_from_epoch) == (
        "val_loss", 0, 0, 0, "auto", None, False, 0)


class _WeightRecorder(lamina.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.per_epoch: List[List[np.ndarray]] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.per_epoch.append(self.model.get_weights())


@pytest.mark.parametrize("patience,best_epoch,ran", [(2, 1, 4), (20, 4, 12)])
def test_early_stopping_restores_best_weights(patience, best_epoch, ran):
    # patience=20 never stops early: Keras 3 restores at the end all the same.
    model = _make(lamina)
    rec = _WeightRecorder()
    es = lamina.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    history, _, _ = _fit(lamina, [_inject_cls(lamina)("val_loss", SEQ), rec, es], model=model)
    assert len(history.epoch) == ran and es.best_epoch == best_epoch
    assert not np.allclose(rec.per_epoch[-1][0], rec.per_epoch[best_epoch][0])
    for got, want in zip(model.get_weights(), rec.per_epoch[best_epoch]):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_without_restore_keeps_last_weights():
    model = _make(lamina)
    rec = _WeightRecorder()
    es = lamina.callbacks.EarlyStopping(patience=2)
    _fit(lamina, [_inject_cls(lamina)("val_loss", SEQ), rec, es], model=model)
    np.testing.assert_array_equal(model.get_weights()[0], rec.per_epoch[-1][0])


def test_early_stopping_reusable_across_fits():
    es = lamina.callbacks.EarlyStopping(patience=2)
    inject = _inject_cls(lamina)("val_loss", SEQ)
    assert len(_fit(lamina, [inject, es])[0].epoch) == 4
    assert len(_fit(lamina, [inject, es])[0].epoch) == 4


def test_early_stopping_missing_metric_warns_with_available_keys():
    history, _, caught = _fit(lamina, [lamina.callbacks.EarlyStopping()], epochs=2)
    assert len(history.epoch) == 2
    msg = ("Early stopping conditioned on metric `val_loss` which is not available. "
           "Available metrics are: loss")
    assert caught.count(msg) == 2


def test_early_stopping_auto_mode_follows_metric_direction():
    model = _make(lamina, metrics=["accuracy"])
    es = lamina.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    history, _, _ = _fit(lamina, [_inject_cls(lamina)("val_accuracy", SEQ), es], model=model)
    assert es.monitor_op == "max" and len(history.epoch) == 2  # Keras 3.15.1: 2 epochs
    model = _make(lamina, metrics=["mae"])
    es = lamina.callbacks.EarlyStopping(monitor="mae", patience=1)
    _fit(lamina, [es], epochs=1, model=model)
    assert es.monitor_op == "min"


def test_early_stopping_auto_mode_unknown_metric_raises():
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        _fit(lamina, [_inject_cls(lamina)("foo", SEQ),
                      lamina.callbacks.EarlyStopping(monitor="foo")])


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'bogus' is unknown"):
        es = lamina.callbacks.EarlyStopping(mode="bogus")
    assert es.mode == "auto"


# -- ReduceLROnPlateau -------------------------------------------------------

# Keras 3.15.1: History["learning_rate"] for the SEQ of val_loss.
REDUCE_LR_CASES = [
    (dict(patience=2),
     [0.009999999776482582] * 4 + [0.0009999999310821295] * 3 + [9.99999901978299e-05] * 2
     + [9.99999883788405e-06] * 2 + [9.99999883788405e-07], ""),
    (dict(patience=1, cooldown=2, factor=0.5, min_lr=0.002, verbose=1),
     [0.009999999776482582] * 3 + [0.004999999888241291] * 3 + [0.0024999999441206455] * 2
     + [0.0020000000949949026] * 4,
     "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.004999999888241291.\n"
     "\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.0024999999441206455.\n"
     "\nEpoch 8: ReduceLROnPlateau reducing learning rate to 0.002.\n"),
    (dict(patience=0, factor=0.2),
     [0.009999999776482582] * 3 + [0.001999999862164259, 0.0003999999607913196,
                                   0.0003999999607913196, 7.99999907030724e-05,
                                   1.599999814061448e-05, 3.199999582648161e-06,
                                   6.399999392669997e-07, 1.2799998216905806e-07,
                                   2.559999678908298e-08], ""),
]


def _run_reduce_lr(keras: Any, kwargs: Dict[str, Any]) -> Tuple[List[float], str]:
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **kwargs)
    history, out, _ = _fit(keras, [_inject_cls(keras)("val_loss", SEQ), cb])
    return history.history["learning_rate"], out


@pytest.mark.parametrize("kwargs,lrs,out", REDUCE_LR_CASES)
def test_reduce_lr_on_plateau_sequence(kwargs, lrs, out):
    assert _run_reduce_lr(lamina, kwargs) == (lrs, out)


def test_reduce_lr_on_plateau_changes_optimizer_and_validates():
    model = _make(lamina)
    cb = lamina.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5,
                                            min_delta=10.0)
    _fit(lamina, [cb], epochs=3, model=model)
    assert model.optimizer.learning_rate == pytest.approx(0.01 * 0.5 ** 2, rel=1e-6)
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        lamina.callbacks.ReduceLROnPlateau(factor=1.0)
    cb = lamina.callbacks.ReduceLROnPlateau()
    assert (cb.monitor, cb.factor, cb.patience, cb.verbose, cb.mode, cb.min_delta, cb.cooldown,
            cb.min_lr) == ("val_loss", 0.1, 10, 0, "auto", 1e-4, 0, 0.0)


def test_reduce_lr_on_plateau_missing_metric_warns():
    history, _, caught = _fit(lamina, [lamina.callbacks.ReduceLROnPlateau()], epochs=1)
    assert ("Learning rate reduction is conditioned on metric `val_loss` which is not "
            "available. Available metrics are: loss,learning_rate.") in caught
    assert history.history["learning_rate"] == [0.009999999776482582]


# -- LearningRateScheduler ---------------------------------------------------

def test_learning_rate_scheduler_two_argument_schedule():
    def schedule(epoch: int, lr: float) -> float:
        return lr * 0.5 if epoch > 1 else lr

    model = _make(lamina)
    history, out, _ = _fit(lamina, [lamina.callbacks.LearningRateScheduler(schedule, verbose=1)],
                           epochs=4, model=model)
    # Keras 3.15.1
    assert history.history["learning_rate"] == [0.009999999776482582, 0.009999999776482582,
                                                0.004999999888241291, 0.0024999999441206455]
    assert out == "".join(
        f"\nEpoch {i + 1}: LearningRateScheduler setting learning rate to {lr}.\n"
        for i, lr in enumerate(history.history["learning_rate"]))
    assert model.optimizer.learning_rate == 0.0024999999441206455


def test_learning_rate_scheduler_one_argument_schedule_and_errors():
    cb = lamina.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    history, _, _ = _fit(lamina, [cb], epochs=3)
    assert history.history["learning_rate"] == [0.10000000149011612, 0.05000000074505806,
                                                0.03333333507180214]  # Keras 3.15.1
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        _fit(lamina, [lamina.callbacks.LearningRateScheduler(lambda epoch: 1)], epochs=1)


# -- TerminateOnNaN ----------------------------------------------------------

def test_terminate_on_nan_stops_on_real_nan_loss(capsys):
    x = X.copy()
    x[3, 0] = np.nan  # the second batch of 2 rows produces a NaN loss
    model = _make(lamina)
    history = model.fit(x, Y, batch_size=2, epochs=3, verbose=0, shuffle=False,
                        callbacks=[lamina.callbacks.TerminateOnNaN()])
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"
    assert len(history.epoch) == 1 and math.isnan(history.history["loss"][0])


def test_terminate_on_nan_raise_error():
    x = X.copy()
    x[0, 0] = np.inf
    model = _make(lamina)
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(x, Y, batch_size=2, epochs=3, verbose=0, shuffle=False,
                  callbacks=[lamina.callbacks.TerminateOnNaN(raise_error=True)])


def test_terminate_on_nan_ignores_finite_loss():
    history, out, _ = _fit(lamina, [lamina.callbacks.TerminateOnNaN()], epochs=2, batch_size=2)
    assert len(history.epoch) == 2 and out == ""


# -- LambdaCallback ----------------------------------------------------------

def test_lambda_callback_hooks_and_kwargs():
    calls: List[Any] = []
    cb = lamina.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        on_train_batch_begin=lambda batch, logs: calls.append(("tbb", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("tbe", batch)),
        on_batch_end=lambda batch, logs: calls.append(("legacy_be", batch)),
        on_test_begin=lambda logs: calls.append("test_begin"),
        foo=3,
    )
    _fit(lamina, [cb], epochs=1, batch_size=4, validation_data=(X, Y))
    # on_train_batch_end replaces the default that would call on_batch_end.
    assert calls == ["train_begin", ("epoch_begin", 0), ("tbb", 0), ("tbe", 0), ("tbb", 1),
                     ("tbe", 1), "test_begin", ("epoch_end", 0, ["loss", "val_loss"]),
                     ("train_end", ["loss", "val_loss"])]
    assert cb.foo == 3


def test_lambda_callback_positional_order_and_legacy_batch_hook():
    calls: List[Any] = []
    cb = lamina.callbacks.LambdaCallback(
        lambda epoch, logs: calls.append("eb"), lambda epoch, logs: calls.append("ee"),
        lambda logs: calls.append("tb"), lambda logs: calls.append("te"),
        on_batch_end=lambda batch, logs: calls.append(("be", batch)))
    _fit(lamina, [cb], epochs=1, batch_size=4)
    assert calls == ["tb", "eb", ("be", 0), ("be", 1), "ee", "te"]


# -- CSVLogger ---------------------------------------------------------------

_FLOAT = re.compile(r"\d\.\d{4,}(e-\d+)?")


def _csv_scenario(keras: Any, tmp_path: Any) -> Tuple[str, str]:
    path = str(tmp_path / "log.csv")
    inject = _inject_cls(keras)("val_loss", SEQ)
    _fit(keras, [inject, keras.callbacks.ReduceLROnPlateau(patience=1),
                 keras.callbacks.CSVLogger(path)], epochs=3)
    _fit(keras, [keras.callbacks.CSVLogger(path, separator=";", append=True)], epochs=2)
    second = str(tmp_path / "log2.csv")
    _fit(keras, [keras.callbacks.CSVLogger(second)], epochs=2, validation_data=(X, Y))
    with open(path, newline="") as f1, open(second, newline="") as f2:
        return _FLOAT.sub("F", f1.read()), _FLOAT.sub("F", f2.read())


def test_csv_logger_contents(tmp_path):
    first, second = _csv_scenario(lamina, tmp_path)
    # Keras 3.15.1: header once, appended rows use the new separator, keys
    # of the appending run (loss + an NA val_loss column) without a header.
    assert first == ("epoch,learning_rate,loss,val_loss\r\n0,F,F,1.0\r\n1,F,F,0.9\r\n"
                     "2,F,F,0.95\r\n0;F;NA\r\n1;F;NA\r\n")
    assert second == "epoch,loss,val_loss\r\n0,F,F\r\n1,F,F\r\n"


def test_csv_logger_values_match_history_and_flush(tmp_path):
    path = tmp_path / "log.csv"
    seen: List[str] = []
    reader = lamina.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(path.read_text()))
    history, _, _ = _fit(lamina, [lamina.callbacks.CSVLogger(path, separator="\t"), reader],
                         epochs=2)
    assert seen[0].count("\n") == 2  # the row is on disk before the epoch ends
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [float(r[1]) for r in rows[1:]] == history.history["loss"]
    assert [r[2] for r in rows[1:]] == ["NA", "NA"]


def test_csv_logger_overwrites_without_append(tmp_path):
    path = tmp_path / "log.csv"
    _fit(lamina, [lamina.callbacks.CSVLogger(path)], epochs=3)
    _fit(lamina, [lamina.callbacks.CSVLogger(path)], epochs=1)
    assert len(path.read_text().splitlines()) == 2


# -- parity with real Keras --------------------------------------------------

@pytest.mark.parity
def test_parity_early_stopping(keras_ref):
    for kwargs, *_ in EARLY_STOPPING_CASES[:6]:
        assert _run_early_stopping(lamina, kwargs) == _run_early_stopping(keras_ref, kwargs)


@pytest.mark.parity
def test_parity_reduce_lr_on_plateau(keras_ref):
    for kwargs, *_ in REDUCE_LR_CASES:
        assert _run_reduce_lr(lamina, kwargs) == _run_reduce_lr(keras_ref, kwargs)


@pytest.mark.parity
def test_parity_csv_logger(keras_ref, tmp_path):
    (tmp_path / "k").mkdir()
    (tmp_path / "l").mkdir()
    assert _csv_scenario(lamina, tmp_path / "l") == _csv_scenario(keras_ref, tmp_path / "k")
