"""Activation functions by Keras name. Each runs the native kernel that Dense
and the Activation layer fuse into their forward and backward passes."""

from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

from lamina import _core


def _native(name: str) -> Callable[[Any], np.ndarray]:
    def activation(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else np.float32)
        if x.ndim == 0:
            return _core.kernels.activation_forward(name, x.reshape(1, 1)).reshape(())
        return _core.kernels.activation_forward(name, np.ascontiguousarray(x))

    activation.__name__ = name
    activation.__qualname__ = name
    activation.__doc__ = f"`{name}` activation, computed by lamina's native kernel."
    return activation


relu = _native("relu")
sigmoid = _native("sigmoid")
tanh = _native("tanh")
softmax = _native("softmax")
linear = _native("linear")

_BY_NAME: Dict[str, Callable[[Any], np.ndarray]] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softmax": softmax,
    "linear": linear,
}


def get(identifier: Any) -> Callable[[Any], np.ndarray]:
    """Resolves None, a name or one of this module's functions.

    Raises:
        ValueError: for a name lamina does not know or an arbitrary Python
            function (lamina differentiates only its own native activations).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. "
                f"lamina supports: {sorted(_BY_NAME)}"
            )
        return fn
    known = _BY_NAME.get(getattr(identifier, "__name__", ""))
    if known is not None and known is identifier:
        return known
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. lamina runs "
        f"its native activations only; pass one of {sorted(_BY_NAME)} by name."
    )


def serialize(activation: Callable[..., Any]) -> str:
    return activation.__name__


__all__ = ["get", "linear", "relu", "serialize", "sigmoid", "softmax", "tanh"]
