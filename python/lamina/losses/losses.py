"""Loss classes. Each names the fused native kernel the plan uses and can also
be called on numpy arrays, computing the same value as in training."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina import _core

_REDUCTIONS = ("sum_over_batch_size", "auto", None)


class Loss:
    """Base class. `native` says which kernel the engine runs: (kind, from_logits)."""

    native_kind = ""

    def __init__(
        self, name: Optional[str] = None, reduction: Optional[str] = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"lamina supports reduction='sum_over_batch_size' only for now. "
                f"Received: reduction={reduction!r}"
            )
        self.name = name or self.native_kind
        self.reduction = "sum_over_batch_size" if reduction in ("auto", None) else reduction
        self.from_logits = False

    @property
    def native(self) -> Tuple[str, Dict[str, float]]:
        """The engine's name for this loss and its numeric parameters."""
        return self.native_kind, {"from_logits": float(self.from_logits)}

    def _kernel_name(self) -> str:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """The loss of `y_pred` against `y_true`, reduced as in training."""
        y_pred = np.asarray(y_pred, dtype=np.float32)
        cols = y_pred.shape[-1] if y_pred.ndim else 1
        pred2d = np.ascontiguousarray(y_pred.reshape(-1, cols))
        rows = pred2d.shape[0]
        sparse = self.native_kind == "sparse_categorical_crossentropy"
        y = np.ascontiguousarray(np.asarray(y_true, dtype=np.float32).reshape(rows, -1))
        y = y.reshape(-1) if sparse else y
        sw = None
        if sample_weight is not None:
            # One weight per sample, shared by all of that sample's rows.
            per_sample = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            sw = np.ascontiguousarray(np.repeat(per_sample, rows // max(1, per_sample.size)))
        total, _ = _core.kernels.loss(self._kernel_name(), pred2d, y, sw)
        return float(total / rows)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Loss:
        return cls(**config)


class SparseCategoricalCrossentropy(Loss):
    """Crossentropy between integer labels and predicted class probabilities."""

    native_kind = "sparse_categorical_crossentropy"

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: Optional[int] = None,
        reduction: Optional[str] = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        if ignore_class is not None:
            raise ValueError("`ignore_class` is not supported by lamina yet.")
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class

    def _kernel_name(self) -> str:
        return "sparse_softmax_xent" if self.from_logits else "sparse_xent_probs"

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), from_logits=self.from_logits,
                    ignore_class=self.ignore_class)


class CategoricalCrossentropy(Loss):
    """Crossentropy between one-hot (or soft) labels and predicted probabilities."""

    native_kind = "categorical_crossentropy"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Optional[str] = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        if label_smoothing or axis != -1:
            raise ValueError("`label_smoothing` and `axis` are not supported by lamina yet.")
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _kernel_name(self) -> str:
        return "softmax_xent" if self.from_logits else "xent_probs"

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis)


class BinaryCrossentropy(Loss):
    """Crossentropy between binary labels and predicted probabilities, averaged
    over the last axis."""

    native_kind = "binary_crossentropy"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: Optional[str] = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        if label_smoothing or axis != -1:
            raise ValueError("`label_smoothing` and `axis` are not supported by lamina yet.")
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _kernel_name(self) -> str:
        return "sigmoid_bxent" if self.from_logits else "bxent_probs"

    def get_config(self) -> Dict[str, Any]:
        return dict(super().get_config(), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis)


class MeanSquaredError(Loss):
    """Mean of squared errors over the last axis."""

    native_kind = "mean_squared_error"

    def __init__(
        self,
        reduction: Optional[str] = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)

    def _kernel_name(self) -> str:
        return "mse"
