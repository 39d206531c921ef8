"""Batches from a `keras.utils.PyDataset` / `Sequence`: `len(dataset)`
batches per pass, `dataset[i]` each, in order or with the batch order
shuffled, loaded in the calling thread, in worker threads or in worker
processes (see `queue_settings`). The dataset's `on_epoch_begin` runs before
each pass and `on_epoch_end` after it; with `steps_per_epoch` unset a pass is
an epoch.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Iterable, Iterator, List, Optional, Tuple

from lamina.trainers.data_adapters import loader_scope, process_loader
from lamina.trainers.data_adapters.array_data_adapter import Batch
from lamina.trainers.data_adapters.batch_unpacking import load_item
from lamina.trainers.data_adapters.queue_settings import QueueSettings
from lamina.trainers.data_adapters.thread_loader import OrderedThreadLoader
from lamina.utils import rng_utils

Prepare = Callable[[Tuple[Any, ...]], Batch]
_MIN_SLOT_BYTES = 16 << 20  # pages of a shared slot are only committed when written


class _Pass:
    """One pass over the dataset; `finish()` runs `on_epoch_end` once all of it was used."""

    def __init__(self, adapter: PyDatasetAdapter, order: List[int]) -> None:
        self.adapter = adapter
        self.remaining = len(order)
        self._loader = adapter._open_loader(order)
        self._items = iter(self._loader)
        self._finished = False

    def __iter__(self) -> _Pass:
        return self

    def __next__(self) -> Batch:
        if self.remaining == 0:
            self.finish()
            raise StopIteration
        try:
            raw = next(self._items)
        except BaseException:
            self.close()
            raise
        self.remaining -= 1
        return self.adapter._prepare(raw)

    def close(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None and hasattr(loader, "close"):
            self.adapter._loader_closed(loader)
            loader.close()

    def finish(self) -> None:
        self.close()
        if not self._finished:
            self._finished = True
            self.adapter._end_pass()


class PyDatasetAdapter:
    """Adapts a Sequence / PyDataset for one `fit`/`evaluate`/`predict` call.

    Args:
        dataset: has `__getitem__` and `__len__` (or a `num_batches` property
            that may be None for an endless dataset).
        prepare: turns the loaded `(x, y, sample_weight)` into a `Batch`.
        shuffle: shuffle the batch order each pass.
        settings: where the batches are loaded.

    Raises:
        ValueError: for a dataset with no batches.
        TypeError: for spawn/forkserver processes and a dataset that cannot
            be pickled.
    """

    can_run_dry = False

    def __init__(self, dataset: Any, prepare: Prepare, shuffle: Any,
                 settings: QueueSettings) -> None:
        self.dataset = dataset
        self._prepare = prepare
        self.shuffle = bool(shuffle)
        self.settings = settings
        self.num_batches: Optional[int] = _num_batches(dataset)
        if self.num_batches == 0:
            raise ValueError(
                f"The {type(dataset).__name__} passed as data has no batches (its length is 0)."
            )
        if settings.start_method in ("spawn", "forkserver"):
            process_loader.check_picklable(dataset, settings.start_method)
        self._slot_size = _MIN_SLOT_BYTES
        self._first: Optional[Batch] = None
        self._current: Optional[_Pass] = None

    def peek(self) -> Batch:
        """Batch 0 loaded here (once), to build the model before workers start."""
        if self._first is None:
            self._first = self._prepare(load_item(self.dataset, 0))
        return self._first

    def get_epoch_batches(self) -> Iterator[Batch]:
        if hasattr(self.dataset, "on_epoch_begin"):
            self.dataset.on_epoch_begin()
        if self.num_batches is None:  # endless: one pass, cut into epochs by the steps
            return (self._prepare(raw) for raw in self._open_loader(_count()))
        order = list(range(self.num_batches))
        if self.shuffle:
            rng_utils.generator().shuffle(order)
        # One pass at a time: a pass left unfinished (validation_steps < len)
        # stops its workers when the next one starts.
        if self._current is not None:
            self._current.close()
        self._current = _Pass(self, order)
        return self._current

    def _open_loader(self, order: Iterable[int]) -> Any:
        s = self.settings
        if not s.in_background:
            return (load_item(self.dataset, i) for i in order)
        if s.start_method is None:
            loader: Any = OrderedThreadLoader(
                lambda i: load_item(self.dataset, i), order, s.workers, s.max_queue_size
            )
        else:
            loader = process_loader.OrderedProcessLoader(
                self.dataset, order, max(s.workers, 1), s.max_queue_size, s.start_method,
                self._slot_size,
            )
        loader_scope.register(loader)
        return loader

    def _loader_closed(self, loader: Any) -> None:
        largest = getattr(loader, "largest_batch", 0)
        if largest * 2 > self._slot_size:  # the next pass's slots fit every batch seen
            self._slot_size = largest * 2

    def _end_pass(self) -> None:
        if hasattr(self.dataset, "on_epoch_end"):
            self.dataset.on_epoch_end()

    def close(self) -> None:
        """Nothing to do: each pass's loader is closed by the pass or the call's scope."""


def _num_batches(dataset: Any) -> Optional[int]:
    n = getattr(type(dataset), "num_batches", None)
    if isinstance(n, property):
        value = dataset.num_batches
    else:
        value = len(dataset)
    if value is None:
        return None
    try:
        n = operator.index(value)  # numpy integers too
    except TypeError:
        n = -1
    if isinstance(value, bool) or n < 0:
        raise ValueError(
            f"The length of {type(dataset).__name__} must be a non-negative integer. "
            f"Received: {value!r}"
        )
    return n


def _count() -> Iterator[int]:
    i = 0
    while True:
        yield i
        i += 1
