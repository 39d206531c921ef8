"""`ModelCheckpoint`: saves the model or its weights during `fit()`, as in Keras 3.

Every file is written by lamina's saving code (`model.save` /
`model.save_weights`), which writes atomically: a crash in the middle of a
checkpoint leaves the previous checkpoint file as it was.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, Optional, Union

import numpy as np

from lamina.callbacks.callback import Logs
from lamina.callbacks.monitor_callback import MonitorCallback

__all__ = ["ModelCheckpoint"]

def _is_full_model_path(path: str) -> bool:
    return path.endswith((".keras", ".h5", ".hdf5"))


def _is_weights_path(path: str) -> bool:
    # `.weights.h5` is Keras 3's format; plain `.h5`/`.hdf5` are tf.keras
    # 2.x's legacy HDF5 weights, which Keras 3 refuses and lamina accepts.
    return path.endswith((".weights.h5", ".h5", ".hdf5"))


class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights at the end of every epoch or every
    `save_freq` batches, optionally only when the monitored value improves.

    Args:
        filepath: where to save (str or path-like). It may contain format
            fields filled with `epoch` (1-based), `batch` (1-based, when
            `save_freq` is an integer) and the keys of `logs`, e.g.
            `"w.{epoch:02d}-{val_loss:.2f}.keras"`. Missing parent directories
            are created. It must end in `.keras` (Keras 3 format) or
            `.h5`/`.hdf5` (legacy HDF5) for a full model, and in
            `.weights.h5` (or legacy `.h5`/`.hdf5`) with
            `save_weights_only=True`.
        monitor: the `logs` key compared when `save_best_only=True`.
        verbose: 0 (silent) or 1 (a message for every decision and save).
        save_best_only: save only when `monitor` improves on the best value
            seen so far.
        save_weights_only: save with `model.save_weights` (weights and
            optimizer state) instead of `model.save`.
        mode: `"min"`, `"max"` or `"auto"` (a loss is minimised, accuracy-like
            metrics maximised).
        save_freq: `"epoch"`, or an integer number of batches between saves.
        initial_value_threshold: the best value to beat before the first save
            when `save_best_only=True`.
        options: tf.keras 2.x's argument, accepted and ignored.
        **kwargs: tf.keras 2.x's deprecated `period` (save every `period`
            epochs) is accepted.

    Raises:
        ValueError: for an unknown `save_freq` or an unsupported extension.
    """

    def __init__(
        self,
        filepath: Any,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: Union[str, int] = "epoch",
        initial_value_threshold: Optional[float] = None,
        options: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(monitor, mode, initial_value_threshold, 0)
        self.verbose = verbose
        self.filepath = os.fspath(filepath) if isinstance(filepath, os.PathLike) else filepath
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.period = int(kwargs.pop("period", 1))
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: Optional[int] = None
        self._current_epoch = 0
        self._epochs_since_last_save = 0

        if self.save_freq != "epoch" and (
                not isinstance(self.save_freq, int) or isinstance(self.save_freq, bool)):
            raise ValueError(
                f"Unrecognized save_freq: {self.save_freq}. "
                "Expected save_freq are 'epoch' or integer values"
            )
        path = str(self.filepath)
        if save_weights_only:
            if not _is_weights_path(path):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format), or in "
                    f"`.h5`/`.hdf5` (legacy HDF5). Received: filepath={path}"
                )
        elif not _is_full_model_path(path):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format), or in "
                f"`.h5`/`.hdf5` (legacy HDF5). Received: filepath={path}"
            )

    # -- hooks ---------------------------------------------------------------------

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.monitor_op is None:
            # Set up once the metrics are resolved (after the first batches).
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._epochs_since_last_save += 1
            if self._epochs_since_last_save >= self.period:
                self._epochs_since_last_save = 0
                self._save_model(epoch=epoch, batch=None, logs=logs)

    # -- decisions -------------------------------------------------------------------

    def _should_save_on_batch(self, batch: int) -> bool:
        """Counts batches (a new epoch restarts the index) up to `save_freq`."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batches are 0-based
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= int(self.save_freq):
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: Dict[str, Any], filepath: str) -> bool:
        """Whether to save now; prints Keras's verbose messages."""
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=3,
            )
            return True
        if self.monitor_op is None:
            # A batch-level save before the first epoch ended.
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch: int, batch: Optional[int], logs: Logs) -> None:
        """Saves through `model.save`/`model.save_weights` (atomic writes).

        Raises:
            OSError: if the formatted path is an existing directory.
        """
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname and not os.path.exists(dirname):
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: Optional[int], logs: Dict[str, Any]) -> str:
        """`filepath` with `epoch` (1-based), `batch` (1-based) and `logs` filled in.

        Raises:
            KeyError: Keras's message, when a field is not in `logs`.
        """
        try:
            if batch is None or "batch" in logs:
                return str(self.filepath).format(epoch=epoch + 1, **logs)
            return str(self.filepath).format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from None
