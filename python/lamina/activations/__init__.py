"""Activation functions by Keras name: `get`, `serialize`, `deserialize` and
the functions themselves. Each runs the native kernel that Dense and the
Activation layer fuse into their forward and backward passes."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from lamina.activations.activations import (
    elu,
    exponential,
    gelu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    linear,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)

ActivationFn = Callable[..., Any]

ALL_OBJECTS = (
    relu, leaky_relu, relu6, softmax, elu, selu, softplus, softsign, silu, gelu, tanh,
    sigmoid, exponential, hard_sigmoid, hard_silu, linear, mish, log_softmax,
)
ALL_OBJECTS_DICT: Dict[str, ActivationFn] = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu

# Keras activations lamina does not compute (yet): named in the error message.
_KERAS_ONLY = (
    "celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold",
)


def _unknown(identifier: Any) -> ValueError:
    name = identifier if isinstance(identifier, str) else getattr(identifier, "__name__", "")
    if name in _KERAS_ONLY:
        return ValueError(
            f"Activation {name!r} exists in Keras but lamina does not compute it yet. "
            f"lamina supports: {sorted(ALL_OBJECTS_DICT)}"
        )
    if callable(identifier):
        return ValueError(
            f"Could not interpret activation function identifier: {identifier!r}. lamina "
            "differentiates its own native activations only, not arbitrary Python functions; "
            f"pass one of {sorted(ALL_OBJECTS_DICT)} by name or as lamina.activations.<name>."
        )
    return ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. "
        f"lamina supports: {sorted(ALL_OBJECTS_DICT)}"
    )


def get(identifier: Any) -> ActivationFn:
    """Resolves an activation identifier to one of this module's functions.

    Args:
        identifier: None (linear), a Keras name (`"relu"`, `"swish"`, ...), a
            serialized config dict, one of this module's functions, or the
            same-named function from the `keras` package.

    Returns:
        The lamina activation function.

    Raises:
        ValueError: for a name lamina does not know or an arbitrary Python
            function (lamina differentiates only its own native activations).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        fn = ALL_OBJECTS_DICT.get(identifier)
        if fn is None:
            raise _unknown(identifier)
        return fn
    name = getattr(identifier, "__name__", "")
    known = ALL_OBJECTS_DICT.get(name)
    if known is not None and known is identifier:
        return known
    # keras.activations.relu and friends mean the same computation.
    module = getattr(identifier, "__module__", "") or ""
    if known is not None and (module == "keras" or module.startswith("keras.")):
        return known
    raise _unknown(identifier)


def serialize(activation: ActivationFn) -> str:
    """Keras's serialized form of a built-in activation: its canonical name.

    Raises:
        ValueError: if `activation` is not one of lamina's activations.
    """
    name = getattr(activation, "__name__", "")
    if ALL_OBJECTS_DICT.get(name) is not activation:
        raise ValueError(f"Unknown activation function {activation!r} cannot be serialized.")
    return name


def deserialize(config: Any, custom_objects: Optional[Dict[str, Any]] = None) -> ActivationFn:
    """Returns the activation named by `config` (a name or Keras's config dict).

    Raises:
        ValueError: if the config names no activation lamina computes.
    """
    if custom_objects and isinstance(config, str) and config in custom_objects:
        return get(custom_objects[config])
    if isinstance(config, dict):
        inner = config.get("config")
        if isinstance(inner, str):
            return get(inner)
        raise _unknown(config)
    return get(config)


def plan_spec(activation: ActivationFn) -> Tuple[str, Dict[str, float]]:
    """The (name, parameters) a native plan op needs for a resolved activation.

    A layer's activation is a function with Keras's defaults, so the
    parameters are always empty; the kernels apply the defaults.
    """
    return serialize(activation), {}


__all__ = [
    "deserialize", "elu", "exponential", "gelu", "get", "hard_sigmoid", "hard_silu",
    "hard_swish", "leaky_relu", "linear", "log_softmax", "mish", "relu", "relu6", "selu",
    "serialize", "sigmoid", "silu", "softmax", "softplus", "softsign", "swish", "tanh",
]
