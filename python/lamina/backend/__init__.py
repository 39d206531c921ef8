"""`keras.backend`: the parts Sequential scripts touch."""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.backend.bound_scalar import BoundScalar
from lamina.backend.variable import Variable
from lamina.utils.naming import reset_uids

_EPSILON = 1e-7


def backend() -> str:
    """The backend's name: `"lamina"` (Keras answers `"tensorflow"`, `"jax"`, ...)."""
    return "lamina"


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Sets the value returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def floatx() -> str:
    """The default float type: always `"float32"` (lamina computes in float32)."""
    return "float32"


def image_data_format() -> str:
    """The image layout: always `"channels_last"`."""
    return "channels_last"


def clear_session() -> None:
    """Resets the automatic layer and model names, as Keras does, so the next
    `Dense` is named `dense` again.

    lamina keeps no global graph, so there is nothing else to free.
    """
    reset_uids()


def _ops_variable_type() -> Any:
    from lamina.ops.tensor import Variable as OpsVariable

    return OpsVariable


def get_value(x: Any) -> Any:
    """The value of a variable as numpy (tf.keras 2.x's `K.get_value`).

    Args:
        x: a lamina `Variable` (layer weight or metric state), a value read
            from an optimizer such as `model.optimizer.learning_rate`, a
            numpy array or a Python number.

    Returns:
        A numpy copy: an array, or a numpy float32 scalar for the learning rate.
    """
    if isinstance(x, BoundScalar):
        return x.numpy()
    if isinstance(x, Variable):
        return x.numpy()
    if isinstance(x, _ops_variable_type()):
        return np.array(x.value)
    return np.array(x)


def set_value(x: Any, value: Any) -> None:
    """Sets a variable's value in place (tf.keras 2.x's `K.set_value`).

    `set_value(model.optimizer.learning_rate, 0.01)` sets the optimizer's
    learning rate, as in Keras.

    Args:
        x: a lamina `Variable`, `model.optimizer.learning_rate` (or another
            value read from an optimizer), or a numpy array (written in place).
        value: the new value (same shape).

    Raises:
        TypeError: for a Python number or other object that cannot be
            updated in place.
        ValueError: if the shapes differ.
    """
    if isinstance(x, BoundScalar):
        x.assign(value)
    elif isinstance(x, (Variable, _ops_variable_type())):
        x.assign(value)
    elif isinstance(x, np.ndarray):
        value = np.asarray(value)
        if value.shape != x.shape and value.size != x.size:
            raise ValueError(
                f"set_value: cannot write a value of shape {value.shape} into an array of "
                f"shape {x.shape}."
            )
        np.copyto(x, value.reshape(x.shape), casting="unsafe")
    else:
        raise TypeError(
            f"set_value needs a variable to update in place; received a "
            f"{type(x).__name__} ({x!r}). Pass the attribute itself, e.g. "
            "`keras.backend.set_value(model.optimizer.learning_rate, 0.01)`, or assign it: "
            "`model.optimizer.learning_rate = 0.01`."
        )


_TF_KERAS_NAMES = ("clip", "concatenate", "pow", "int_shape", "constant")


def __getattr__(name: str) -> Any:
    """tf.keras 2.x's backend math (`K.sum`, `K.clip`, ...) for custom metrics;
    anything else is named as not supported."""
    import importlib

    # Not `from lamina.backend import ...`: that would look the name up on
    # this module first and re-enter this __getattr__.
    tfk = importlib.import_module("lamina.backend.tf_keras_functions")

    if name in _TF_KERAS_NAMES:
        return getattr(tfk, name)
    if name in tfk.SAME_AS_OPS:
        import lamina.ops

        return getattr(lamina.ops, name)
    from lamina.utils.unsupported import module_getattr

    module_getattr(
        "keras.backend", name, {},
        "Most of tf.keras 2.x's backend API is gone from Keras 3; use `keras.ops`.",
    )


__all__ = [
    "Variable",
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_value",
    "image_data_format",
    "set_epsilon",
    "set_value",
]
