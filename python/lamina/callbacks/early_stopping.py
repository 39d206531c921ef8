"""`EarlyStopping`: stops training when a monitored quantity stops improving."""

from __future__ import annotations

import warnings
from typing import Any, List, Optional

import numpy as np

from lamina.callbacks.callback import Logs
from lamina.callbacks.monitor_callback import MonitorCallback, print_msg

__all__ = ["EarlyStopping"]

class EarlyStopping(MonitorCallback):
    """Stops training when a monitored quantity has stopped improving.

    At the end of every epoch the monitored value is compared with the best
    one so far; after `patience` epochs without improvement (by more than
    `min_delta`) `model.stop_training` is set and `fit` ends after that epoch.

    Args:
        monitor: The `logs` key to watch. Defaults to `"val_loss"`.
        min_delta: Minimum change that counts as an improvement.
        patience: Number of epochs without improvement after which training
            stops.
        verbose: 0 silent, 1 prints a message when the callback acts.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        baseline: A value the monitored quantity must beat; until it does,
            the patience counter is not reset.
        restore_best_weights: Whether to restore the weights of the best epoch
            when training ends (whether or not it stopped early, as Keras 3
            does).
        start_from_epoch: Number of warm-up epochs not monitored at all.

    Raises:
        ValueError: at the first epoch end, if `mode="auto"` and the
            direction of `monitor` cannot be determined.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: Optional[float] = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights: Optional[List[np.ndarray]] = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: Logs = None) -> None:
        # Reset, so that one instance can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Nothing better seen yet: the current weights are the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The counter restarts only once the baseline is beaten too.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: Logs) -> Any:
        """The monitored value in `logs`, or None with a warning if absent."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return value
