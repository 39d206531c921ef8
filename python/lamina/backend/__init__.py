"""`keras.backend`: the parts Sequential scripts touch."""

from __future__ import annotations

from lamina.backend.variable import Variable
from lamina.utils.naming import reset_uids

_EPSILON = 1e-7


def backend() -> str:
    return "lamina"


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def floatx() -> str:
    return "float32"


def image_data_format() -> str:
    return "channels_last"


def clear_session() -> None:
    """Resets the automatic layer and model names, as Keras does.

    lamina keeps no global graph, so there is nothing else to free.
    """
    reset_uids()


__all__ = [
    "Variable",
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
]
