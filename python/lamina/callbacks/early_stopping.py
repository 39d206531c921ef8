"""`EarlyStopping`, and the monitoring logic it shares with `ReduceLROnPlateau`.

Keras 3 keeps that logic in a private `MonitorCallback` base class; lamina does
the same here (`_MonitorCallback`), so the two callbacks judge "improvement"
identically: `current - min_delta` compared with the reference value in
float32, as Keras's `ops.less`/`ops.greater` compare Python floats.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, List, Optional

import numpy as np

from lamina.callbacks.callback import Callback, Logs

__all__ = ["EarlyStopping"]

# Keras 3 metrics carry `_direction`; lamina's do not (yet), so the direction
# `mode="auto"` needs is looked up by class name along the metric's MRO. The
# table is the `_direction` each of these classes sets in Keras 3.15.
_METRIC_DIRECTIONS = {
    "Accuracy": "up",
    "BinaryAccuracy": "up",
    "CategoricalAccuracy": "up",
    "SparseCategoricalAccuracy": "up",
    "TopKCategoricalAccuracy": "up",
    "SparseTopKCategoricalAccuracy": "up",
    "Precision": "up",
    "Recall": "up",
    "SensitivitySpecificityBase": "up",
    "_AtConstraint": "up",  # lamina's name for SensitivitySpecificityBase
    "AUC": "up",
    "PearsonCorrelation": "up",
    "ConcordanceCorrelation": "up",
    "FBetaScore": "up",
    "IoU": "up",
    "_IoUBase": "up",
    "CosineSimilarity": "up",
    "R2Score": "up",
    "Hinge": "down",
    "SquaredHinge": "down",
    "CategoricalHinge": "down",
    "BinaryCrossentropy": "down",
    "CategoricalCrossentropy": "down",
    "SparseCategoricalCrossentropy": "down",
    "MeanSquaredError": "down",
    "MeanAbsoluteError": "down",
    "MeanAbsolutePercentageError": "down",
    "MeanSquaredLogarithmicError": "down",
    "RootMeanSquaredError": "down",
    "LogCoshError": "down",
}


def _print_msg(message: str) -> None:
    """Prints a callback message as Keras's `io_utils.print_msg` does."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _metric_direction(metric: Any) -> Optional[str]:
    """`"up"`, `"down"` or None (unknown) for one compiled metric."""
    metric = getattr(metric, "metric", metric)  # unwrap Python-side metrics
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return str(direction)
    for cls in type(metric).__mro__:
        if cls.__name__ in _METRIC_DIRECTIONS:
            return _METRIC_DIRECTIONS[cls.__name__]
    # Keras: a MeanMetricWrapper around a loss function is to be minimised.
    fn = getattr(metric, "_fn", None)
    if fn is not None:
        from lamina import losses

        known = losses.ALL_OBJECTS_DICT.values()
        if any(fn is obj or type(fn) is obj for obj in known):
            return "down"
    return None


def _compiled_metrics(model: Any) -> List[Any]:
    compiled = getattr(model, "_compiled_metrics", None)
    if compiled is None:
        return []
    try:
        return list(compiled.metrics)
    except Exception:  # not resolved yet, or a foreign object
        return []


class _MonitorCallback(Callback):
    """Base of the callbacks that watch one quantity of `logs` for improvement.

    Args:
        monitor: The `logs` key to watch.
        mode: `"auto"`, `"min"` or `"max"`; an unknown mode warns and falls
            back to `"auto"`, which minimises `loss`/`val_loss` and otherwise
            follows the direction of the compiled metric of that name.
        baseline: Initial best value, or None to take the first value.
        min_delta: Smallest change that counts as an improvement (its sign is
            ignored).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: Optional[float] = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best: Optional[float] = baseline
        self.min_delta = abs(min_delta)
        # "min" or "max" once resolved; Keras resolves it at the first
        # on_epoch_end, when the model's metrics are all built.
        self.monitor_op: Optional[str] = None

    def _set_monitor_op(self) -> None:
        if self.mode in ("min", "max"):
            self.monitor_op = self.mode
        else:
            name = self.monitor[len("val_"):] if self.monitor.startswith("val_") else self.monitor
            if name == "loss":
                self.monitor_op = "min"
            for metric in _compiled_metrics(self.model):
                if getattr(metric, "name", None) == name:
                    direction = _metric_direction(metric)
                    if direction is not None:
                        self.monitor_op = "max" if direction == "up" else "min"
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric "
                    "should be maximized or minimized. Pass `mode='max'` in order to "
                    "monitor based on the highest metric value, or pass `mode='min'` in "
                    "order to use the lowest value."
                )
        if self.monitor_op == "min":
            self.min_delta *= -1

    def _is_improvement(self, value: float, reference: Optional[float]) -> bool:
        if reference is None:
            return True
        shifted = np.float32(value - self.min_delta)
        if self.monitor_op == "min":
            return bool(shifted < np.float32(reference))
        return bool(shifted > np.float32(reference))


class EarlyStopping(_MonitorCallback):
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
        mode: `"auto"`, `"min"` or `"max"` (see `_MonitorCallback`).
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
            _print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print_msg(
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
