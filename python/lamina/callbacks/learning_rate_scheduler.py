"""`LearningRateScheduler`: sets the learning rate from a function of the epoch."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lamina.callbacks.callback import Callback, Logs
from lamina.callbacks.monitor_callback import print_msg

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of every epoch.

    `schedule(epoch, lr)` gets the 0-based epoch index and the current rate
    and returns the new rate; a one-argument `schedule(epoch)` (the old API)
    is called when the two-argument call raises `TypeError`. At the end of
    each epoch the rate is added to `logs` as `learning_rate`.

    Args:
        schedule: The function `(epoch, lr) -> float` (or `epoch -> float`).
        verbose: 0 silent, 1 prints the rate set at each epoch.

    Raises:
        ValueError: if `schedule` returns something other than a float, or
            the optimizer has no `learning_rate`.
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer: Any, epoch: int) -> Any:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = float(np.asarray(optimizer.learning_rate))
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # the old one-argument API
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        optimizer = self.model.optimizer
        subs = getattr(optimizer, "optimizers", None)
        if subs is not None:
            for opt in subs:
                learning_rate = self._update_optimizer_lr(opt, epoch)
                if self.verbose > 0:
                    print_msg(
                        f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                        f"{opt.name} learning rate to {learning_rate}."
                    )
            return
        learning_rate = self._update_optimizer_lr(optimizer, epoch)
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                f"learning rate to {learning_rate}."
            )

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        subs = getattr(optimizer, "optimizers", None)
        if subs is not None:
            for opt in subs:
                logs[f"learning_rate_{opt.name}"] = float(np.asarray(opt.learning_rate))
        else:
            logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
