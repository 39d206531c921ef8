"""compile / fit / evaluate / predict arguments beyond the basics: loss and
class weights, weighted metrics, temporal sample weights, steps_per_execution,
validation_freq containers, dict inputs, the tf.keras 2.x leftovers.

Values are checked against numpy (an equivalent explicit computation) and,
in the parity tests, against real Keras 3.15.1 starting from the same weights.
"""

from __future__ import annotations

import warnings
from typing import Any, List, Tuple

import numpy as np
import pytest

import lamina

RTOL = 1e-4
ATOL = 1e-5


def _mlp(lib: Any, n_in: int = 6, units: int = 3, activation: str = "softmax") -> Any:
    return lib.Sequential([
        lib.Input((n_in,)),
        lib.layers.Dense(16, activation="relu"),
        lib.layers.Dense(units, activation=activation),
    ])


def _data(n: int = 48, n_in: int = 6, classes: int = 3, seed: int = 0) -> Tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in)).astype(np.float32)
    y = rng.integers(0, classes, size=n)
    return x, y


def _twin(model: Any) -> Any:
    """A lamina copy of `model` with the same weights."""
    other = lamina.models.clone_model(model)
    other.set_weights(model.get_weights())
    return other


def _assert_same_weights(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    for i, (wa, wb) in enumerate(zip(a.get_weights(), b.get_weights())):
        np.testing.assert_allclose(wa, wb, rtol=rtol, atol=atol, err_msg=f"weight {i}")


# -- loss_weights ---------------------------------------------------------------


@pytest.mark.parametrize("loss_weights", [2.5, [2.5], (2.5,), "dict"])
def test_loss_weights_scale_loss_and_gradient(loss_weights: Any) -> None:
    x, y = _data()
    plain = _mlp(lamina)
    scaled = _twin(plain)
    if loss_weights == "dict":
        loss_weights = {scaled.layers[-1].name: 2.5}
    plain.compile(lamina.optimizers.SGD(0.1 * 2.5), "sparse_categorical_crossentropy")
    scaled.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                   loss_weights=loss_weights)
    base = plain.evaluate(x, y, verbose=0)
    assert scaled.evaluate(x, y, verbose=0) == pytest.approx(2.5 * base, rel=1e-6)
    # 2.5 x the gradient at lr 0.1 is the same update as lr 0.25.
    plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    scaled.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(plain, scaled, rtol=1e-5, atol=1e-6)


def test_loss_weights_errors_name_the_argument() -> None:
    model = _mlp(lamina)
    with pytest.raises(ValueError, match="one output.*loss_weights"):
        model.compile("sgd", "mse", loss_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="keyed by the output layer's name.*'dense_"):
        model.compile("sgd", "mse", loss_weights={"nope": 1.0})
    with pytest.raises(ValueError, match="must be a number"):
        model.compile("sgd", "mse", loss_weights="big")


# -- weighted_metrics ---------------------------------------------------------


def test_weighted_metrics_use_sample_weights_and_metrics_do_not() -> None:
    x, y = _data()
    sw = np.random.default_rng(1).uniform(0.1, 2.0, size=len(x)).astype(np.float32)
    model = _mlp(lamina)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy", "mae"])
    assert model.metrics_names == ["loss", "accuracy", "weighted_accuracy", "mae"]
    logs = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss", "mae", "weighted_accuracy"]
    pred = model.predict(x, verbose=0)
    hit = (pred.argmax(-1) == y).astype(np.float64)
    assert logs["accuracy"] == pytest.approx(hit.mean(), abs=1e-6)
    assert logs["weighted_accuracy"] == pytest.approx((hit * sw).sum() / sw.sum(), abs=1e-6)
    # Sparse labels against 3 outputs: Keras broadcasts the label over them.
    mae = np.abs(y[:, None] - pred).mean(-1)
    assert logs["mae"] == pytest.approx((mae * sw).sum() / sw.sum(), rel=1e-5)


def test_weighted_python_side_metric_gets_the_weights() -> None:
    class WeightSum(lamina.metrics.Metric):
        def __init__(self) -> None:
            super().__init__(name="weight_sum")
            self.total = 0.0

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            n = len(np.asarray(y_true))
            self.total += float(n if sample_weight is None else np.sum(sample_weight))

        def result(self) -> float:
            return self.total

        def reset_state(self) -> None:
            self.total = 0.0

    x, y = _data(n=20)
    sw = np.full(len(x), 0.5, np.float32)
    model = _mlp(lamina)
    model.compile("sgd", "sparse_categorical_crossentropy", weighted_metrics=[WeightSum()])
    logs = model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
    assert logs["weight_sum"] == pytest.approx(10.0)


@pytest.mark.parity
def test_weighted_metrics_and_loss_weights_match_keras(keras_ref: Any) -> None:
    x, labels = _data()
    y = np.eye(3, dtype=np.float32)[labels]
    sw = np.random.default_rng(2).uniform(0.1, 2.0, size=len(x)).astype(np.float32)
    lm = _mlp(lamina)
    km = _mlp(keras_ref)
    km.set_weights(lm.get_weights())
    kwargs = dict(metrics=["accuracy", "mse"], weighted_metrics=["accuracy", "mae"],
                  loss_weights=[2.0])
    lm.compile(lamina.optimizers.SGD(0.05), "categorical_crossentropy", **kwargs)
    km.compile(keras_ref.optimizers.SGD(0.05), "categorical_crossentropy", **kwargs)
    lh = lm.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    kh = km.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert sorted(lh.history) == sorted(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(lh.history[key], kh.history[key], rtol=RTOL, atol=ATOL,
                                   err_msg=key)
    _assert_same_weights(lm, km)
    le = lm.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    ke = km.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert sorted(le) == sorted(ke)
    for key in ke:
        assert le[key] == pytest.approx(float(ke[key]), rel=RTOL, abs=ATOL), key


# -- class_weight ---------------------------------------------------------------


CLASS_WEIGHT = {0: 1.0, 1: 3.0, 2: 0.5}


@pytest.mark.parametrize("targets", ["sparse", "onehot", "binary"])
def test_class_weight_equals_the_matching_sample_weights(targets: str) -> None:
    x, y = _data(classes=2 if targets == "binary" else 3)
    if targets == "binary":
        units, act, loss, cw = 1, "sigmoid", "binary_crossentropy", {0: 1.0, 1: 4.0}
        y_fit = y.astype(np.float32).reshape(-1, 1)
    elif targets == "onehot":
        units, act, loss, cw = 3, "softmax", "categorical_crossentropy", CLASS_WEIGHT
        y_fit = np.eye(3, dtype=np.float32)[y]
    else:
        units, act, loss, cw = 3, "softmax", "sparse_categorical_crossentropy", CLASS_WEIGHT
        y_fit = y
    a = _mlp(lamina, units=units, activation=act)
    b = _twin(a)
    a.compile(lamina.optimizers.SGD(0.1), loss)
    b.compile(lamina.optimizers.SGD(0.1), loss)
    explicit = np.array([cw[int(c)] for c in y], np.float32)
    ha = a.fit(x, y_fit, class_weight=cw, batch_size=16, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(x, y_fit, sample_weight=explicit, batch_size=16, epochs=2, shuffle=False,
               verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    _assert_same_weights(a, b, rtol=1e-6, atol=1e-7)


def test_class_weight_is_multiplied_with_sample_weight() -> None:
    x, y = _data()
    sw = np.random.default_rng(3).uniform(0.5, 1.5, size=len(x)).astype(np.float32)
    a = _mlp(lamina)
    b = _twin(a)
    for m in (a, b):
        m.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    explicit = sw * np.array([CLASS_WEIGHT[int(c)] for c in y], np.float32)
    a.fit(x, y, sample_weight=sw, class_weight=CLASS_WEIGHT, batch_size=16, shuffle=False,
          verbose=0)
    b.fit(x, y, sample_weight=explicit, batch_size=16, shuffle=False, verbose=0)
    _assert_same_weights(a, b, rtol=1e-6, atol=1e-7)


def test_class_weight_applies_to_training_only() -> None:
    x, y = _data()
    a = _mlp(lamina)
    b = _twin(a)
    for m in (a, b):
        m.compile(lamina.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    ha = a.fit(x, y, class_weight={0: 10.0, 1: 10.0, 2: 10.0}, validation_data=(x, y),
               verbose=0)
    hb = b.fit(x, y, validation_data=(x, y), verbose=0)
    assert ha.history["val_loss"] == pytest.approx(hb.history["val_loss"], rel=1e-6)
    assert ha.history["loss"][0] == pytest.approx(10 * hb.history["loss"][0], rel=1e-5)


def test_class_weight_per_timestep_for_sequence_targets() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 5, 4)).astype(np.float32)
    labels = rng.integers(0, 3, size=(12, 5))
    onehot = np.eye(3, dtype=np.float32)[labels]

    def model() -> Any:
        m = lamina.Sequential([lamina.Input((5, 4)), lamina.layers.Dense(3, activation="softmax")])
        return m

    a, b, c = model(), model(), model()
    b.set_weights(a.get_weights())
    c.set_weights(a.get_weights())
    a.compile(lamina.optimizers.SGD(0.1), "categorical_crossentropy")
    b.compile(lamina.optimizers.SGD(0.1), "categorical_crossentropy")
    c.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    per_step = np.vectorize(CLASS_WEIGHT.get)(labels).astype(np.float32)  # (12, 5)
    a.fit(x, onehot, class_weight=CLASS_WEIGHT, batch_size=4, shuffle=False, verbose=0)
    b.fit(x, onehot, sample_weight=per_step, batch_size=4, shuffle=False, verbose=0)
    c.fit(x, labels, class_weight=CLASS_WEIGHT, batch_size=4, shuffle=False, verbose=0)
    _assert_same_weights(a, b, rtol=1e-6, atol=1e-7)
    _assert_same_weights(a, c, rtol=1e-5, atol=1e-6)


def test_class_weight_missing_class_warns_and_bad_keys_raise() -> None:
    x, y = _data()
    model = _mlp(lamina)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match=r"no entry for class\(es\) \[2\]; they get weight 1.0"):
        model.fit(x, y, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="non-negative integer class indices.*'a'"):
        model.fit(x, y, class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ValueError, match="must be a dict"):
        model.fit(x, y, class_weight=[1.0, 2.0, 3.0], verbose=0)
    with pytest.raises(ValueError, match=r"class_weight\[1\]` must be finite"):
        model.fit(x, y, class_weight={1: float("nan")}, verbose=0)


def test_train_on_batch_class_weight() -> None:
    x, y = _data(n=16)
    a = _mlp(lamina)
    b = _twin(a)
    for m in (a, b):
        m.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    explicit = np.array([CLASS_WEIGHT[int(c)] for c in y], np.float32)
    la = a.train_on_batch(x, y, class_weight=CLASS_WEIGHT)
    lb = b.train_on_batch(x, y, sample_weight=explicit)
    assert la == pytest.approx(lb, rel=1e-6)
    _assert_same_weights(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parity
def test_class_weight_matches_keras(keras_ref: Any) -> None:
    x, y = _data()
    lm = _mlp(lamina)
    km = _mlp(keras_ref)
    km.set_weights(lm.get_weights())
    lm.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
               metrics=["accuracy"])
    km.compile(keras_ref.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
               metrics=["accuracy"])
    lh = lm.fit(x, y, class_weight=CLASS_WEIGHT, batch_size=16, epochs=3, shuffle=False,
                verbose=0)
    kh = km.fit(x, y, class_weight=CLASS_WEIGHT, batch_size=16, epochs=3, shuffle=False,
                verbose=0)
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(lh.history["accuracy"], kh.history["accuracy"], atol=1e-6)
    _assert_same_weights(lm, km)


# -- temporal sample weights -----------------------------------------------------


def test_temporal_sample_weights_match_numpy_and_keras_reduction() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4, 3)).astype(np.float32)
    y = rng.normal(size=(6, 4, 2)).astype(np.float32)
    sw = rng.uniform(0, 2, size=(6, 4)).astype(np.float32)
    model = lamina.Sequential([lamina.Input((4, 3)), lamina.layers.Dense(2)])
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    pred = model.predict(x, verbose=0)
    per_step = ((pred - y) ** 2).mean(-1)
    # Keras: sum(loss * w) / number of loss elements (not the sum of weights).
    expected = (per_step * sw).sum() / per_step.size
    assert model.evaluate(x, y, sample_weight=sw, batch_size=6, verbose=0) == pytest.approx(
        expected, rel=1e-5)
    assert model.test_on_batch(x, y, sample_weight=sw) == pytest.approx(expected, rel=1e-5)
    # Shuffled batches gather the weights with their samples.
    model.fit(x, y, sample_weight=sw, batch_size=4, shuffle=True, verbose=0)
    with pytest.raises(ValueError, match="one per timestep"):
        model.evaluate(x, y, sample_weight=np.ones((6, 3), np.float32), verbose=0)


@pytest.mark.parity
def test_temporal_sample_weights_match_keras(keras_ref: Any) -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, 4, 3)).astype(np.float32)
    y = rng.normal(size=(8, 4, 2)).astype(np.float32)
    sw = rng.uniform(0, 2, size=(8, 4)).astype(np.float32)
    lm = lamina.Sequential([lamina.Input((4, 3)), lamina.layers.Dense(2)])
    km = keras_ref.Sequential([keras_ref.Input((4, 3)), keras_ref.layers.Dense(2)])
    km.set_weights(lm.get_weights())
    lm.compile(lamina.optimizers.SGD(0.1), "mse")
    km.compile(keras_ref.optimizers.SGD(0.1), "mse")
    lh = lm.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    kh = km.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=RTOL, atol=ATOL)
    _assert_same_weights(lm, km)


# -- steps_per_execution -----------------------------------------------------------


class _Recorder(lamina.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.events: List[Tuple[str, int]] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.events.append(("b", batch))

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.events.append(("e", batch))

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.events.append(("tb", batch))

    def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
        self.events.append(("te", batch))


@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_steps_per_execution_gives_the_same_training(shuffle: Any) -> None:
    x, y = _data(n=50)
    sw = np.random.default_rng(7).uniform(0.5, 1.5, size=len(x)).astype(np.float32)
    a = _mlp(lamina)
    b = _twin(a)
    a.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    b.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
              metrics=["accuracy"], steps_per_execution=3)
    lamina.utils.set_random_seed(11)
    ha = a.fit(x, y, sample_weight=sw, batch_size=5, epochs=2, shuffle=shuffle, verbose=0,
               validation_data=(x, y))
    lamina.utils.set_random_seed(11)
    rec = _Recorder()
    hb = b.fit(x, y, sample_weight=sw, batch_size=5, epochs=2, shuffle=shuffle, verbose=0,
               validation_data=(x, y), callbacks=[rec])
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert ha.history == hb.history
    assert b.optimizer.iterations == 20
    # Keras 3's hook pattern: one begin/end per group of 3 batches (Keras 3
    # reports 11 as the last group's end; lamina its real last batch, 9).
    epoch = [("b", 0), ("e", 2), ("b", 3), ("e", 5), ("b", 6), ("e", 8), ("b", 9), ("e", 9)]
    test = [("t" + k, i) for k, i in epoch]
    assert rec.events == (epoch + test) * 2


@pytest.mark.parity
def test_steps_per_execution_matches_keras(keras_ref: Any) -> None:
    x, y = _data(n=50)
    lm = _mlp(lamina)
    km = _mlp(keras_ref)
    km.set_weights(lm.get_weights())
    lm.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
               metrics=["accuracy"], steps_per_execution=3)
    km.compile(keras_ref.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
               metrics=["accuracy"], steps_per_execution=3)
    events: List[Tuple[str, int]] = []

    class KerasRecorder(keras_ref.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            events.append(("b", batch))

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            events.append(("e", batch))

    rec = _Recorder()
    lh = lm.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, callbacks=[rec])
    kh = km.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0,
                callbacks=[KerasRecorder()])
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=RTOL, atol=ATOL)
    _assert_same_weights(lm, km)
    # Expected difference: Keras ends the short last group at index 11.
    keras_events = [(k, 9 if (k, i) == ("e", 11) else i) for k, i in events]
    assert rec.events == keras_events


def test_steps_per_execution_validation() -> None:
    model = _mlp(lamina)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="steps_per_execution"):
            model.compile("sgd", "mse", steps_per_execution=bad)


def test_steps_per_execution_with_a_schedule_runs_step_by_step() -> None:
    x, y = _data(n=40)
    schedule = lamina.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    a = _mlp(lamina)
    b = _twin(a)
    a.compile(lamina.optimizers.SGD(schedule), "sparse_categorical_crossentropy")
    b.compile(lamina.optimizers.SGD(schedule), "sparse_categorical_crossentropy",
              steps_per_execution=4)
    a.fit(x, y, batch_size=5, shuffle=False, verbose=0)
    b.fit(x, y, batch_size=5, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# -- validation_freq, compile arguments, inputs ------------------------------------


@pytest.mark.parametrize("freq", [[2, 3], (2, 3), {2, 3}, range(2, 4)])
def test_validation_freq_containers(freq: Any) -> None:
    x, y = _data()
    model = _mlp(lamina)
    model.compile("sgd", "sparse_categorical_crossentropy")
    seen: List[int] = []

    class Spy(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if "val_loss" in logs:
                seen.append(epoch + 1)

    model.fit(x, y, epochs=4, validation_data=(x, y), validation_freq=freq, verbose=0,
              callbacks=[Spy()])
    assert seen == [2, 3]
    with pytest.raises(ValueError, match="validation_freq"):
        model.fit(x, y, validation_data=(x, y), validation_freq=0, verbose=0)
    with pytest.raises(ValueError, match="to be a list or int"):
        model.fit(x, y, validation_data=(x, y), validation_freq="2", verbose=0)


def test_compile_positional_order_and_accepted_arguments() -> None:
    x, y = _data()
    model = _mlp(lamina)
    # The seed's order: optimizer, loss, metrics, loss_weights.
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"], [1.0])
    assert model.metrics_names == ["loss", "accuracy"]
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=[["accuracy"], ["mse"]],
                  sample_weight_mode="temporal", run_eagerly=True, jit_compile=True,
                  auto_scale_loss=False)
    assert model.metrics_names == ["loss", "accuracy", "mse"]
    name = model.layers[-1].name
    model.compile("sgd", "sparse_categorical_crossentropy", metrics={name: ["accuracy"]})
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"accuracy", "loss"}
    with pytest.raises(ValueError, match=f"one output, '{name}'.*keyed by its name.*'out'"):
        model.compile("sgd", "mse", metrics={"out": ["mae"]})
    with pytest.raises(ValueError, match="sample_weight_mode"):
        model.compile("sgd", "mse", sample_weight_mode="temporl")
    with pytest.raises(ValueError, match="target_tensors.*`y`"):
        model.compile("sgd", "mse", target_tensors=[np.zeros(3)])


def test_dict_inputs_are_keyed_by_the_input_name() -> None:
    x, y = _data()
    model = lamina.Sequential([lamina.Input((6,), name="features"),
                               lamina.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit({"features": x}, y, verbose=0)
    np.testing.assert_array_equal(model.predict({"features": x}, verbose=0),
                                  model.predict(x, verbose=0))
    assert model.evaluate({"features": x}, y, verbose=0) == pytest.approx(
        model.evaluate(x, y, verbose=0))
    with pytest.raises(ValueError, match=r"\{'features': array\}.*\['pixels'\]"):
        model.predict({"pixels": x}, verbose=0)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int64, np.float64, np.bool_])
def test_any_numeric_dtype_trains_like_float32(dtype: Any) -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(0, 2 if dtype is np.bool_ else 5, size=(32, 6)).astype(dtype)
    y = rng.integers(0, 3, size=32).astype(np.int64)
    a = _mlp(lamina)
    b = _twin(a)
    for m in (a, b):
        m.compile(lamina.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    a.fit(x, y, shuffle=False, verbose=0)
    b.fit(x.astype(np.float32), y.astype(np.float32), shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# -- reset_metrics, predict_classes / predict_proba, quiet predict ----------------


def test_reset_metrics_false_accumulates_across_calls() -> None:
    x, y = _data(n=32)
    model = _mlp(lamina)
    model.compile(lamina.optimizers.SGD(0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    first = model.test_on_batch(x[:16], y[:16])
    second = model.test_on_batch(x[16:], y[16:], reset_metrics=False)
    whole = model.test_on_batch(x, y)
    assert second == pytest.approx(whole, rel=1e-6)
    assert first != pytest.approx(whole)
    model.train_on_batch(x[:16], y[:16])
    acc = model.train_on_batch(x[16:], y[16:], reset_metrics=False, return_dict=True)
    assert acc["loss"] == pytest.approx(whole[0], rel=1e-6)  # lr 0: weights unchanged


def test_predict_classes_and_proba() -> None:
    x, _ = _data(n=10)
    multi = _mlp(lamina)
    binary = _mlp(lamina, units=1, activation="sigmoid")
    with pytest.warns(UserWarning, match="np.argmax"):
        classes = multi.predict_classes(x)
    np.testing.assert_array_equal(classes, multi.predict(x, verbose=0).argmax(-1))
    with pytest.warns(UserWarning, match="> 0.5"):
        b_classes = binary.predict_classes(x)
    assert b_classes.dtype == np.int32 and b_classes.shape == (10, 1)
    np.testing.assert_array_equal(b_classes, (binary.predict(x, verbose=0) > 0.5))
    with pytest.warns(UserWarning, match="predict_proba"):
        np.testing.assert_array_equal(multi.predict_proba(x), multi.predict(x, verbose=0))


def test_predict_on_one_batch_prints_no_bar_unless_asked(capsys: Any) -> None:
    x, _ = _data(n=10)
    model = _mlp(lamina)
    model.predict(x)
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=1)
    assert "1/1" in capsys.readouterr().out
    model.predict(np.concatenate([x] * 4))  # two batches of 32: a bar, as in Keras
    assert "2/2" in capsys.readouterr().out


def test_model_call_numpy_and_training_flag() -> None:
    x, _ = _data(n=4)
    model = _mlp(lamina)
    out = model(x, training=False)
    np.testing.assert_array_equal(out.numpy(), model.predict_on_batch(x))


# -- determinism ------------------------------------------------------------------


def _train_wide(seed: int) -> List[np.ndarray]:
    lamina.utils.set_random_seed(seed)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 128)).astype(np.float32)
    y = rng.integers(0, 10, size=256)
    model = lamina.Sequential([
        lamina.Input((128,)),
        lamina.layers.Dense(256, activation="relu"),
        lamina.layers.Dropout(0.3),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    return model.get_weights()


def test_results_do_not_depend_on_the_thread_count_and_a_seed_repeats_a_run() -> None:
    before = lamina.config.get_num_threads()
    try:
        lamina.config.set_num_threads(1)
        one = _train_wide(5)
        lamina.config.set_num_threads(2)
        two = _train_wide(5)
        again = _train_wide(5)
    finally:
        lamina.config.set_num_threads(before)
    for a, b, c in zip(one, two, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
    other = _train_wide(6)
    assert not np.array_equal(other[0], one[0])


def test_a_complete_class_weight_dict_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, y = _data()
        model = _mlp(lamina)
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(x, y, class_weight=CLASS_WEIGHT, verbose=0)


def test_a_model_of_views_only_trains_without_weights() -> None:
    # Nothing to differentiate: the step still reports the loss (and the
    # activity penalty of a view), and never walks off the op list.
    x = np.ones((8, 2, 3), np.float32)
    y = np.zeros((8, 6), np.float32)
    model = lamina.Sequential([lamina.Input((2, 3)), lamina.layers.Flatten(),
                               lamina.layers.Reshape((3, 2)), lamina.layers.Flatten()])
    model.compile("sgd", "mse")
    assert model.fit(x, y, epochs=2, verbose=0).history["loss"] == [1.0, 1.0]
    l2 = lamina.regularizers.L2(0.01)
    regularized = lamina.Sequential([lamina.Input((2, 3)),
                                     lamina.layers.Flatten(activity_regularizer=l2)])
    regularized.compile("sgd", "mse")
    assert regularized.train_on_batch(x, y) == pytest.approx(1.0 + 0.01 * 6)
