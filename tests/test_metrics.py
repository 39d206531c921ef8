"""Metrics against real Keras 3.15.1 (standalone, over several batches, with
and without sample weights; compiled into `fit`), closed-form checks and
config round trips."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Tuple

import numpy as np
import pytest

import lamina
from lamina import ops

RTOL, ATOL = 1e-5, 1e-6


# -- data --------------------------------------------------------------------------


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def _batch(kind: str, rng: np.random.Generator, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) of one batch of the given kind."""
    f32 = np.float32
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype(f32), rng.uniform(size=(n, 1)).astype(f32)
    if kind == "multi_binary":
        return rng.integers(0, 2, (n, 4)).astype(f32), rng.uniform(size=(n, 4)).astype(f32)
    if kind == "binary_logits":
        return rng.integers(0, 2, (n, 4)).astype(f32), rng.normal(0, 2, (n, 4)).astype(f32)
    if kind == "onehot":
        labels = rng.integers(0, 8, n)
        return np.eye(8, dtype=f32)[labels], _softmax(rng.normal(size=(n, 8)))
    if kind == "onehot_logits":
        labels = rng.integers(0, 8, n)
        return np.eye(8, dtype=f32)[labels], rng.normal(0, 2, (n, 8)).astype(f32)
    if kind == "sparse":
        return rng.integers(0, 8, n).astype(f32), _softmax(rng.normal(size=(n, 8)))
    if kind == "sparse_logits":
        return rng.integers(0, 8, n).astype(f32), rng.normal(0, 2, (n, 8)).astype(f32)
    if kind == "regression":
        return rng.normal(size=(n, 3)).astype(f32), rng.normal(size=(n, 3)).astype(f32)
    if kind == "positive":
        return (rng.uniform(0.1, 3, (n, 3)).astype(f32),
                rng.uniform(0.1, 3, (n, 3)).astype(f32))
    if kind == "distribution":
        return _softmax(rng.normal(size=(n, 6))), _softmax(rng.normal(size=(n, 6)))
    if kind == "ids":
        return rng.integers(0, 4, n).astype(f32), rng.integers(0, 4, n).astype(f32)
    raise AssertionError(kind)


# (class name, constructor kwargs, data kind)
CASES = [
    ("Accuracy", {}, "ids"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "multi_binary"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("TopKCategoricalAccuracy", {}, "onehot"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"num_regressors": 2}, "regression"),
    ("KLDivergence", {}, "distribution"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "multi_binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse"),
    ("Hinge", {}, "multi_binary"),
    ("SquaredHinge", {}, "binary_logits"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("TruePositives", {}, "multi_binary"),
    ("TrueNegatives", {}, "multi_binary"),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, "multi_binary"),
    ("FalseNegatives", {}, "binary"),
    ("Precision", {}, "multi_binary"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "multi_binary"),
    ("Precision", {"top_k": 2}, "multi_binary"),
    ("Recall", {}, "binary"),
    ("Recall", {"class_id": 1}, "multi_binary"),
    ("Recall", {"top_k": 1, "class_id": 2}, "multi_binary"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "multi_binary"),
    ("AUC", {"summation_method": "minoring", "num_thresholds": 37}, "multi_binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"multi_label": True, "num_thresholds": 50}, "multi_binary"),
    ("AUC", {"from_logits": True}, "binary_logits"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("RecallAtPrecision", {"precision": 0.6}, "multi_binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "class_id": 3}, "multi_binary"),
    ("MeanIoU", {"num_classes": 4}, "ids"),
    ("MeanIoU", {"num_classes": 8, "sparse_y_pred": False}, "sparse"),
    ("OneHotMeanIoU", {"num_classes": 8}, "onehot"),
    ("F1Score", {}, "multi_binary"),
    ("F1Score", {"average": "macro", "threshold": 0.5}, "multi_binary"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, "multi_binary"),
    ("FBetaScore", {"average": "micro", "threshold": 0.4}, "multi_binary"),
]


def _case_id(case: Tuple[str, Dict[str, Any], str]) -> str:
    name, kwargs, kind = case
    args = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({args})-{kind}"


def _run(metric: Any, batches: Any) -> np.ndarray:
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w)
    return np.asarray(metric.result(), dtype=np.float64)


@pytest.mark.parity
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_metric_matches_keras(keras_ref, case, weighted):
    name, kwargs, kind = case
    rng = np.random.default_rng(abs(hash(_case_id(case))) % 2**32)
    batches = []
    for n in (7, 16, 5):
        y, p = _batch(kind, rng, n)
        w = None
        if weighted:
            # IoU metrics cast weights to their int dtype: use whole numbers.
            w = (rng.integers(0, 3, n) if "IoU" in name else rng.uniform(0, 2, n)).astype(
                np.float32)
        batches.append((y, p, w))
    ours = getattr(lamina.metrics, name)(**kwargs)
    theirs = getattr(keras_ref.metrics, name)(**kwargs)
    expected = _run(theirs, batches)
    got = _run(ours, batches)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    # reset_state forgets, and a second pass gives the same value.
    ours.reset_state()
    np.testing.assert_allclose(_run(ours, batches), expected, rtol=RTOL, atol=ATOL)
    # Auto names are uniquified by a per-library counter ("auc", "auc_1", ...).
    assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_config_round_trip_matches_keras(keras_ref, case):
    name, kwargs, _ = case
    ours = getattr(lamina.metrics, name)(**kwargs)
    theirs = getattr(keras_ref.metrics, name)(**kwargs)
    config = ours.get_config()
    keras_config = theirs.get_config()
    keras_config.pop("dtype", None)
    for key, value in keras_config.items():
        assert key in config, key
        if key != "label_weights":
            assert config[key] == value or np.allclose(config[key], value), key
    clone = type(ours).from_config(config)
    assert clone.get_config() == config
    again = lamina.metrics.deserialize(lamina.metrics.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == config


@pytest.mark.parity
@pytest.mark.parametrize("fn_name", sorted(lamina.metrics.FUNCTIONS))
def test_metric_functions_match_keras(keras_ref, fn_name):
    kinds = {"accuracy": "ids", "binary_accuracy": "multi_binary", "categorical_accuracy":
             "onehot", "sparse_categorical_accuracy": "sparse", "top_k_categorical_accuracy":
             "onehot", "sparse_top_k_categorical_accuracy": "sparse", "hinge": "multi_binary",
             "squared_hinge": "binary_logits", "categorical_hinge": "onehot",
             "kl_divergence": "distribution", "poisson": "positive",
             "mean_squared_logarithmic_error": "positive",
             "binary_crossentropy": "multi_binary", "categorical_crossentropy": "onehot",
             "sparse_categorical_crossentropy": "sparse"}
    y, p = _batch(kinds.get(fn_name, "regression"), np.random.default_rng(3), 9)
    # keras.metrics does not export `accuracy` and `cosine_similarity` (the
    # loss of that name is the negative); take them from their modules.
    private = {"accuracy": "accuracy_metrics", "cosine_similarity": "regression_metrics"}
    if fn_name in private:
        import importlib

        module = importlib.import_module(f"keras.src.metrics.{private[fn_name]}")
        keras_fn = getattr(module, fn_name)
    else:
        keras_fn = getattr(keras_ref.metrics, fn_name)
    expected = np.asarray(keras_fn(y, p))
    got = np.asarray(getattr(lamina.metrics, fn_name)(y, p))
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parity
def test_mean_and_sum_match_keras(keras_ref):
    rng = np.random.default_rng(5)
    for cls in ("Mean", "Sum"):
        ours, theirs = getattr(lamina.metrics, cls)(), getattr(keras_ref.metrics, cls)()
        for shape in ((6,), (4, 3), ()):
            values = rng.normal(size=shape).astype(np.float32)
            w = rng.uniform(size=shape[:1]).astype(np.float32) if shape else None
            ours.update_state(values, sample_weight=w)
            theirs.update_state(values, sample_weight=w)
        np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=RTOL)


@pytest.mark.parity
def test_string_names_resolve_as_keras(keras_ref):
    for name in ("mse", "MAE", "mape", "msle", "bce", "binary_accuracy", "AUC", "auc",
                 "precision", "Recall", "top_k_categorical_accuracy", "r2_score",
                 "f1_score"):
        theirs = keras_ref.metrics.get(name)
        ours = lamina.metrics.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name), name
    with pytest.raises(ValueError):
        lamina.metrics.get("no_such_metric")


# -- compiled into a model ------------------------------------------------------------


def _model(lib: Any, units: int, activation: str) -> Any:
    return lib.Sequential([lib.Input((6,)), lib.layers.Dense(16, activation="relu"),
                           lib.layers.Dense(units, activation=activation)])


def _fit_pair(keras: Any, units: int, activation: str, loss: str,
              metrics: Callable[[Any], list], x: np.ndarray, y: np.ndarray) -> Tuple[dict, dict]:
    lm = _model(lamina, units, activation)
    km = _model(keras, units, activation)
    km.set_weights(lm.get_weights())
    histories = []
    for lib, model in ((lamina, lm), (keras, km)):
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.05), loss=loss,
                      metrics=metrics(lib))
        histories.append(model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                                   validation_split=0.25).history)
    return histories[0], histories[1]


def _assert_histories_close(ours: dict, theirs: dict) -> None:
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(np.asarray(ours[key], np.float64),
                                   np.asarray(theirs[key], np.float64),
                                   rtol=1e-4, atol=1e-5, err_msg=key)


@pytest.mark.parity
def test_fit_history_binary_metrics_match_keras(keras_ref):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x[:, :1] + 0.5 * rng.normal(size=(96, 1)) > 0).astype(np.float32)
    ours, theirs = _fit_pair(
        keras_ref, 1, "sigmoid", "binary_crossentropy",
        lambda lib: ["accuracy", "mse", lib.metrics.AUC(name="auc"), lib.metrics.Precision(),
                     lib.metrics.Recall(name="rec"), lib.metrics.TruePositives(),
                     lib.metrics.AUC(curve="PR", name="pr"), "binary_crossentropy",
                     lib.metrics.PrecisionAtRecall(0.5), lib.metrics.F1Score(threshold=0.5)],
        x, y)
    _assert_histories_close(ours, theirs)


@pytest.mark.parity
def test_fit_history_categorical_metrics_match_keras(keras_ref):
    rng = np.random.default_rng(12)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    labels = np.argmax(x[:, :4] + 0.3 * rng.normal(size=(96, 4)), axis=1)
    ours, theirs = _fit_pair(
        keras_ref, 4, "softmax", "sparse_categorical_crossentropy",
        lambda lib: ["acc", "sparse_top_k_categorical_accuracy",
                     lib.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
                     lib.metrics.MeanIoU(4, sparse_y_pred=False),
                     "sparse_categorical_crossentropy"],
        x, labels.astype(np.float32))
    _assert_histories_close(ours, theirs)


@pytest.mark.parity
def test_fit_history_regression_metrics_match_keras(keras_ref):
    rng = np.random.default_rng(13)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x[:, :2] @ np.array([[1.0, -0.5], [0.3, 2.0]]) + 0.1).astype(np.float32)
    ours, theirs = _fit_pair(
        keras_ref, 2, "linear", "mse",
        lambda lib: ["mae", "mape", lib.metrics.RootMeanSquaredError(),
                     lib.metrics.R2Score(), lib.metrics.CosineSimilarity(),
                     lib.metrics.LogCoshError()],
        x, y)
    _assert_histories_close(ours, theirs)


def _user_metric_class(lib: Any) -> type:
    class CountAbove(lib.metrics.Metric):
        """Counts predictions above a threshold; written only with keras.ops."""

        def __init__(self, threshold: float = 0.5, name: str = "count_above", **kw: Any):
            super().__init__(name=name, **kw)
            self.threshold = threshold
            self.count = self.add_weight(name="count", initializer="zeros")
            self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            above = lib.ops.cast(lib.ops.greater(y_pred, self.threshold), "float32")
            hits = lib.ops.cast(lib.ops.equal(above, lib.ops.cast(y_true, "float32")),
                                "float32")
            self.count.assign_add(lib.ops.sum(hits))
            self.seen.assign_add(lib.ops.cast(lib.ops.size(hits), "float32"))

        def result(self) -> Any:
            return self.count / lib.ops.maximum(self.seen, 1.0)

    return CountAbove


@pytest.mark.parity
def test_user_metric_and_function_in_fit_match_keras(keras_ref):
    rng = np.random.default_rng(14)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)

    def metrics(lib: Any) -> list:
        def mean_pred(y_true: Any, y_pred: Any) -> Any:
            return lib.ops.mean(y_pred, axis=-1)

        return [_user_metric_class(lib)(), mean_pred]

    ours, theirs = _fit_pair(keras_ref, 1, "sigmoid", "binary_crossentropy", metrics, x, y)
    assert "count_above" in ours and "mean_pred" in ours
    _assert_histories_close(ours, theirs)


# -- closed form, no Keras needed ----------------------------------------------------------


def test_user_metric_standalone_and_reset():
    metric = _user_metric_class(lamina)(threshold=0.5)
    metric.update_state(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.6, 0.2]))
    assert float(metric.result()) == pytest.approx(1 / 3)
    assert metric.result().numpy() == pytest.approx(1 / 3)
    assert len(metric.variables) == 2
    metric.reset_state()
    assert float(metric.count.numpy()) == 0.0


def test_closed_form_values():
    m = lamina.metrics.MeanSquaredError()
    m.update_state([[1, 2], [3, 4]], [[1, 1], [1, 1]], sample_weight=[1, 3])
    assert float(m.result()) == pytest.approx((0.5 * 1 + 6.5 * 3) / 4)
    acc = lamina.metrics.BinaryAccuracy()
    acc.update_state([1, 0, 1, 1], [0.8, 0.6, 0.5, 0.9])
    assert float(acc.result()) == pytest.approx(0.5)
    auc = lamina.metrics.AUC()
    auc.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert float(auc.result()) == pytest.approx(0.75, abs=0.01)
    iou = lamina.metrics.MeanIoU(num_classes=2)
    iou.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert float(iou.result()) == pytest.approx(1 / 3, rel=1e-5)
    rmse = lamina.metrics.RootMeanSquaredError()
    rmse.update_state([0.0, 0.0], [3.0, 4.0])
    assert float(rmse.result()) == pytest.approx(np.sqrt(12.5))


def test_native_form_and_state_layout_agree():
    """The standalone state is exactly what the engine keeps."""
    metric = lamina.metrics.Precision(thresholds=[0.3, 0.7])
    name, params = metric.native
    assert name == "confusion" and params["num_thresholds"] == 2
    metric.update_state([[1], [0], [1]], [[0.9], [0.5], [0.4]])
    tp, fp, tn, fn = metric.counts(metric.current_state())
    assert tp.tolist() == [2, 1] and fp.tolist() == [1, 0]
    assert tn.tolist() == [0, 1] and fn.tolist() == [0, 1]


def test_invalid_arguments_raise_value_error():
    with pytest.raises(ValueError):
        lamina.metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError):
        lamina.metrics.AUC(curve="XY")
    with pytest.raises(ValueError):
        lamina.metrics.PrecisionAtRecall(recall=1.5)
    with pytest.raises(ValueError):
        lamina.metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError):
        lamina.metrics.F1Score().update_state(np.ones(3), np.ones(3))


def test_ops_is_importable_as_keras_ops():
    assert lamina.ops is ops
    assert float(ops.mean(ops.cast([1, 2, 4], "float32"))) == pytest.approx(7 / 3)
