"""What one element of a generator or one `Sequence[i]` means: `x`,
`(x,)`, `(x, y)` or `(x, y, sample_weight)`, as Keras reads it."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from lamina.trainers.data_adapters.array_data_adapter import to_float32

RawBatch = Tuple[Any, Any, Any]


def unpack_batch(data: Any) -> RawBatch:
    """Splits one batch into (x, y, sample_weight); missing parts are None.

    A list is read as a tuple (Keras 3); anything that is not a tuple (an
    array, a dict) is `x` alone.

    Raises:
        ValueError: for a tuple of more than three elements.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`; "
        f"received a tuple of {len(data)} elements."
    )


def to_float32_parts(raw: RawBatch) -> Tuple[Optional[np.ndarray], ...]:
    """The parts of a batch as float32 arrays, as the trainer will read them.

    Worker threads and processes call this so the conversion runs off the
    main thread; a part that does not convert is returned as given, and the
    trainer's own conversion then raises the error that names it.
    """
    out: List[Any] = []
    for part, name in zip(raw, ("x", "y", "sample_weight")):
        if part is None:
            out.append(None)
            continue
        try:
            out.append(to_float32(part, name))
        except (ValueError, TypeError):
            out.append(part)
    return tuple(out)


def load_item(dataset: Any, index: int) -> Tuple[Optional[np.ndarray], ...]:
    """`dataset[index]`, unpacked and converted: the unit of work of a worker."""
    return to_float32_parts(unpack_batch(dataset[index]))
