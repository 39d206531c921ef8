"""Argument checks shared by the layers here, with Keras 3's messages."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np


def standardize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> Tuple[int, ...]:
    """An int or an iterable of `n` ints as a tuple of `n` ints (> 0, or >= 0
    with `allow_zero`).

    Raises:
        ValueError: for a wrong length, a non-integer or an out-of-range value.
    """
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values: Tuple[Any, ...] = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or any(
            isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values
        ):
            raise ValueError(message)
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{message}, including values {bad} that do not satisfy `value {req}`")
    return values


def standardize_data_format(data_format: Optional[str]) -> str:
    """`None` as `keras.backend.image_data_format()`, else the lower-cased
    name, checked.

    Raises:
        ValueError: for anything but channels_first / channels_last.
    """
    if data_format is None:
        from lamina.backend import image_data_format

        return image_data_format()
    value = str(data_format).lower()
    if value not in {"channels_first", "channels_last"}:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return value


def check_rank(layer: Any, input_shape: Any, ndim: int) -> None:
    """Keras's InputSpec(ndim=...) check, naming the layer.

    Raises:
        ValueError: if `input_shape` (batch included) does not have `ndim` axes.
    """
    if len(input_shape) != ndim:
        raise ValueError(
            f"Input 0 of layer \"{layer.name}\" is incompatible with the layer: expected "
            f"ndim={ndim}, found ndim={len(input_shape)}. Full shape received: "
            f"{tuple(input_shape)}"
        )


def broadcast_index(stat_shape: Tuple[int, ...], sample_shape: Tuple[int, ...]) -> Any:
    """For each element of a per-sample tensor (row-major), the flat index of
    the entry of a `stat_shape` array broadcast against it (numpy's rules)."""
    index = np.arange(int(np.prod(stat_shape)), dtype=np.int64).reshape(stat_shape)
    return np.broadcast_to(index, sample_shape).reshape(-1)
