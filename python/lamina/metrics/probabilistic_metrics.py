"""Probabilistic metrics: crossentropies, KL divergence and Poisson."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina.metrics import functions as F
from lamina.metrics.reduction_metrics import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """Mean of sum(y_true * log(y_true / y_pred)), both clipped to [eps, 1]."""

    def __init__(self, name: str = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(F.kl_divergence, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """Mean of y_pred - y_true * log(y_pred + eps)."""

    def __init__(self, name: str = "poisson", dtype: Any = None) -> None:
        super().__init__(F.poisson, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy (probabilities clipped to [eps, 1 - eps])."""

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0) -> None:
        super().__init__(F.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy over one-hot labels."""

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0,
                 axis: int = -1) -> None:
        super().__init__(F.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy with integer labels; rows labelled `ignore_class`
    are left out of the mean."""

    layout = "sparse"

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, ignore_class: Optional[int] = None,
                 axis: int = -1) -> None:
        super().__init__(F.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
