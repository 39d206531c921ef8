"""What `compile()` records and how it meets the data: the loss, the metrics
(`"accuracy"` is resolved by the shapes of labels and predictions, as Keras
does), and the checks that labels fit the loss and the model's output."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lamina import losses as losses_module
from lamina import metrics as metrics_module

OutputShape = Tuple[Any, ...]


class CompiledMetrics:
    """The compiled metrics, in compile order: `metrics`, then `weighted_metrics`.

    Each entry resolves as Keras's `get_metric` does: a string names a metric
    class and becomes the History key as written (`"mse"` logs as `mse`); a
    plain function `fn(y_true, y_pred)` becomes the mean of its values, logged
    as `fn.__name__`; a Metric object keeps its `name`. Once the shapes of the
    data are known (`resolve`), `"accuracy"`/`"acc"` pick binary, sparse or
    categorical accuracy. Metrics with a `native` form are accumulated inside
    the native step; the others (user subclasses of `keras.metrics.Metric`,
    plain functions) are updated in Python after each step with that batch's
    labels and predictions, and report plain floats.

    `metrics` ignore sample and class weights; `weighted_metrics` apply them.
    A weighted metric whose name is already taken is logged as
    `weighted_<name>`, as Keras 3 does.
    """

    def __init__(
        self, metrics: Any, weighted_metrics: Any = None, output_name: Optional[str] = None
    ) -> None:
        plain = [
            _compiled_metric(m) for m in _flatten_metric_arg(metrics, "metrics", output_name)
        ]
        weighted = [
            _compiled_metric(m)
            for m in _flatten_metric_arg(weighted_metrics, "weighted_metrics", output_name)
        ]
        taken = {_entry_name(e) for e in plain}
        renamed = []
        for e in weighted:
            name = _entry_name(e)
            if name in taken:
                name = "weighted_" + name
                e = name if isinstance(e, str) else _renamed_copy(e, name)
            taken.add(name)
            renamed.append(e)
        self._entries: List[Tuple[Any, bool]] = [(e, False) for e in plain] + [
            (e, True) for e in renamed
        ]
        self._resolved: Optional[List[Any]] = None

    @property
    def names(self) -> List[str]:
        return [_entry_name(e) for e, _ in self._entries]

    @property
    def weighted_flags(self) -> List[bool]:
        return [w for _, w in self._entries]

    @property
    def resolved(self) -> bool:
        return self._resolved is not None

    @property
    def metrics(self) -> List[Any]:
        """The resolved Metric objects (empty until `resolve` has seen data)."""
        return self._resolved or []

    def native_specs(self) -> List[Tuple[str, Dict[str, float]]]:
        """(engine name, params) of each natively accumulated metric, in order;
        weighted ones get the sample weights (`weighted=1`)."""
        specs = []
        for metric, weighted in zip(self.metrics, self.weighted_flags):
            if metric.native is None:
                continue
            name, params = metric.native
            params = dict(params)
            if weighted:
                params["weighted"] = 1.0
            specs.append((name, params))
        return specs

    def resolve(self, y_shape: Tuple[int, ...], output_shape: OutputShape) -> List[Any]:
        if self._resolved is None:
            # Only "accuracy"/"acc" stay strings until now; the string is the
            # name it logs under ("weighted_accuracy" after a rename).
            self._resolved = [
                metrics_module.accuracy_for_shapes(tuple(y_shape), tuple(output_shape), name=e)
                if isinstance(e, str)
                else e
                for e, _ in self._entries
            ]
        return self._resolved


def _flatten_metric_arg(metrics: Any, arg: str, output_name: Optional[str]) -> List[Any]:
    """compile()'s `metrics`/`weighted_metrics`: a list, nested list or a dict
    keyed by the (single) output's name, as one flat list."""
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        # Single output: the dict has one entry, keyed by the output's name.
        if len(metrics) > 1 or (output_name is not None and metrics
                                and output_name not in metrics):
            raise ValueError(
                f"A Sequential model has one output, '{output_name}'; a `{arg}` dict must be "
                f"keyed by its name. Received keys: {list(metrics)}"
            )
        metrics = list(metrics.values())[0] if metrics else []
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    flat: List[Any] = []
    for m in metrics:
        flat.extend(m if isinstance(m, (list, tuple)) else [m])
    return flat


def _entry_name(entry: Any) -> str:
    return entry if isinstance(entry, str) else entry.name


def _renamed_copy(metric: Any, name: str) -> Any:
    clone = copy.copy(metric)
    if isinstance(clone, _PythonSideMetric):
        clone.metric = copy.copy(clone.metric)
        clone.metric.name = name
    else:
        clone.name = name
    return clone


def resolve_loss_weight(loss_weights: Any, output_name: Optional[str]) -> float:
    """compile(loss_weights=...) for one output: a number, a list/tuple of one,
    or a dict keyed by the output layer's name. Returns the loss multiplier.

    Raises:
        ValueError: for several weights, a dict keyed by another name, or a
            weight that is not a finite number.
    """
    if loss_weights is None:
        return 1.0
    value = loss_weights
    if isinstance(loss_weights, (list, tuple)):
        if len(loss_weights) != 1:
            raise ValueError(
                "A Sequential model has one output, so `loss_weights` must hold one value. "
                f"Received: loss_weights={loss_weights!r}"
            )
        value = loss_weights[0]
    elif isinstance(loss_weights, dict):
        if len(loss_weights) != 1 or (
            output_name is not None and output_name not in loss_weights
        ):
            expected = f"{{'{output_name}': w}}" if output_name else "one entry"
            raise ValueError(
                "`loss_weights` as a dict is keyed by the output layer's name; expected "
                f"{expected}. Received: loss_weights={loss_weights!r}"
            )
        value = next(iter(loss_weights.values()))
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"`loss_weights` must be a number per output. Received: loss_weights={loss_weights!r}"
        ) from None
    if not np.isfinite(weight):
        raise ValueError(f"`loss_weights` must be finite. Received: loss_weights={loss_weights!r}")
    return weight


def _compiled_metric(identifier: Any) -> Any:
    """One compile() metric as Keras's `get_metric` names it."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    metric: Any = metrics_module.get(identifier)
    if isinstance(metric, str):
        return metric  # "accuracy"/"acc": resolved by shapes later
    if isinstance(identifier, str):
        metric.name = identifier
    if not isinstance(metric, metrics_module.Metric):
        fn = metric
        metric = metrics_module.MeanMetricWrapper(
            fn, name=getattr(fn, "__name__", None) or type(fn).__name__
        )
    if metric.native is None:
        return _PythonSideMetric(metric)
    return metric


class _PythonSideMetric:
    """A metric fed in Python after each step. The engine hands over labels
    shaped for the loss (integer labels as [rows, 1]); a user metric sees
    them as Keras would, [rows], and its result is logged as a float."""

    native = None

    def __init__(self, metric: Any) -> None:
        self.metric = metric

    @property
    def name(self) -> str:
        return self.metric.name

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y = np.asarray(y_true)
        pred = np.asarray(y_pred)
        if y.ndim == pred.ndim and y.ndim > 1 and y.shape[-1] == 1 and pred.shape[-1] > 1:
            y = y[..., 0]
        if sample_weight is None:
            self.metric.update_state(y, pred)
        else:
            self.metric.update_state(y, pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        self.metric.reset_state()

    def result(self) -> Any:
        value = np.asarray(self.metric.result(), dtype=np.float64)
        return float(value) if value.ndim == 0 else value

    def __repr__(self) -> str:
        return f"<compiled {self.metric!r}>"


def resolve_loss(loss: Any) -> losses_module.Loss:
    """The `Loss` object `compile(loss=...)` names: a name, class, instance,
    config dict or `keras.losses` function (one per output of a Sequential).

    Raises:
        ValueError: for no loss, an unknown one, several, or one the engine
            cannot train with (a plain Python function: lamina does not
            differentiate Python code).
    """
    if loss is None:
        raise ValueError("You must pass a `loss` to `compile()` before training.")
    if isinstance(loss, (list, tuple)):
        if len(loss) != 1:
            raise ValueError(f"A Sequential model has one output; received {len(loss)} losses.")
        loss = loss[0]
    if isinstance(loss, dict) and "class_name" not in loss:
        if len(loss) != 1:
            raise ValueError(f"A Sequential model has one output; received losses {list(loss)}.")
        loss = next(iter(loss.values()))
    obj = losses_module.get(loss)
    if not isinstance(obj, losses_module.Loss):
        name = loss if isinstance(loss, str) else getattr(obj, "__name__", None)
        obj = losses_module.LossFunctionWrapper(obj, name=name)
    if not obj.native_kind:
        known = sorted(k for k in losses_module.ALL_OBJECTS_DICT if k[0].islower())
        raise ValueError(
            f"lamina cannot train with the loss {loss!r}: it has no automatic differentiation "
            f"of Python code. Use a built-in loss by name or class, e.g. one of {known}."
        )
    return obj


def prepare_targets(
    y: np.ndarray, loss: losses_module.Loss, output_shape: OutputShape, model_name: str
) -> np.ndarray:
    """Checks y against the loss and the output; returns y shaped as the native
    step reads it (sparse labels: one value per output row).

    Raises:
        ValueError: when the shapes cannot match, the loss reduces over an axis
            other than the output's last, or sparse labels are out of range,
            NaN or not integers (naming the value and its position; labels
            equal to `ignore_class` may be anything).
    """
    out = tuple(output_shape[1:])
    n = y.shape[0]
    axis = getattr(loss, "axis", -1)
    if axis not in (-1, len(out)):
        raise ValueError(
            f"lamina trains {loss.native_kind} over the last axis of the output only; "
            f"received axis={axis} for the output shape {(None,) + out} of model "
            f"'{model_name}'."
        )
    sparse = loss.native_kind == "sparse_categorical_crossentropy"
    if sparse:
        expected = out[:-1]
        got = tuple(y.shape[1:])
        if got not in (expected, expected + (1,)):
            hint = ""
            if got == out and out[-1] > 1:
                hint = (" The labels look one-hot encoded: use loss='categorical_crossentropy', "
                        "or pass integer class indices.")
            raise ValueError(
                "Arguments `target` and `output` must have the same shape up to the last "
                f"dimension. Received: target.shape={(None,) + got}, "
                f"output.shape={(None,) + out} (sparse_categorical_crossentropy on the output "
                f"of model '{model_name}').{hint}"
            )
        labels = y.reshape(n, -1)
        flat = labels.reshape(-1)
        ignore = getattr(loss, "ignore_class", None)
        if ignore is not None:
            # Ignored labels may lie outside the classes (-1, 255, ...).
            flat = np.where(flat == np.float32(ignore), np.float32(0), flat)
        check_sparse_labels(flat, int(out[-1]), model_name)
        return labels
    if int(np.prod(y.shape[1:], dtype=np.int64)) != int(np.prod(out, dtype=np.int64)):
        hint = ""
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            if loss.native_kind in ("categorical_crossentropy", "categorical_focal_crossentropy"):
                hint = (" The labels look like class indices: use "
                        "loss='sparse_categorical_crossentropy', or one-hot encode them with "
                        "keras.utils.to_categorical.")
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={(None,) + tuple(y.shape[1:])}, output.shape={(None,) + out} "
            f"({loss.native_kind} on the output of model '{model_name}').{hint}"
        )
    return y.reshape((n,) + out)


def check_sparse_labels(labels: np.ndarray, num_classes: int, model_name: str) -> None:
    bad = ~np.isfinite(labels) | (labels != np.floor(labels)) | (labels < 0) | (
        labels >= num_classes
    )
    if bad.any():
        pos = int(np.argmax(bad))
        value = labels[pos]
        if not np.isfinite(value):
            why = "which is not a number"
        elif value != np.floor(value):
            why = "which is not an integer class index"
        else:
            why = f"which is outside the valid range [0, {num_classes})"
        raise ValueError(
            f"Received a label value of {value:g} at position {pos} of `y`, {why}: "
            f"sparse_categorical_crossentropy on the {num_classes}-unit output of model "
            f"'{model_name}' needs integer labels in [0, {num_classes})."
        )


def flatten_in_order(logs: dict, names: Sequence[str]) -> Any:
    """Keras's `_flatten_metrics_in_order`: a scalar if only one value."""
    results = [logs[n] for n in names if n in logs]
    results += [logs[k] for k in sorted(logs) if k not in names]
    return results[0] if len(results) == 1 else results
