"""`TerminateOnNaN`: stops training when the loss becomes NaN or infinite."""

from __future__ import annotations

import numpy as np

from lamina.callbacks.callback import Callback, Logs
from lamina.callbacks.monitor_callback import print_msg

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops training when a batch's `loss` is NaN or infinite.

    Checked after every training batch (through the legacy `on_batch_end`,
    as in Keras, so the check also runs from `on_train_batch_end`).

    Args:
        raise_error: If False (default), prints
            `Batch N: Invalid loss, terminating training` and sets
            `model.stop_training`, so `fit` ends after that batch with the
            epoch closed normally. If True, raises at once instead.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Checks the loss of the batch just trained.

        Raises:
            RuntimeError: if the loss is NaN/Inf and `raise_error` is True.
        """
        logs = logs or {}
        loss = logs.get("loss")
        if loss is None:
            return
        if np.isnan(loss) or np.isinf(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. "
                    f"Loss value: {loss}. Terminating training immediately."
                )
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
