"""`keras.utils.PyDataset` (Keras 3) and its tf.keras 2.x name `Sequence`.

A dataset of whole batches indexed by position: `__getitem__(i)` returns
batch i as `x`, `(x, y)` or `(x, y, sample_weight)`, `__len__` the number of
batches. `fit` calls `on_epoch_begin`/`on_epoch_end` around every epoch.
The worker settings may be given here (Keras 3) or to `fit`/`evaluate`/
`predict` (tf.keras 2.x); the trainer's adapter decides which applies.
"""

from __future__ import annotations

import warnings
from typing import Any, Iterator, Optional


class PyDataset:
    """Base class for datasets of batches fed to `fit`/`evaluate`/`predict`.

    Args:
        workers: number of workers loading batches in parallel (0 or 1
            loads in the main thread, as Keras does).
        use_multiprocessing: load in worker processes instead of threads
            (forked on Linux; "spawn" or "forkserver" choose that start method).
        max_queue_size: how many loaded batches may wait in the queue.
    """

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        if not hasattr(self, "_workers"):
            warnings.warn(
                f"Your `{type(self).__name__}` class should call `super().__init__(**kwargs)` "
                "in its constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size` (or give them to `fit()`, as in tf.keras 2.x).",
                stacklevel=3,
            )

    @property
    def workers(self) -> int:
        self._warn_if_super_not_called()
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        self._warn_if_super_not_called()
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        self._warn_if_super_not_called()
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """Batch number `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(self, index)`."
        )

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__(self)`.")

    @property
    def num_batches(self) -> Optional[int]:
        """Batches per epoch; None for an endless dataset (then give `steps_per_epoch`)."""
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def on_epoch_begin(self) -> None:
        """Called before each epoch; override to change state between epochs."""

    def on_epoch_end(self) -> None:
        """Called after each epoch; override to reshuffle, for example."""

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]


# tf.keras 2.x's name; in Keras 3 `keras.utils.Sequence` is the same class.
Sequence = PyDataset
