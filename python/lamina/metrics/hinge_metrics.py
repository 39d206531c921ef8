"""Hinge metrics: hinge, squared hinge and categorical hinge."""

from __future__ import annotations

from typing import Any, Dict

from lamina.metrics import functions as F
from lamina.metrics.reduction_metrics import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Mean of max(1 - y_true * y_pred, 0); labels in {0, 1} become {-1, 1}."""

    def __init__(self, name: str = "hinge", dtype: Any = None) -> None:
        super().__init__(F.hinge, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """Mean of max(1 - y_true * y_pred, 0)^2."""

    def __init__(self, name: str = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(F.squared_hinge, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """Mean of max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(F.categorical_hinge, name=name, dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}
