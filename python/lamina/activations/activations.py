"""Keras 3's activation functions, each computed by lamina's native kernel.

Every function takes array-likes and returns a numpy array: float64 input runs
the float64 reference kernels, anything else runs in float32 (the dtype lamina
trains in). The same kernels run fused inside Dense and the Activation layer.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from lamina import _core

Axis = Optional[Union[int, Sequence[int]]]


def _as_float_array(x: Any) -> np.ndarray:
    array = np.asarray(x)
    dtype = np.float64 if array.dtype == np.float64 else np.float32
    # ascontiguousarray would turn a 0-d input into shape (1,).
    return np.require(np.asarray(array, dtype=dtype), requirements="C")


def _apply(name: str, x: Any, params: Optional[Dict[str, float]] = None) -> np.ndarray:
    """Runs an element-wise (or last-axis) activation kernel on any shape."""
    array = _as_float_array(x)
    flat = array.reshape(1, -1) if array.ndim == 0 else array
    if flat.size == 0:
        return array.copy()
    return _core.kernels.activation_forward(name, flat, params or {}).reshape(array.shape)


def _apply_on_axis(name: str, x: Any, axis: Axis) -> np.ndarray:
    """Runs a row-wise kernel (softmax family) over `axis` (an int, a tuple of
    ints, or None for all axes), moving those axes last and back."""
    array = _as_float_array(x)
    if array.ndim == 0:
        return _apply(name, array)
    if axis is None:
        axes = list(range(array.ndim))
    elif isinstance(axis, (int, np.integer)):
        axes = [int(axis)]
    else:
        axes = [int(a) for a in axis]
    for a in axes:
        if not -array.ndim <= a < array.ndim:
            raise ValueError(
                f"Invalid axis for `{name}`: {axis!r} on an input of shape {array.shape}."
            )
    axes = sorted({a % array.ndim for a in axes})
    kept = [a for a in range(array.ndim) if a not in axes]
    moved = np.transpose(array, kept + axes)
    inner = int(np.prod([array.shape[a] for a in axes]))
    if moved.size == 0:
        return array.copy()
    out = _core.kernels.activation_forward(
        name, np.ascontiguousarray(moved).reshape(-1, inner), {}
    ).reshape(moved.shape)
    return np.transpose(out, np.argsort(kept + axes))


def relu(
    x: Any, negative_slope: float = 0.0, max_value: Optional[float] = None,
    threshold: float = 0.0,
) -> np.ndarray:
    """Rectified linear unit, Keras's parameterised form.

    `max(x, 0)` by default; values at or below `threshold` become
    `negative_slope * (x - threshold)`, and the non-negative part is clipped
    to `[0, max_value]` when `max_value` is set.

    Args:
        x: input array.
        negative_slope: slope below the threshold.
        max_value: saturation value, or None for no clipping.
        threshold: value below which inputs are damped or zeroed.

    Returns:
        An array of the input's shape.
    """
    params: Dict[str, float] = {
        "negative_slope": float(negative_slope), "threshold": float(threshold)
    }
    if max_value is not None:
        params["max_value"] = float(max_value)
    return _apply("relu", x, params)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> np.ndarray:
    """`x` for `x > 0`, else `negative_slope * x`."""
    return _apply("leaky_relu", x, {"negative_slope": float(negative_slope)})


def relu6(x: Any) -> np.ndarray:
    """`min(max(x, 0), 6)`."""
    return _apply("relu6", x)


def elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    """`x` for `x > 0`, else `alpha * (exp(x) - 1)`."""
    return _apply("elu", x, {"alpha": float(alpha)})


def selu(x: Any) -> np.ndarray:
    """`scale * elu(x, alpha)` with Keras's constants (1.05070098, 1.67326324)."""
    return _apply("selu", x)


def gelu(x: Any, approximate: bool = False) -> np.ndarray:
    """`0.5 x (1 + erf(x / sqrt(2)))`, or its tanh approximation.

    Args:
        x: input array.
        approximate: use `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.

    Returns:
        An array of the input's shape.
    """
    return _apply("gelu", x, {"approximate": 1.0 if approximate else 0.0})


def silu(x: Any) -> np.ndarray:
    """Swish: `x * sigmoid(x)`."""
    return _apply("silu", x)


def softplus(x: Any) -> np.ndarray:
    """`log(exp(x) + 1)`, computed without overflow."""
    return _apply("softplus", x)


def softsign(x: Any) -> np.ndarray:
    """`x / (abs(x) + 1)`."""
    return _apply("softsign", x)


def sigmoid(x: Any) -> np.ndarray:
    """`1 / (1 + exp(-x))`."""
    return _apply("sigmoid", x)


def hard_sigmoid(x: Any) -> np.ndarray:
    """Keras 3's `relu6(x + 3) / 6` (tf.keras 2.x used `clip(0.2 x + 0.5)`)."""
    return _apply("hard_sigmoid", x)


def hard_silu(x: Any) -> np.ndarray:
    """Hard swish: `x * hard_sigmoid(x)`."""
    return _apply("hard_silu", x)


def tanh(x: Any) -> np.ndarray:
    """Hyperbolic tangent."""
    return _apply("tanh", x)


def exponential(x: Any) -> np.ndarray:
    """`exp(x)`."""
    return _apply("exponential", x)


def linear(x: Any) -> np.ndarray:
    """Identity (Keras returns its input unchanged; lamina returns an array)."""
    return _apply("linear", x)


def mish(x: Any) -> np.ndarray:
    """`x * tanh(softplus(x))`."""
    return _apply("mish", x)


def softmax(x: Any, axis: Axis = -1) -> np.ndarray:
    """`exp(x) / sum(exp(x))` over `axis` (an int, a tuple, or None for all).

    Raises:
        ValueError: if `axis` is out of range for the input.
    """
    return _apply_on_axis("softmax", x, axis)


def log_softmax(x: Any, axis: Axis = -1) -> np.ndarray:
    """`x - log(sum(exp(x)))` over `axis` (an int, a tuple, or None for all).

    Raises:
        ValueError: if `axis` is out of range for the input.
    """
    return _apply_on_axis("log_softmax", x, axis)


# Keras's alias names are the same function objects, so serialize() gives the
# canonical name ("silu"), as Keras does.
swish = silu
hard_swish = hard_silu
