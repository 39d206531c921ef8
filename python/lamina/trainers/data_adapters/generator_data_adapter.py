"""Batches from a Python generator or iterator (one stream for the whole
call, never restarted or shuffled) or from a re-iterable object such as a
torch `DataLoader` (iterated afresh each epoch). Each element is `x`,
`(x, y)` or `(x, y, sample_weight)`.

The first element is read up front to build the model, then handed back as
the first batch. With workers, one background thread pulls the stream.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Optional, Tuple

from lamina.trainers.data_adapters import loader_scope, user_warning
from lamina.trainers.data_adapters.array_data_adapter import Batch
from lamina.trainers.data_adapters.batch_unpacking import to_float32_parts, unpack_batch
from lamina.trainers.data_adapters.queue_settings import QueueSettings
from lamina.trainers.data_adapters.thread_loader import GeneratorThreadLoader

Prepare = Callable[[Tuple[Any, ...]], Batch]


def _convert(item: Any) -> Tuple[Any, ...]:
    return to_float32_parts(unpack_batch(item))


class GeneratorDataAdapter:
    """Adapts a generator, iterator or re-iterable for one call.

    Args:
        source: an iterator (`__next__`) or an iterable (`__iter__`).
        prepare: turns `(x, y, sample_weight)` into a `Batch`.
        settings: `workers >= 1` in the background loads in one thread;
            processes are refused for an iterator (see below).
    """

    def __init__(self, source: Any, prepare: Prepare, settings: QueueSettings) -> None:
        self.source = source
        self._prepare = prepare
        self.one_shot = hasattr(source, "__next__")
        # An iterator runs out for good; a re-iterable starts again each epoch.
        self.can_run_dry = True
        self.num_batches: Optional[int] = None
        if not self.one_shot:
            try:
                self.num_batches = len(source)
            except TypeError:
                self.num_batches = None
        self.settings = settings
        if settings.start_method is not None and settings.in_background:
            user_warning.warn(
                "use_multiprocessing=True with a Python generator: each worker process would "
                "replay its own copy of the generator and yield every batch several times, so "
                "lamina reads it in one background thread instead. To load batches in parallel "
                "processes, use a `keras.utils.PyDataset` (or `Sequence`)."
            )
        self._stream: Optional[Iterator[Any]] = None
        self._loader: Optional[GeneratorThreadLoader] = None
        self._first: Optional[Batch] = None
        self._first_pending = False
        self.batches_seen = 0

    def _open(self) -> Iterator[Any]:
        iterator = iter(self.source)
        if self.settings.in_background:
            if self._loader is not None:  # a re-iterable's previous pass
                self._loader.close()
            loader = GeneratorThreadLoader(iterator, self.settings.max_queue_size, _convert)
            loader_scope.register(loader)
            self._loader = loader
            return loader
        return (_convert(item) for item in iterator)

    def peek(self) -> Batch:
        """The first batch (read once), to build the model."""
        if self._first is None:
            iterator = iter(self.source)
            try:
                item = next(iterator)
            except StopIteration:
                raise ValueError(
                    "When passing a Python generator to a Keras model, the generator must yield "
                    f"at least one batch. Received an empty {type(self.source).__name__}."
                ) from None
            self._first = self._prepare(_convert(item))
            self._first_pending = True
            if self.one_shot:
                self._stream = self._open()
        return self._first

    def get_epoch_batches(self) -> Iterator[Batch]:
        if self.one_shot:
            if self._stream is None:
                self._stream = self._open()
            raw: Iterator[Any] = self._stream
        else:
            raw = self._open()
        batches: Iterator[Batch] = (self._prepare(r) for r in raw)
        if self._first_pending and self._first is not None:
            # The peeked element is the stream's first batch; a re-iterable
            # yields it again itself, so it is only reused for an iterator.
            self._first_pending = False
            if self.one_shot:
                batches = itertools.chain([self._first], batches)
        return self._counted(batches)

    def _counted(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        for batch in batches:
            self.batches_seen += 1
            yield batch

    def close(self) -> None:
        """Nothing to do: the background thread is closed by the call's scope."""
