"""The `History` callback, as `keras.callbacks.History` in Keras 3."""

from __future__ import annotations

from typing import Any, Dict, List

from lamina.callbacks.callback import Callback, Logs

__all__ = ["History"]


class History(Callback):
    """Records each epoch's logs; `fit()` returns this object.

    `fit()` adds one automatically. After training, `history` maps each log
    name to one value per epoch that ran, and `epoch` lists those epochs'
    0-based indices, e.g. `history.history["loss"]`.

    As in Keras 3, `history` is not cleared by a new `fit()` (each `fit()`
    normally builds a fresh `History`); `epoch` is reset in `on_train_begin`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: Dict[str, List[Any]] = {}
        self.epoch: List[int] = []

    def on_train_begin(self, logs: Logs = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        # Keep `model.history` pointing at the newest record even if the
        # model was given another History in between.
        if self.model is not None:
            self.model.history = self
