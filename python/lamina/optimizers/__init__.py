"""`keras.optimizers`: optimizer classes and `get`."""

from __future__ import annotations

from typing import Any

from lamina.optimizers.adam import Adam
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.sgd import SGD

_BY_NAME = {"adam": Adam, "sgd": SGD}


def get(identifier: Any) -> Optimizer:
    """Resolves an optimizer name, class or instance.

    Raises:
        ValueError: for an unknown name or object.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier}. "
                f"lamina provides: {sorted(_BY_NAME)}"
            )
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["SGD", "Adam", "Optimizer", "get"]
