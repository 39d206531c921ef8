"""`keras.losses`: loss classes, their function forms and `get`."""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from lamina.losses.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)


def _per_sample(cls: type, name: str) -> Callable[..., np.ndarray]:
    def loss_fn(y_true: Any, y_pred: Any, **kwargs: Any) -> np.ndarray:
        loss = cls(**kwargs) if kwargs else cls()
        y_pred = np.asarray(y_pred, dtype=np.float32)
        n = y_pred.shape[0]
        y_true = np.asarray(y_true)
        return np.array(
            [loss(y_true[i : i + 1], y_pred[i : i + 1]) for i in range(n)], dtype=np.float32
        )

    loss_fn.__name__ = name
    loss_fn.__qualname__ = name
    loss_fn._loss_class = cls  # type: ignore[attr-defined]
    return loss_fn


sparse_categorical_crossentropy = _per_sample(
    SparseCategoricalCrossentropy, "sparse_categorical_crossentropy"
)
categorical_crossentropy = _per_sample(CategoricalCrossentropy, "categorical_crossentropy")
binary_crossentropy = _per_sample(BinaryCrossentropy, "binary_crossentropy")
mean_squared_error = _per_sample(MeanSquaredError, "mean_squared_error")
mse = MSE = mean_squared_error

_BY_NAME: Dict[str, type] = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
}


def get(identifier: Any) -> Loss:
    """Resolves a loss name, class, instance or one of this module's functions.

    Raises:
        ValueError: for an unknown name, or a plain Python function (lamina
            has no automatic differentiation of Python code).
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Could not interpret loss identifier: {identifier}. "
                f"lamina knows: {sorted(_BY_NAME)}"
            )
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and hasattr(identifier, "_loss_class"):
        return identifier._loss_class()
    if callable(identifier):
        raise ValueError(
            f"lamina cannot train with the Python function {identifier!r} as a loss: it has no "
            "automatic differentiation of Python code. Use a built-in loss by name or class, "
            f"e.g. one of {sorted(_BY_NAME)}."
        )
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MSE",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "get",
    "mean_squared_error",
    "mse",
    "sparse_categorical_crossentropy",
]
