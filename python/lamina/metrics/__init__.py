"""`keras.metrics`: metric classes and `get`."""

from __future__ import annotations

from typing import Any, Union

from lamina.metrics.accuracy_metrics import (
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    accuracy_for_shapes,
)
from lamina.metrics.metric import Metric

_BY_NAME = {
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "binary_accuracy": BinaryAccuracy,
}

# Strings Keras resolves by the shapes of the labels and predictions.
SHAPE_RESOLVED = ("accuracy", "acc")


def get(identifier: Any) -> Union[Metric, str]:
    """Resolves a metric. `"accuracy"`/`"acc"` come back as the string, to be
    resolved by shapes when the data is seen.

    Raises:
        ValueError: for a name or object lamina cannot compute.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in SHAPE_RESOLVED:
            return identifier
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(
                f"Could not interpret metric identifier: {identifier}. "
                f"lamina computes: {sorted(list(_BY_NAME) + list(SHAPE_RESOLVED))}"
            )
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = [
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Metric",
    "SparseCategoricalAccuracy",
    "accuracy_for_shapes",
    "get",
]
