"""`keras.regularizers`: penalties on weights (and layer outputs) added to the loss.

lamina computes l1/l2 penalties and their gradients inside the native step;
`native` is what the engine needs, `(l1, l2)`.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, Optional, Tuple

import numpy as np


class Regularizer:
    """Base class. A subclass with its own `__call__` works on numpy arrays,
    but lamina can train only with the built-in l1/l2 forms."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    @property
    def native(self) -> Optional[Tuple[float, float]]:
        """(l1, l2) for the engine, or None when it cannot compute this one."""
        return None

    def get_config(self) -> Dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Regularizer:
        return cls(**config)


def _coefficient(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for argument {name}: expected a float. "
                         f"Received: {name}={value!r}") from None
    if not np.isfinite(out) or out < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return out


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: L1 factor (default 0.0).
        l2: L2 factor (default 0.0).
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _coefficient(0.0 if l1 is None else l1, "l1")
        self.l2 = _coefficient(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> Any:
        x = np.asarray(x, np.float32)
        return np.float32(self.l1 * np.abs(x).sum() + self.l2 * np.square(x).sum())

    @property
    def native(self) -> Optional[Tuple[float, float]]:
        return (self.l1, self.l2)

    def get_config(self) -> Dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)`. Args: l1 (default 0.01; tf.keras 2.x's `l=` also works)."""

    def __init__(self, l1: float = 0.01, **kwargs: Any) -> None:
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"L1 got unexpected keyword arguments: {sorted(kwargs)}")
        super().__init__(l1=l1, l2=0.0)

    def get_config(self) -> Dict[str, Any]:
        # Keras 3 keeps l1 as a float32 tensor, so its config holds the
        # float32-rounded value (0.05 -> 0.05000000074505806).
        return {"l1": float(np.float32(self.l1))}


class L2(L1L2):
    """`l2 * sum(x**2)` (no 1/2). Args: l2 (default 0.01; tf.keras 2.x's `l=` also works)."""

    def __init__(self, l2: float = 0.01, **kwargs: Any) -> None:
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"L2 got unexpected keyword arguments: {sorted(kwargs)}")
        super().__init__(l1=0.0, l2=l2)

    def get_config(self) -> Dict[str, Any]:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Keras's orthogonality penalty. Accepted in configs; lamina cannot train
    with it yet (a layer given one raises `ValueError`)."""

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode}")
        self.factor = _coefficient(factor, "factor")
        self.mode = mode

    def get_config(self) -> Dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Keras 3's lower-case names are the classes themselves (so `l1_l2()` has
# the class defaults, 0.0 and 0.0, unlike tf.keras 2.x's function).
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS_DICT: Dict[str, Any] = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer: Any) -> Any:
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(regularizer)


def deserialize(config: Any, custom_objects: Any = None) -> Any:
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects)


def get(identifier: Any) -> Optional[Regularizer]:
    """A regularizer from a name (`"l2"`), a config dict, a class or an instance.

    Raises:
        ValueError: for an identifier that names no regularizer.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif identifier in ("l1_l2", "l1l2"):
        # Keras 3 refuses this string; tf.keras 2.x's function gave 0.01 and 0.01.
        obj = L1L2(l1=0.01, l2=0.01)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj  # type: ignore[no-any-return]
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")


def native_l1l2(regularizer: Any, owner: str, argument: str) -> Optional[Tuple[float, float]]:
    """(l1, l2) of a regularizer lamina can train with, None for none.

    Raises:
        ValueError: naming the layer and argument, for a regularizer the
            engine cannot differentiate (orthogonal, a custom `__call__`).
    """
    if regularizer is None:
        return None
    native = regularizer.native if isinstance(regularizer, Regularizer) else None
    if native is None:
        raise ValueError(
            f"Layer '{owner}': `{argument}={regularizer!r}` is not supported by lamina yet; "
            "use keras.regularizers.L1, L2 or L1L2."
        )
    return native


__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get",
           "l1", "l1_l2", "l2", "orthogonal_regularizer", "serialize"]
