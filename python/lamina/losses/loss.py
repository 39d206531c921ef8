"""The `Loss` base class and Keras's reduction of per-sample losses.

A loss is defined once, in C++ (`lamina._core`): the engine trains with it
and standalone calls (`loss(y_true, y_pred, sample_weight)`) run the same
kernel for the per-sample values. What stays in Python is Keras's surface:
arguments and their validation, shape handling, and the reduction of the
per-sample values for standalone calls (`reduce_weighted_values`, written to
match `keras/src/losses/loss.py`; the engine applies the same rule natively).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina.utils.naming import auto_name

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")

# The engine's codes for each reduction (cpp/include/lamina/engine/loss.h).
_REDUCTION_CODES = {
    "sum_over_batch_size": 0.0,
    "mean": 0.0,
    "sum": 1.0,
    "mean_with_sample_weight": 2.0,
    "none": 3.0,
    None: 3.0,
}


def standardize_reduction(reduction: Any) -> Optional[str]:
    """Returns `reduction` if Keras accepts it.

    Raises:
        ValueError: for any other value, as Keras does.
    """
    if not isinstance(reduction, (str, type(None))) or reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{set(REDUCTIONS)}. Received: reduction={reduction}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(
    x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True
) -> Tuple[np.ndarray, np.ndarray]:
    """Keras's rule: when ranks differ by one and the longer has a trailing 1,
    squeeze it (or expand a rank-1 partner)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = np.expand_dims(x2, -1)
        else:
            x1 = np.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = np.expand_dims(x1, -1)
        else:
            x2 = np.squeeze(x2, -1)
    return x1, x2


def reduce_weighted_values(
    values: np.ndarray,
    sample_weight: Any = None,
    mask: Optional[np.ndarray] = None,
    reduction: Optional[str] = "sum_over_batch_size",
) -> np.ndarray:
    """Weights and reduces per-sample losses exactly as Keras does.

    A mask (e.g. from `ignore_class`) folds into the weights: for
    "sum_over_batch_size"/"mean" valid entries weigh total/valid, so the mean
    runs over valid entries only; otherwise the mask multiplies the weights.

    Returns:
        A float32 scalar array, or the weighted values for "none"/None.
    """
    values = np.asarray(values, dtype=np.float32)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if reduction in ("mean", "sum_over_batch_size"):
            total, valid = mask.size, int(mask.sum())
            float_mask = np.where(mask, np.float32(total / valid) if valid else 0.0, 0.0)
        else:
            float_mask = mask.astype(np.float32)
        float_mask = float_mask.astype(np.float32)
        if weights is not None:
            float_mask, weights = squeeze_or_expand_to_same_rank(float_mask, weights)
            weights = weights * float_mask
        else:
            weights = float_mask
    if weights is not None:
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        values = values * weights
    if reduction is None or reduction == "none" or values.shape in ((), (0,)):
        return values
    loss = np.float32(np.sum(values, dtype=np.float64))
    if reduction == "sum":
        return np.asarray(loss)
    if reduction == "mean_with_sample_weight" and weights is not None:
        divisor = float(np.sum(weights, dtype=np.float64))
    else:
        divisor = float(values.size)
    return np.asarray(np.float32(loss / divisor) if divisor else np.float32(0.0))


class Loss:
    """Base class of every loss.

    Args:
        name: the loss's name (default: the class name in snake case).
        reduction: "sum_over_batch_size" (default; the mean over all
            per-sample values), "sum", "mean" (same as the default),
            "mean_with_sample_weight" (the weighted sum over the sum of the
            weights) or "none"/None (no reduction).
        dtype: accepted for Keras compatibility; lamina computes in float32.

    Raises:
        ValueError: for an unknown reduction.
    """

    # The engine's name for this loss (a key of cpp/src/engine/losses.cpp).
    native_kind = ""

    def __init__(
        self,
        name: Optional[str] = None,
        reduction: Optional[str] = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = "float32" if dtype is None else str(getattr(dtype, "name", dtype))

    @property
    def dtype(self) -> str:
        return self._dtype

    # -- what subclasses provide ------------------------------------------

    def call(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Per-sample losses (numpy float32)."""
        raise NotImplementedError

    def _call_with_mask(self, y_true: Any, y_pred: Any) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Per-sample losses and the mask of samples that count (or None)."""
        return np.asarray(self.call(y_true, y_pred), dtype=np.float32), None

    def _native_params(self) -> Dict[str, float]:
        """Numeric parameters of the native loss besides the reduction."""
        return {}

    # -- shared -------------------------------------------------------------

    @property
    def native(self) -> Tuple[str, Dict[str, float]]:
        """The engine's name for this loss and its numeric parameters, or
        raises ValueError if the engine cannot train with it."""
        if not self.native_kind:
            raise ValueError(
                f"lamina cannot train with the loss {self!r}: it has no native form. Use one "
                "of the built-in losses (keras.losses.*)."
            )
        params = dict(self._native_params())
        params["reduction"] = _REDUCTION_CODES[self.reduction]
        return self.native_kind, params

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.ndarray:
        """The loss of `y_pred` against `y_true`, weighted and reduced as Keras
        does (a float32 scalar array, or per-sample values for "none")."""
        values, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"
