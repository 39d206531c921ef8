"""Steps over an adapter's batches.

Separation of concerns, as in Keras: the adapter owns shuffling, batching
and loading (its workers); this iterator owns steps (`steps_per_epoch` may
cut an epoch short or run past the end of the data, restarting it); the
trainer owns epochs, validation and callbacks.

A generator cannot restart: when it runs dry before `steps_per_epoch`, the
epoch ends there with one warning, and an epoch that would start with no
data at all is not started (`start_epoch` returns None), so `fit` stops
without recording an empty epoch.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator, Optional, Tuple

from lamina.trainers.data_adapters import user_warning
from lamina.trainers.data_adapters.array_data_adapter import Batch


class EpochIterator:
    """Steps of one `fit`/`evaluate`/`predict` call over `adapter`.

    Args:
        adapter: has `get_epoch_batches()` (one pass) and `num_batches`
            (None when unknown); `can_run_dry` marks a stream that may have
            nothing left at the start of an epoch, `one_shot` one that
            cannot restart.
        steps_per_epoch: batches per epoch; None for one pass.

    Raises:
        ValueError: for a `steps_per_epoch` that is not a positive integer.
    """

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
        self._can_run_dry = bool(getattr(adapter, "can_run_dry", False))
        self._one_shot = bool(getattr(adapter, "one_shot", False))
        self._warned_short = False
        self.batches_seen = 0

    @property
    def num_batches(self) -> Optional[int]:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        n = self.adapter.num_batches
        return None if n is None else int(n)

    def start_epoch(self) -> Optional[Iterator[Tuple[int, Batch]]]:
        """This epoch's (step, batch) pairs; None when a stream that cannot
        restart has nothing left (after a warning that says so)."""
        steps = self._enumerate()
        if not self._can_run_dry:
            return steps
        first = next(steps, None)
        if first is None:
            user_warning.warn(
                f"Your input ran out of data: no batch is left for the next epoch, so training "
                f"stops here (the data yielded {self._total_seen()} batches in all; no empty "
                "epoch is recorded). Make the generator loop forever and set "
                "`steps_per_epoch`, or lower `epochs`."
            )
            return None
        return itertools.chain([first], steps)

    def enumerate_epoch(self) -> Iterator[Tuple[int, Batch]]:
        """One epoch's (step, batch) pairs (an evaluation pass, a predict pass)."""
        ran = False
        for pair in self._enumerate():
            ran = True
            yield pair
        if not ran and self._can_run_dry:
            user_warning.warn(
                "Your input ran out of data: no batch is left for this pass (the data yielded "
                f"{self._total_seen()} batches in all), so it produces no results. Make the "
                "generator loop forever and set the number of steps."
            )

    def _enumerate(self) -> Iterator[Tuple[int, Batch]]:
        if self.steps_per_epoch is None:
            for step, batch in enumerate(self.adapter.get_epoch_batches()):
                self.batches_seen += 1
                yield step, batch
            return
        # With a step count, one pass over the data may span several epochs
        # (or an epoch several passes): keep the iterator between epochs.
        for step in range(self.steps_per_epoch):
            batch = self._next_batch()
            if batch is None:
                if step > 0 and not self._warned_short:
                    self._warned_short = True
                    user_warning.warn(
                        f"Your input ran out of data after {step} of the {self.steps_per_epoch} "
                        "steps of this epoch; the epoch ends here. Make sure that your "
                        "generator can generate at least `steps_per_epoch * epochs` batches."
                    )
                return
            self.batches_seen += 1
            yield step, batch
            self._finish_pass_if_used()

    def _total_seen(self) -> int:
        # A stream's adapter outlives this iterator (validation makes one per run).
        return int(getattr(self.adapter, "batches_seen", self.batches_seen))

    def _next_batch(self) -> Optional[Batch]:
        fresh = False
        while True:
            if self._pending is None:
                if fresh:
                    return None  # a new pass yielded nothing: no data at all
                self._pending = iter(self.adapter.get_epoch_batches())
                fresh = True
            batch = next(self._pending, None)
            if batch is not None:
                return batch
            self._pending = None
            if self._one_shot:
                return None

    def _finish_pass_if_used(self) -> None:
        # A dataset pass whose batches have all been taken ends now (running
        # its on_epoch_end), not when the next epoch asks for more.
        pending = self._pending
        if pending is not None and getattr(pending, "remaining", None) == 0:
            pending.finish()  # type: ignore[attr-defined]
            self._pending = None
