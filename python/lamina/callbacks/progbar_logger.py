"""The `ProgbarLogger` callback, as `keras.callbacks.ProgbarLogger` in Keras 3."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina.callbacks.callback import Callback, Logs
from lamina.utils.progbar import Progbar, write_to_stdout

__all__ = ["ProgbarLogger"]


class ProgbarLogger(Callback):
    """Prints progress and metrics to stdout.

    `fit()`, `evaluate()` and `predict()` add one when `verbose != 0`. It
    prints `Epoch k/N` before each epoch when `N > 1`, a progress bar over the
    training batches (`verbose=1`) or one line per epoch (`verbose=2`), and at
    the end of the epoch the epoch's metrics including the `val_` ones.
    Validation inside `fit()` is silent; a standalone `evaluate()` or
    `predict()` shows its own bar. Metrics are shown as the trainer reports
    them (already averaged), in the sorted order `CallbackList` gives them.

    The bar is `lamina.utils.Progbar`, so it only redraws in place on a
    terminal or in a notebook and writes plain lines elsewhere.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Optional[Progbar] = None
        self.target: Optional[int] = None
        self.verbose: Any = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: Optional[Dict[str, Any]]) -> None:
        super().set_params(params)
        params = params or {}
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: Logs = None) -> None:
        # Validation runs between on_train_begin and on_train_end; keep it quiet.
        self._called_in_fit = True

    def on_test_begin(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            write_to_stdout(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        # The logs hold the batch's predictions, which are not metrics.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: Logs = None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> Progbar:
        if self.progbar is None:
            # The trainer's logs are running averages already: show them as-is.
            self.progbar = Progbar(
                target=self.target,
                verbose=self.verbose,
                unit_name="step",
                stateless_metrics=set(),
            )
        return self.progbar

    def _update_progbar(self, batch: int, logs: Logs) -> None:
        progbar = self._maybe_init_progbar()
        self.seen = batch + 1  # batch indices are 0-based
        if self.verbose == 1:
            progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs: Logs) -> None:
        progbar = self._maybe_init_progbar()
        if self.target is None:
            # Unknown length (e.g. a generator): the first pass tells it.
            self.target = self.seen
            progbar.target = self.target
        progbar.update(self.target, list((logs or {}).items()), finalize=True)
