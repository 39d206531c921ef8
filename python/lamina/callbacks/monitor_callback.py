"""The monitoring logic shared by EarlyStopping, ReduceLROnPlateau and
ModelCheckpoint (Keras 3 keeps it in a private `MonitorCallback` base class):
`mode` with its `auto` resolution, and the improvement test
`current - min_delta` compared with the reference value in float32, as Keras's
`ops.less`/`ops.greater` compare Python floats.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, List, Optional

import numpy as np

from lamina.callbacks.callback import Callback

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
    "RecallAtPrecision": "up",
    "PrecisionAtRecall": "up",
    "SpecificityAtSensitivity": "up",
    "SensitivityAtSpecificity": "up",
    "BinaryIoU": "up",
    "OneHotMeanIoU": "up",
    "OneHotIoU": "up",
    "MeanIoU": "up",
    "F1Score": "up",
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


def print_msg(message: str) -> None:
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


class MonitorCallback(Callback):
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
