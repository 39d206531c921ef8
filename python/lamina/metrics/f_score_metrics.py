"""F-beta and F1 scores from per-class tp, fp, fn counts (native `fbeta`
state: tp, fp, fn and the weighted label sum, one value per class each)."""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from lamina.metrics.native_metric import Batch, NativeStateMetric, as_float32, contiguous

EPSILON = 1e-7


class FBetaScore(NativeStateMetric):
    """(1 + beta^2) * precision * recall / (beta^2 * precision + recall).

    Args:
        average: None (one score per class), "micro", "macro" or "weighted".
        beta: weight of recall (a float > 0).
        threshold: predictions above it are positive; None: each row's
            maximum is the positive.

    Raises:
        ValueError: for invalid arguments or inputs that are not 2D.
    """

    engine_name = "fbeta"

    def __init__(self, average: Optional[str] = None, beta: float = 1.0,
                 threshold: Optional[float] = None, name: str = "fbeta_score",
                 dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold

    def engine_params(self) -> Dict[str, float]:
        return {} if self.threshold is None else {"threshold": float(self.threshold)}

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        y, pred = as_float32(y_true), as_float32(y_pred)
        if pred.ndim != 2 or y.ndim != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={pred.shape} and y_true.shape={y.shape}."
            )
        sw = None
        if sample_weight is not None:
            sw = contiguous(np.broadcast_to(as_float32(sample_weight).reshape(-1),
                                            (pred.shape[0],)))
        return contiguous(pred), contiguous(np.broadcast_to(y, pred.shape)), sw

    def result_from_state(self, state: np.ndarray) -> Any:
        cols = state.size // 4
        tp, fp, fn, weights = (state[i * cols:(i + 1) * cols].astype(np.float32)
                               for i in range(4))
        if self.average == "micro":
            tp, fp, fn, weights = (np.asarray(np.sum(v, keepdims=True)) for v in
                                   (tp, fp, fn, weights))
        eps = np.float32(EPSILON)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        b2 = np.float32(self.beta**2)
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            return float(np.sum(score * (weights / (np.sum(weights) + eps))))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "average": self.average,
                "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta = 1."""

    def __init__(self, average: Optional[str] = None, threshold: Optional[float] = None,
                 name: str = "f1_score", dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
