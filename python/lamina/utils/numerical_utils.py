"""`keras.utils.to_categorical` and `keras.utils.normalize` (numpy in, numpy out)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np


def to_categorical(x: Any, num_classes: Optional[int] = None, dtype: Any = None) -> np.ndarray:
    """Converts a vector of class indices to a one-hot matrix.

    A trailing axis of size 1 (labels shaped `(n, 1)`) is dropped first, as
    Keras does, so `(n, 1)` labels give an `(n, num_classes)` matrix.

    Args:
        x: array-like of integer class indices in `[0, num_classes)`.
        num_classes: the number of classes; `max(x) + 1` when None or 0.
        dtype: the output dtype. Keras 3 has no such argument and returns
            float64 (the default here too); tf.keras 2.x's `dtype=` is
            accepted.

    Returns:
        A numpy array of shape `x.shape + (num_classes,)` (class axis last).

    Raises:
        ValueError: for labels that are negative, not whole numbers, or not
            below `num_classes` (Keras raises a numpy IndexError for the
            latter and silently wraps negative labels).
    """
    raw = np.asarray(x)
    if raw.dtype.kind == "f":
        bad = raw[~np.isfinite(raw) | (raw != np.round(raw))] if raw.size else raw
        if bad.size:
            raise ValueError(
                f"to_categorical expects integer class indices. Received: {bad.flat[0]!r} "
                f"in x of shape {raw.shape}."
            )
    elif raw.dtype.kind not in "iub":
        raise ValueError(
            f"to_categorical expects integer class indices. Received x of dtype {raw.dtype}."
        )
    labels = raw.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if not num_classes:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    num_classes = int(num_classes)
    if flat.size:
        low, high = int(flat.min()), int(flat.max())
        if low < 0 or high >= num_classes:
            wrong = low if low < 0 else high
            raise ValueError(
                f"to_categorical: class index {wrong} is outside [0, {num_classes}) "
                f"(num_classes={num_classes})."
            )
    out = np.zeros((flat.size, num_classes), dtype=dtype if dtype is not None else np.float64)
    out[np.arange(flat.size), flat] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x: Any, axis: Optional[int] = -1, order: int = 2) -> np.ndarray:
    """Divides `x` by its `order`-norm along `axis`.

    Args:
        x: the array to normalise.
        axis: the axis along which the norm is taken.
        order: the norm's order (2 for L2).

    Returns:
        A normalised copy (for `axis=0` too, which Keras gets wrong: it
        divides each row by a column's norm); slices whose norm is 0 are left unchanged (a numpy
        array in), or divided by `max(norm, epsilon)` (any other array-like
        in, returned as float32), as in Keras.

    Raises:
        ValueError: if `order` is not an integer >= 1 for a non-numpy input.
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        # Keras expands at `axis or -1`, so axis=0 divides rows by column
        # norms; the norm goes back where it was taken.
        return x / np.expand_dims(norm, -1 if axis is None else axis)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    from lamina.backend import epsilon

    values = np.asarray(x, dtype=np.float32)
    if values.ndim == 0:
        values = values[None]
    norms = np.linalg.norm(values, ord=order, axis=axis, keepdims=True)
    return values / np.maximum(norms, np.float32(epsilon()))
