"""One adapter per kind of input, behind one epoch iterator:

- numpy arrays, lists, dicts of one array -> `ArrayDataAdapter`
- `keras.utils.PyDataset` / `Sequence` (or anything with `__getitem__`,
  `__len__` and `on_epoch_end`) -> `PyDatasetAdapter`
- Python generators, iterators and other iterables -> `GeneratorDataAdapter`
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter, Batch
from lamina.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from lamina.trainers.data_adapters.py_dataset_adapter import Prepare, PyDatasetAdapter
from lamina.trainers.data_adapters.queue_settings import resolve_queue_settings
from lamina.utils.py_dataset import PyDataset


def is_py_dataset(data: Any) -> bool:
    """A Sequence / PyDataset: lamina's, Keras's, or one that looks like it."""
    if isinstance(data, PyDataset):
        return True
    return (
        not is_plain_data(data)
        and hasattr(data, "__getitem__")
        and hasattr(data, "__len__")
        and hasattr(data, "on_epoch_end")
    )


def is_plain_data(data: Any) -> bool:
    """Arrays and the containers Keras reads as arrays."""
    return (
        data is None
        or isinstance(data, (np.ndarray, list, tuple, dict, str, bytes, int, float, np.generic))
        or hasattr(data, "__array__")
        or hasattr(data, "__array_interface__")
    )


def is_array_data(data: Any) -> bool:
    """Whether `data` is read as arrays rather than as a stream of batches."""
    if type(data) is np.ndarray:  # the common case, checked first (small predicts)
        return True
    if is_py_dataset(data):
        return False
    return is_plain_data(data) or not hasattr(data, "__iter__")


def check_stream_arguments(data: Any, y: Any, sample_weight: Any,
                           validation_split: Any = 0.0) -> None:
    """Keras's errors for arguments a generator or dataset provides itself.

    Raises:
        ValueError: for `y`, `sample_weight` or `validation_split` given
            with a generator or dataset.
    """
    kind = "a PyDataset" if is_py_dataset(data) else "a generator"
    for name, value, what in (("y", y, "targets"),
                              ("sample_weight", sample_weight, "sample weights")):
        if value is not None:
            raise ValueError(
                f"When providing `x` as {kind}, `{name}` should not be passed. Instead, the "
                f"{what} should be included as part of {kind}: `(x, y, sample_weight)`."
            )
    if validation_split:
        raise ValueError(
            "Argument `validation_split` is only supported for tensors or NumPy arrays. Found "
            f"incompatible type in the input: [{type(data)}]. Pass `validation_data` instead "
            "(a tuple of arrays, a generator or a PyDataset)."
        )


def get_data_adapter(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    batch_size: Optional[int] = None,
    shuffle: Any = False,
    prepare: Optional[Prepare] = None,
    workers: Any = 1,
    use_multiprocessing: Any = False,
    max_queue_size: Any = 10,
) -> Any:
    """The adapter for `x` (arrays already converted by the trainer, or a stream).

    Args:
        x, y, sample_weight: the data as passed to `fit`/`evaluate`/`predict`.
        batch_size, shuffle: for arrays (a Sequence only shuffles its batch order).
        prepare: converts and checks one loaded `(x, y, sample_weight)` batch
            (required for streams).
        workers, use_multiprocessing, max_queue_size: override a dataset's own.

    Raises:
        ValueError / TypeError: see the adapters and `check_stream_arguments`.
    """
    if is_array_data(x):
        return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle)
    if prepare is None:
        raise ValueError("A generator or dataset needs a batch preparer.")
    check_stream_arguments(x, y, sample_weight)
    settings = resolve_queue_settings(x, workers, use_multiprocessing, max_queue_size)
    if is_py_dataset(x):
        return PyDatasetAdapter(x, prepare, shuffle, settings)
    return GeneratorDataAdapter(x, prepare, settings)


def first_arrays(adapter: Any) -> Tuple[Any, Any]:
    """(x, y) of the data the model is built and planned from."""
    if isinstance(adapter, ArrayDataAdapter):
        return adapter.x, adapter.y
    batch: Batch = adapter.peek()
    return batch.x, batch.y
