"""`ReduceLROnPlateau`: lowers the learning rate when a metric stops improving."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lamina.callbacks.callback import Logs
from lamina.callbacks.monitor_callback import MonitorCallback, print_msg

__all__ = ["ReduceLROnPlateau"]


def _sub_optimizers(optimizer: Any) -> Any:
    """The optimizers of a multi-optimizer (Keras's `optimizers` attribute)."""
    return getattr(optimizer, "optimizers", None)


class ReduceLROnPlateau(MonitorCallback):
    """Reduces the learning rate when a metric has stopped improving.

    After `patience` epochs without an improvement of more than `min_delta`,
    the rate becomes `max(lr * factor, min_lr)` and `cooldown` epochs follow
    in which no further reduction happens. At every epoch end the rate in
    force during that epoch is added to `logs` as `learning_rate` (so History
    and CSVLogger after this callback record it), as Keras 3 does.

    Args:
        monitor: The `logs` key to watch. Defaults to `"val_loss"`.
        factor: Multiplier applied to the rate, below 1.
        patience: Epochs without improvement before the rate is reduced.
        verbose: 0 silent, 1 prints a message on each reduction.
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: Minimum change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: Lower bound of the learning rate.
        **kwargs: Ignored, as in Keras 3, except tf.keras 2.x's `epsilon`
            (the old name of `min_delta`), which lamina honours with a
            warning so that old scripts keep their meaning.

    Raises:
        ValueError: if `factor >= 1.0`.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                stacklevel=2,
            )
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        """Resets the counters and the best value."""
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than `cooldown` epochs ago."""
        return self.cooldown_counter > 0

    def _reduce_optimizer_lr(self, optimizer: Any, epoch: int, name: str = "") -> bool:
        old_lr = float(np.asarray(optimizer.learning_rate))
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                name_str = f" {name}" if name else ""
                print_msg(
                    f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} "
                    f"learning rate to {new_lr}."
                )
            return True
        return False

    def on_train_begin(self, logs: Logs = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        subs = _sub_optimizers(optimizer)
        if subs is not None:
            for opt in subs:
                logs[f"learning_rate_{opt.name}"] = float(np.asarray(opt.learning_rate))
        else:
            logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))

        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                if subs is not None:
                    for opt in subs:
                        reduced = self._reduce_optimizer_lr(opt, epoch, f"{opt.name}") or reduced
                else:
                    reduced = self._reduce_optimizer_lr(optimizer, epoch)
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

