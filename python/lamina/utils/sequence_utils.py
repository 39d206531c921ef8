"""`keras.utils.pad_sequences` (also `keras.preprocessing.sequence.pad_sequences`)."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np


def pad_sequences(
    sequences: Any,
    maxlen: Optional[int] = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads (or truncates) sequences to one length.

    Args:
        sequences: a list of sequences (lists or arrays, possibly each of
            shape `(length, ...)`).
        maxlen: the output length; the longest sequence's length when None.
        dtype: the output dtype (`object` for variable-length strings).
        padding: `"pre"` or `"post"`: where the padding goes.
        truncating: `"pre"` or `"post"`: which end of a longer sequence is cut.
        value: the padding value.

    Returns:
        A numpy array of shape `(len(sequences), maxlen) + sample_shape`.

    Raises:
        ValueError: for a non-iterable input or element, an unknown `padding`
            or `truncating`, a string `value` with a non-string dtype, a
            negative `maxlen`, or samples of different inner shapes.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths: List[int] = []
    sample_shape: Optional[Tuple[int, ...]] = None
    for item in sequences:
        try:
            lengths.append(len(item))
        except TypeError as err:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {item!s}"
            ) from err
        if sample_shape is None and len(item):
            # The first non-empty sequence fixes the shape of one step.
            sample_shape = np.asarray(item).shape[1:]
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    maxlen = int(maxlen)
    if maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer. Received: maxlen={maxlen}")
    is_string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_string_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    step_shape: Tuple[int, ...] = tuple(sample_shape or ())
    out = np.full((len(lengths), maxlen) + step_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for index, item in enumerate(sequences):
        if not len(item):
            continue
        kept = item[-maxlen:] if truncating == "pre" else item[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != step_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {index} is "
                f"different from expected shape {step_shape}"
            )
        if padding == "post":
            out[index, : len(kept)] = kept
        else:
            out[index, maxlen - len(kept):] = kept
    return out
