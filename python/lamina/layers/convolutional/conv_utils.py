"""Argument checks and output sizes shared by the convolution and pooling
layers, with Keras's messages and formulas (the engine computes the same
sizes in C++; these give the shapes before a plan exists)."""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple

import numpy as np


def normalize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> Tuple[int, ...]:
    """An int or an n-sequence of ints as an n-tuple, checked like Keras.

    Raises:
        ValueError: for the wrong length, non-integers, or values <= 0
            (< 0 with allow_zero).
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values: Tuple[Any, ...] = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}") from None
        if len(values) != n or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. "
                             f"Received {name}={value}")
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        condition = "`value >= 0`" if allow_zero else "`value > 0`"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value} including values {bad} that do not satisfy "
                         f"{condition}")
    return tuple(int(v) for v in values)


def normalize_padding(value: Any, allow_causal: bool) -> str:
    padding = value.lower() if isinstance(value, str) else value
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. "
                         f"Received: padding={value}")
    return str(padding)


def check_data_format(data_format: Any, layer: str) -> str:
    """lamina is channels_last (NHWC), Keras's default.

    Raises:
        ValueError: for "channels_first", with what to do instead.
    """
    if data_format in (None, "channels_last"):
        return "channels_last"
    if data_format == "channels_first":
        raise ValueError(
            f"{layer}: data_format='channels_first' is not supported by lamina; it computes "
            "channels_last (Keras's default). Move the channel axis last in your data, e.g. "
            "np.moveaxis(x, 1, -1), and drop the argument.")
    raise ValueError("The `data_format` argument must be one of {'channels_first', "
                     f"'channels_last'}}. Received: data_format={data_format}")


def output_length(length: Optional[int], kernel: int, stride: int, dilation: int,
                  padding: str) -> Optional[int]:
    """Keras's conv/pool output length (None stays None)."""
    if length is None:
        return None
    effective = dilation * (kernel - 1) + 1
    if padding == "valid":
        return (length - effective) // stride + 1
    return (length + stride - 1) // stride  # same, causal


def transpose_output_length(length: Optional[int], kernel: int, stride: int, dilation: int,
                            padding: str, output_padding: Optional[int]) -> Optional[int]:
    """Keras's Conv*Transpose output length."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def check_positive_output(layer: str, input_shape: Any, output: Tuple[Any, ...]) -> None:
    """Keras refuses a kernel larger than a valid-padded input."""
    if any(d is not None and d <= 0 for d in output):
        raise ValueError(
            f"Computed output size would be negative or zero for layer '{layer}': the kernel "
            f"does not fit the input. Received input shape {tuple(input_shape)}; output would "
            f"be {tuple(output)}. Use padding='same' or a smaller kernel or stride.")


def ceil_div(a: int, b: int) -> int:
    return int(math.ceil(a / b))
