"""Accuracy metrics, computed by the native accumulators."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina import _core
from lamina.metrics.metric import Metric


class _NativeAccuracy(Metric):
    """Mean of per-sample hits, weighted when sample weights are given."""

    native_kind = ""
    kernel = ""
    threshold = 0.5

    @property
    def native(self) -> Tuple[str, Dict[str, float]]:
        """The engine's name for this metric and its numeric parameters."""
        return self.native_kind, {"threshold": float(self.threshold)}

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        pred = np.asarray(y_pred, dtype=np.float32)
        cols = pred.shape[-1] if pred.ndim else 1
        pred = np.ascontiguousarray(pred.reshape(-1, cols))
        rows = pred.shape[0]
        y = np.asarray(y_true, dtype=np.float32)
        y = np.ascontiguousarray(y.reshape(rows) if self.kernel == "sparse_categorical"
                                 else y.reshape(rows, cols))
        sw = None
        if sample_weight is not None:
            per_sample = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            sw = np.ascontiguousarray(np.repeat(per_sample, rows // max(1, per_sample.size)))
        self._total += _core.kernels.accuracy_sum(self.kernel, pred, y, sw, self.threshold)
        self._count += float(sw.sum()) if sw is not None else float(rows)


class SparseCategoricalAccuracy(_NativeAccuracy):
    """How often the argmax of the predictions equals the integer label."""

    native_kind = "sparse_categorical_accuracy"
    kernel = "sparse_categorical"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class CategoricalAccuracy(_NativeAccuracy):
    """How often the argmax of the predictions equals the argmax of the labels."""

    native_kind = "categorical_accuracy"
    kernel = "categorical"

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class BinaryAccuracy(_NativeAccuracy):
    """How often `prediction > threshold` equals the binary label."""

    native_kind = "binary_accuracy"
    kernel = "binary"

    def __init__(
        self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5
    ) -> None:
        super().__init__(name, dtype)
        self.threshold = threshold

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), threshold=self.threshold)


def accuracy_for_shapes(
    y_true_shape: Tuple[int, ...], y_pred_shape: Tuple[int, ...], name: Optional[str] = None
) -> _NativeAccuracy:
    """Keras's resolution of `"accuracy"`: binary when the output has one unit;
    sparse when the labels have lower rank or a last axis of 1; else categorical."""
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name or "binary_accuracy")
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return SparseCategoricalAccuracy(name=name or "sparse_categorical_accuracy")
    return CategoricalAccuracy(name=name or "categorical_accuracy")
