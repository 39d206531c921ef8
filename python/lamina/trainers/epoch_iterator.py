"""Steps over an adapter's batches.

Separation of concerns, as in Keras: the adapter owns shuffling and
batching; this iterator owns steps (`steps_per_epoch` may cut an epoch short
or run past the end of the data, restarting it); the trainer owns epochs,
validation and callbacks.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Tuple

from lamina.trainers.data_adapters.array_data_adapter import Batch


class EpochIterator:
    def __init__(self, adapter: Any, steps_per_epoch: Optional[int] = None) -> None:
        if steps_per_epoch is not None and (
            isinstance(steps_per_epoch, bool)
            or not isinstance(steps_per_epoch, int)
            or steps_per_epoch <= 0
        ):
            raise ValueError(
                "`steps_per_epoch` must be a positive integer or None. "
                f"Received: steps_per_epoch={steps_per_epoch}"
            )
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self._pending: Optional[Iterator[Batch]] = None

    @property
    def num_batches(self) -> int:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return int(self.adapter.num_batches)

    def enumerate_epoch(self) -> Iterator[Tuple[int, Batch]]:
        if self.steps_per_epoch is None:
            yield from enumerate(self.adapter.get_epoch_batches())
            return
        # With a step count, one pass over the data may span several epochs
        # (or an epoch several passes): keep the iterator between epochs.
        if self.adapter.num_batches == 0:
            return
        for step in range(self.steps_per_epoch):
            batch = None
            while batch is None:
                if self._pending is None:
                    self._pending = self.adapter.get_epoch_batches()
                batch = next(self._pending, None)
                if batch is None:
                    self._pending = None
            yield step, batch
