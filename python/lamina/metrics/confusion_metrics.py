"""Confusion-matrix metrics: counts at thresholds, precision and recall,
the sensitivity/specificity family and AUC. All accumulate the native
`confusion` state: blocks tp, fp, tn, fn of [num_thresholds, labels]."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lamina.metrics.native_metric import (
    Batch,
    NativeStateMetric,
    as_float32,
    contiguous,
    squeeze_or_expand_to_same_rank,
)

EPSILON = 1e-7
NEG_INF = -1e10


def parse_thresholds(thresholds: Any, default: float = 0.5) -> List[float]:
    """Keras's `parse_init_thresholds`: a float or list in [0, 1].

    Raises:
        ValueError: for a threshold outside [0, 1].
    """
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [
        thresholds]
    for t in values:
        if t is None or t < 0 or t > 1:
            raise ValueError(
                "Threshold values must be in [0, 1]. Received: "
                f"{values}"
            )
    return [float(t) for t in values]


def evenly_distributed(thresholds: Sequence[float]) -> bool:
    """Keras's `is_evenly_distributed_thresholds`."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def divide_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    out = np.zeros(a.shape)
    np.divide(a, b, out=out, where=b != 0)
    return out


class ConfusionMetric(NativeStateMetric):
    """Shared base: thresholds and the batch shaping of Keras's
    `update_confusion_matrix_variables`."""

    engine_name = "confusion"

    def __init__(self, thresholds: List[float], name: Optional[str] = None, dtype: Any = None,
                 top_k: Optional[int] = None, class_id: Optional[int] = None,
                 multi_label: bool = False, from_logits: bool = False,
                 evenly: Optional[bool] = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._thresholds = [float(t) for t in thresholds]
        self._evenly = evenly_distributed(self._thresholds) if evenly is None else evenly
        self.top_k = top_k
        self.class_id = class_id
        self.multi_label = multi_label
        self._from_logits = from_logits

    def engine_params(self) -> Dict[str, float]:
        params: Dict[str, float] = {
            "num_thresholds": float(len(self._thresholds)),
            "evenly_spaced": float(self._evenly),
            "with_epsilon": float(self._thresholds[0] < 0.0 or self._thresholds[-1] > 1.0),
            "multi_label": float(self.multi_label),
            "from_logits": float(self._from_logits),
        }
        for i, t in enumerate(self._thresholds):
            params[f"threshold_{i}"] = t
        if self.top_k is not None:
            params["top_k"] = float(self.top_k)
        if self.class_id is not None:
            params["class_id"] = float(self.class_id)
        return params

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        pred, y = squeeze_or_expand_to_same_rank(as_float32(y_pred), as_float32(y_true))
        if self.class_id is not None and pred.ndim < 2:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {pred.shape}"
            )
        if pred.ndim == 0:
            pred = pred.reshape(1)
        cols = pred.shape[-1] if pred.ndim > 1 else 1
        pred2 = pred.reshape(-1, cols)
        y_full = np.broadcast_to(y, pred.shape).reshape(-1)
        rows = pred2.shape[0]
        if sample_weight is None:
            return contiguous(pred2), contiguous(y_full), None
        sw = as_float32(sample_weight)
        if sw.size == 1:
            return contiguous(pred2), contiguous(y_full), np.full(rows, sw.reshape(-1)[0],
                                                                  np.float32)
        lead = pred.shape[:-1] if pred.ndim > 1 else pred.shape
        per_row = sw.reshape(sw.shape[:-1]) if sw.ndim == len(lead) + 1 and sw.shape[-1] == 1 \
            else sw
        try:
            w = np.broadcast_to(per_row.reshape(per_row.shape + (1,) * (len(lead) - per_row.ndim)),
                                lead).reshape(-1)
            return contiguous(pred2), contiguous(y_full), contiguous(w)
        except ValueError:
            pass
        # One weight per element: every element is its own row.
        if self.top_k is not None or self.class_id is not None or self.multi_label:
            raise ValueError(
                f"{self.name}: per-element sample weights of shape {sw.shape} are not "
                "supported with top_k, class_id or multi_label."
            )
        w = np.broadcast_to(sw, pred.shape).reshape(-1)
        return contiguous(pred.reshape(-1, 1)), contiguous(y_full), contiguous(w)

    def counts(self, state: np.ndarray) -> Tuple[np.ndarray, ...]:
        """(tp, fp, tn, fn), each [num_thresholds] or [num_thresholds, labels]."""
        n = len(self._thresholds)
        labels = state.size // (4 * n)
        blocks = state.reshape(4, n, labels)
        if not self.multi_label:
            blocks = blocks[:, :, 0]
        return blocks[0], blocks[1], blocks[2], blocks[3]

    def current_state(self) -> np.ndarray:
        return super().current_state()


class _ConditionCount(ConfusionMetric):
    index = 0  # 0 tp, 1 fp, 2 tn, 3 fn

    def __init__(self, thresholds: Any = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(parse_thresholds(thresholds), name=name, dtype=dtype)
        self.init_thresholds = thresholds

    def result_from_state(self, state: np.ndarray) -> Any:
        values = self.counts(state)[self.index]
        return float(values[0]) if len(self._thresholds) == 1 else values.astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """Weighted count of true positives at each threshold."""

    index = 0


class FalsePositives(_ConditionCount):
    """Weighted count of false positives at each threshold."""

    index = 1


class TrueNegatives(_ConditionCount):
    """Weighted count of true negatives at each threshold."""

    index = 2


class FalseNegatives(_ConditionCount):
    """Weighted count of false negatives at each threshold."""

    index = 3


class _PrecisionRecall(ConfusionMetric):
    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None,
                 class_id: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        default = 0.5 if top_k is None else NEG_INF
        values = [default] if thresholds is None else parse_thresholds(thresholds)
        super().__init__(values, name=name, dtype=dtype, top_k=top_k, class_id=class_id)
        self.init_thresholds = thresholds

    def _ratio(self, tp: np.ndarray, other: np.ndarray) -> Any:
        values = divide_no_nan(tp, tp + other)
        return float(values[0]) if len(self._thresholds) == 1 else values.astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """tp / (tp + fp) at each threshold (0.5 by default; with `top_k`, the
    top k predictions of each row are the positives)."""

    def result_from_state(self, state: np.ndarray) -> Any:
        tp, fp, _, _ = self.counts(state)
        return self._ratio(tp, fp)


class Recall(_PrecisionRecall):
    """tp / (tp + fn) at each threshold."""

    def result_from_state(self, state: np.ndarray) -> Any:
        tp, _, _, fn = self.counts(state)
        return self._ratio(tp, fn)


def _sweep_thresholds(num_thresholds: int) -> Tuple[List[float], bool]:
    if num_thresholds == 1:
        return [0.5], False
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0] + inner + [1.0], True


class _AtConstraint(ConfusionMetric):
    """Best `dependent` rate among thresholds where `constrained` >= value."""

    value_name = ""

    def __init__(self, value: float, num_thresholds: int = 200, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None) -> None:
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self.value_name}` must be in the range [0, 1]. "
                             f"Received: {self.value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        thresholds, evenly = _sweep_thresholds(num_thresholds)
        super().__init__(thresholds, name=name, dtype=dtype, class_id=class_id, evenly=evenly)
        self.value = value
        self.num_thresholds = num_thresholds
        setattr(self, self.value_name, value)

    def _rates(self, state: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def result_from_state(self, state: np.ndarray) -> Any:
        constrained, dependent = self._rates(state)
        feasible = constrained >= self.value
        return float(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self.value_name: self.value}

    @staticmethod
    def _all_rates(counts: Tuple[np.ndarray, ...]) -> Dict[str, np.ndarray]:
        tp, fp, tn, fn = counts
        return {
            "sensitivity": divide_no_nan(tp, tp + fn),
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }


class SensitivityAtSpecificity(_AtConstraint):
    """Best sensitivity (recall) where specificity >= `specificity`."""

    value_name = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def _rates(self, state: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r = self._all_rates(self.counts(state))
        return r["specificity"], r["sensitivity"]


class SpecificityAtSensitivity(_AtConstraint):
    """Best specificity where sensitivity >= `sensitivity`."""

    value_name = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def _rates(self, state: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r = self._all_rates(self.counts(state))
        return r["sensitivity"], r["specificity"]


class PrecisionAtRecall(_AtConstraint):
    """Best precision where recall >= `recall`."""

    value_name = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200,
                 class_id: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def _rates(self, state: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r = self._all_rates(self.counts(state))
        return r["sensitivity"], r["precision"]


class RecallAtPrecision(_AtConstraint):
    """Best recall where precision >= `precision`."""

    value_name = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def _rates(self, state: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r = self._all_rates(self.counts(state))
        return r["precision"], r["sensitivity"]


class AUC(ConfusionMetric):
    """Area under the ROC or PR curve, by a Riemann sum over thresholds.

    Args:
        num_thresholds: thresholds evenly spaced over [0, 1] (ends -eps, 1+eps).
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        thresholds: explicit thresholds instead of `num_thresholds`.
        multi_label: one curve per output column, averaged.
        num_labels: with `multi_label`, the number of columns (optional).
        label_weights: not supported by lamina (must be None).
        from_logits: apply a sigmoid to predictions first.

    Raises:
        ValueError: for invalid curve, summation method or thresholds.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: Optional[str] = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: Optional[int] = None, label_weights: Any = None,
                 from_logits: bool = False) -> None:
        curve_key = str(curve).upper()
        if curve_key not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC"]')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        if label_weights is not None:
            raise ValueError("lamina's AUC does not support `label_weights` yet.")
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            evenly = evenly_distributed([0.0] + inner + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        super().__init__([0.0 - EPSILON] + inner + [1.0 + EPSILON], name=name, dtype=dtype,
                         multi_label=multi_label, from_logits=from_logits, evenly=evenly)
        self.curve = curve_key
        self.summation_method = method
        self.num_labels = num_labels
        self.label_weights = None

    @property
    def thresholds(self) -> List[float]:
        return list(self._thresholds)

    def _interpolate_pr(self, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[: n - 1] > 0) & (p[1:] > 0)
        ratio = np.where(both, divide_no_nan(p[: n - 1], np.maximum(p[1:], 0)), 1.0)
        return divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                             np.maximum(tp[1:] + fn[1:], 0))

    def result_from_state(self, state: np.ndarray) -> Any:
        tp, fp, tn, fn = self.counts(state)
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._interpolate_pr(tp, fp, fn)
        else:
            recall = divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, divide_no_nan(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[: n - 1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[: n - 1], y[1:])
            else:
                heights = np.maximum(y[: n - 1], y[1:])
            terms = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return float(np.mean(np.sum(terms, axis=0)))
        return float(np.sum(terms))

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        if self.multi_label and np.ndim(y_pred) != 2:
            raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                             f"{np.ndim(y_pred)}.")
        return super().prepare(y_true, y_pred, sample_weight)

    def get_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = {
            "name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
            "curve": self.curve, "summation_method": self.summation_method,
            "multi_label": self.multi_label, "num_labels": self.num_labels,
            "label_weights": None, "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config
