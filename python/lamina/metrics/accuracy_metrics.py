"""Accuracy metrics (Keras's `keras.metrics.*Accuracy`), computed natively."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from lamina.metrics import functions as F
from lamina.metrics.reduction_metrics import MeanMetricWrapper


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels, element by element."""

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(F.accuracy, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often `prediction > threshold` equals the binary label."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        super().__init__(F.binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions equals the argmax of the labels."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(F.categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions equals the integer label."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(F.sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the top `k` predictions."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        super().__init__(F.top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions.

    Raises:
        ValueError: for `from_sorted_ids=True` (not supported by lamina).
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False) -> None:
        if from_sorted_ids:
            raise ValueError("lamina does not support from_sorted_ids=True.")
        super().__init__(F.sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


def accuracy_for_shapes(
    y_true_shape: Tuple[int, ...], y_pred_shape: Tuple[int, ...], name: Optional[str] = None
) -> MeanMetricWrapper:
    """Keras's resolution of `"accuracy"`: binary when the output has one unit;
    sparse when the labels have lower rank or a last axis of 1; else categorical."""
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name or "binary_accuracy")
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return SparseCategoricalAccuracy(name=name or "sparse_categorical_accuracy")
    return CategoricalAccuracy(name=name or "categorical_accuracy")
