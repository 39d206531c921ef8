"""`keras.constraints`: projections applied to a weight after each update.

The engine applies them inside the native step; `native` describes one as
`(name, min_value, max_value, rate, axes)`. `__call__` works on numpy arrays
with Keras's formulas, for use outside training.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

_EPSILON = 1e-7  # Keras's backend.epsilon() in the norm denominators

NativeConstraint = Tuple[str, float, float, float, List[int]]


def _axes(axis: Any) -> List[int]:
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


def _norms(w: np.ndarray, axis: Any) -> np.ndarray:
    return np.sqrt(np.square(w).sum(axis=tuple(_axes(axis)), keepdims=True))


class Constraint:
    """Base class: the identity. Subclasses override `__call__`; lamina trains
    only with the built-in constraints."""

    def __call__(self, w: Any) -> Any:
        return w

    @property
    def native(self) -> Optional[NativeConstraint]:
        return None

    def get_config(self) -> Dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Constraint:
        return cls(**config)


class MaxNorm(Constraint):
    """Scales weight groups whose norm (over `axis`) exceeds `max_value`.

    Args:
        max_value: the largest norm allowed (default 2).
        axis: the axis or axes the norm runs over (default 0: for a Dense
            kernel, the incoming weights of each unit).
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w, np.float32)
        norms = _norms(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (_EPSILON + norms))

    @property
    def native(self) -> Optional[NativeConstraint]:
        return ("max_norm", 0.0, float(self.max_value), 1.0, _axes(self.axis))

    def get_config(self) -> Dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w: Any) -> Any:
        return np.maximum(np.asarray(w, np.float32), 0)

    @property
    def native(self) -> Optional[NativeConstraint]:
        return ("non_neg", 0.0, 0.0, 1.0, [])


class UnitNorm(Constraint):
    """Scales each weight group to norm 1 over `axis` (default 0)."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w, np.float32)
        return w / (_EPSILON + _norms(w, self.axis))

    @property
    def native(self) -> Optional[NativeConstraint]:
        return ("unit_norm", 0.0, 0.0, 1.0, _axes(self.axis))

    def get_config(self) -> Dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each group's norm towards [min_value, max_value] at `rate`.

    Args:
        min_value, max_value: the norm interval (defaults 0.0 and 1.0).
        rate: 1.0 enforces the interval strictly; less moves part way.
        axis: the axis or axes the norm runs over (default 0).
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: Any = 0) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w, np.float32)
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (
            1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    @property
    def native(self) -> Optional[NativeConstraint]:
        return ("min_max_norm", float(self.min_value), float(self.max_value), float(self.rate),
                _axes(self.axis))

    def get_config(self) -> Dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL_OBJECTS_DICT: Dict[str, Any] = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm, "constraint": Constraint, "max_norm": MaxNorm,
    "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
}


def serialize(constraint: Any) -> Any:
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(constraint)


def deserialize(config: Any, custom_objects: Any = None) -> Any:
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects)


def get(identifier: Any) -> Optional[Constraint]:
    """A constraint from a name (`"max_norm"`), a config dict, a class or an instance.

    Raises:
        ValueError: for an identifier that names no constraint.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj  # type: ignore[no-any-return]
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")


def native_constraint(constraint: Any, owner: str, argument: str) -> Optional[NativeConstraint]:
    """The engine's description of a constraint, None for none.

    Raises:
        ValueError: naming the layer and argument for a custom constraint.
    """
    if constraint is None:
        return None
    native = constraint.native if isinstance(constraint, Constraint) else None
    if native is None:
        raise ValueError(
            f"Layer '{owner}': `{argument}={constraint!r}` is not supported by lamina yet; use "
            "keras.constraints.MaxNorm, NonNeg, UnitNorm or MinMaxNorm."
        )
    return native


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]
