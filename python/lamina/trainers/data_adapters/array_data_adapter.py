"""Arrays in, batches out: numpy arrays (or lists) become float32 once per
`fit`/`evaluate`/`predict`, and each batch is a view or a row index into
them, so the native step reads the caller's data in place -- no copy per batch.

The adapter owns shuffling and batching; the epoch iterator owns steps.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, NamedTuple, Optional, Tuple

import numpy as np

from lamina.utils import rng_utils


class Batch(NamedTuple):
    """One batch. With `row_index` set, sample i is row `row_index[i]` of x/y/sample_weight."""

    x: np.ndarray
    y: Optional[np.ndarray]
    sample_weight: Optional[np.ndarray]
    row_index: Optional[np.ndarray]
    size: int


def to_float32(data: Any, name: str) -> np.ndarray:
    """A C-contiguous float32 array (copied only when needed).

    Raises:
        ValueError: for data that is not numeric or not a single array.
    """
    if (
        type(data) is np.ndarray
        and data.dtype == np.float32
        and data.ndim
        and data.flags.c_contiguous
    ):
        return data  # already what the checks below would return (serving latency)
    if isinstance(data, dict):
        if len(data) != 1:
            raise ValueError(
                f"A Sequential model takes one input; received a dict with keys {list(data)} "
                f"for `{name}`."
            )
        data = next(iter(data.values()))
    if isinstance(data, (list, tuple)) and len(data) == 1 and hasattr(data[0], "shape"):
        data = data[0]
    try:
        arr = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"Could not convert `{name}` to an array: {e}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise ValueError(
            f"`{name}` must hold numbers; received an array of dtype {arr.dtype} "
            f"and shape {arr.shape}."
        )
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must have a batch dimension; received a scalar.")
    return np.ascontiguousarray(arr, dtype=np.float32)


def check_batch_size(batch_size: Any, name: str = "batch_size") -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
        batch_size <= 0
    ):
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={batch_size}")
    return int(batch_size)


def check_cardinality(x: np.ndarray, y: Optional[np.ndarray], sw: Optional[np.ndarray]) -> None:
    sizes = {"x": x.shape[0]}
    if y is not None:
        sizes["y"] = y.shape[0]
    if sw is not None:
        sizes["sample_weight"] = sw.shape[0]
    if len(set(sizes.values())) > 1:
        detail = " ".join(f"'{k}' sizes: {v}" for k, v in sizes.items())
        raise ValueError(
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
            f"samples. {detail}"
        )


def train_validation_split(
    arrays: Tuple[Optional[np.ndarray], ...], validation_split: float
) -> Tuple[Tuple[Optional[np.ndarray], ...], Tuple[Optional[np.ndarray], ...]]:
    """The last `validation_split` fraction, taken before any shuffling."""
    first = next(a for a in arrays if a is not None)
    n = first.shape[0]
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument."
        )
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    val = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, val


class ArrayDataAdapter:
    """Batches arrays for one `fit`/`evaluate`/`predict` call.

    Args:
        x, y, sample_weight: arrays with the same first dimension; y and
            sample_weight may be None.
        batch_size: default 32; the last batch may be smaller.
        shuffle: False, True (a new permutation each epoch) or `"batch"`
            (batches in order, samples shuffled within each batch -- x, y and
            sample_weight with the same permutation).
    """

    def __init__(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        batch_size: Optional[int] = None,
        shuffle: Any = False,
    ) -> None:
        self.x = to_float32(x, "x")
        self.y = None if y is None else to_float32(y, "y")
        self.sample_weight = None
        if sample_weight is not None:
            sw = to_float32(sample_weight, "sample_weight")
            if sw.ndim == 2 and sw.shape[1] == 1:
                sw = sw.reshape(-1)
            if sw.ndim not in (1, 2):
                raise ValueError(
                    "`sample_weight` must have shape (samples,) or, for sequence outputs, "
                    f"(samples, timesteps); received {sw.shape}."
                )
            self.sample_weight = sw
        check_cardinality(self.x, self.y, self.sample_weight)
        self.batch_size = check_batch_size(batch_size)
        if isinstance(shuffle, str):
            if shuffle.lower() != "batch":
                raise ValueError(
                    f"`shuffle` must be a bool or 'batch'. Received: shuffle={shuffle}"
                )
            shuffle = "batch"
        self.shuffle = shuffle
        self.num_samples = int(self.x.shape[0])
        self.num_batches = math.ceil(self.num_samples / self.batch_size)

    def get_epoch_batches(self) -> Iterator[Batch]:
        n, bs = self.num_samples, self.batch_size
        if self.shuffle is True:
            order = rng_utils.generator().permutation(n).astype(np.int64)
        elif self.shuffle == "batch":
            order = np.arange(n, dtype=np.int64)
            gen = rng_utils.generator()
            for start in range(0, n, bs):
                gen.shuffle(order[start : start + bs])
        else:
            order = None
        for start in range(0, n, bs):
            stop = min(n, start + bs)
            if order is None:
                yield Batch(
                    self.x[start:stop],
                    None if self.y is None else self.y[start:stop],
                    None if self.sample_weight is None else self.sample_weight[start:stop],
                    None,
                    stop - start,
                )
            else:
                yield Batch(self.x, self.y, self.sample_weight, order[start:stop], stop - start)
