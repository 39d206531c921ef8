"""Regression metrics (Keras's `keras.metrics` regression family)."""

from __future__ import annotations

import math
import warnings
from typing import Any, Dict, Optional

import numpy as np

from lamina.metrics import functions as F
from lamina.metrics.native_metric import (
    Batch,
    NativeStateMetric,
    as_float32,
    contiguous,
    squeeze_or_expand_to_same_rank,
)
from lamina.metrics.reduction_metrics import MeanMetricWrapper


def _simple(fn: F.MetricFunction, class_name: str, default_name: str, doc: str) -> type:
    def __init__(self: MeanMetricWrapper, name: str = default_name, dtype: Any = None) -> None:
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype)

    def get_config(self: MeanMetricWrapper) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    return type(class_name, (MeanMetricWrapper,),
                {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                 "__module__": __name__})


MeanSquaredError = _simple(F.mean_squared_error, "MeanSquaredError", "mean_squared_error",
                           "Mean of (y_true - y_pred)^2.")
MeanAbsoluteError = _simple(F.mean_absolute_error, "MeanAbsoluteError", "mean_absolute_error",
                            "Mean of |y_true - y_pred|.")
MeanAbsolutePercentageError = _simple(
    F.mean_absolute_percentage_error, "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error", "100 * mean |(y_true - y_pred) / max(|y_true|, eps)|.")
MeanSquaredLogarithmicError = _simple(
    F.mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error", "Mean of (log(1 + y_pred) - log(1 + y_true))^2.")
LogCoshError = _simple(F.log_cosh, "LogCoshError", "logcosh",
                       "Mean of log(cosh(y_pred - y_true)).")


class RootMeanSquaredError(MeanMetricWrapper):
    """Square root of the weighted mean of (y_true - y_pred)^2 over elements."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(F.mean_squared_error, name=name, dtype=dtype)
        self.layout = "element"

    def result_from_state(self, state: np.ndarray) -> Any:
        return math.sqrt(super().result_from_state(state))

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between label and prediction rows."""

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(F.cosine_similarity, name=name, dtype=dtype, axis=axis)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class R2Score(NativeStateMetric):
    """The coefficient of determination, per output column then aggregated.

    Args:
        class_aggregation: "uniform_average", "variance_weighted_average" or
            None (one score per column).
        num_regressors: for the adjusted R2 (0: not adjusted).

    Raises:
        ValueError: for an unknown aggregation, negative `num_regressors`, or
            inputs that are not 2D.
    """

    engine_name = "r2"

    def __init__(self, class_aggregation: Optional[str] = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        valid = ("uniform_average", "variance_weighted_average", None)
        if class_aggregation not in valid:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{valid}. Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        y, pred = squeeze_or_expand_to_same_rank(as_float32(y_true), as_float32(y_pred))
        if pred.ndim != 2 or y.ndim != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={pred.shape} and y_true.shape={y.shape}."
            )
        sw = None
        if sample_weight is not None:
            sw = contiguous(np.broadcast_to(as_float32(sample_weight).reshape(-1),
                                            (pred.shape[0],)))
        return contiguous(pred), contiguous(np.broadcast_to(y, pred.shape)), sw

    def result_from_state(self, state: np.ndarray) -> Any:
        cols = (state.size - 1) // 4
        s, s2, residual, count = (state[i * cols:(i + 1) * cols] for i in range(4))
        num_samples = state[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s / count
            total = s2 - s * mean
            raw = 1.0 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score: Any = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            score = float(np.sum(total * raw) / np.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n, p = num_samples, float(self.num_regressors)
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
