"""`BackupAndRestore`: resumes an interrupted `fit()`, as in Keras 3.

Layout of `backup_dir` (Keras 3's, so either library can resume the other's
run where the weights agree):

    latest.weights.h5           weights and optimizer state (`save_weights`)
    training_metadata.json      {"epoch": <next epoch to run>, "batch": <last batch>}
    *.bkp                       the previous pair, with `double_checkpoint=True`

Both files are written atomically (lamina's saving code and
`saving.file_io`), so a crash during a backup leaves the previous file
intact. The weights are written before the metadata: a crash between the two
leaves newer weights with the previous position, as in Keras.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any, Union

from lamina.callbacks.callback import Callback, Logs

__all__ = ["BackupAndRestore"]


def _copy_atomically(src: str, dst: str) -> None:
    from lamina.saving import file_io

    with open(src, "rb") as f:
        file_io.write_bytes(dst, f.read())


class BackupAndRestore(Callback):
    """Backs up the training state and restores it when `fit()` is run again.

    At the end of every epoch (or every `save_freq` batches) the model's
    weights, its optimizer's state and the training position are written to
    `backup_dir`. A later `fit()` with a `BackupAndRestore` on the same
    directory loads them at `on_train_begin` and starts at the saved epoch
    (overriding `initial_epoch`). A `fit()` that ends normally deletes the
    backup.

    Args:
        backup_dir: directory for the backup; no other callback or run may
            use it.
        save_freq: `"epoch"`, or an integer number of batches between backups.
            A mid-epoch backup resumes at the start of that epoch, with the
            weights of the backup (as Keras does).
        double_checkpoint: keep the previous backup too, and fall back to it
            when the latest cannot be read.
        delete_checkpoint: delete `backup_dir` when training ends normally.

    Raises:
        ValueError: for an empty `backup_dir` or an unknown `save_freq`.
    """

    def __init__(
        self,
        backup_dir: Any,
        save_freq: Union[str, int] = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq}. "
                "Expected either 'epoch' or an integer value."
            )

    # -- restore ---------------------------------------------------------------------

    def on_train_begin(self, logs: Logs = None) -> None:
        """Restores the backup, falling back to the previous one if unreadable.

        Raises:
            OSError / ValueError: when the backup cannot be read and there is
                no readable previous one.
        """
        try:
            self._load_model()
        except (OSError, ValueError):
            # The latest backup is unreadable (h5py raises OSError for a
            # damaged file, lamina's loader ValueError): try the previous one.
            if not os.path.exists(self._prev_weights_path):
                raise
            _copy_atomically(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomically(self._prev_training_metadata_path,
                                 self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self) -> None:
        """Loads weights, optimizer state and the epoch to resume at.

        Raises:
            ValueError: if the model is not built.
        """
        model = self.model
        if not getattr(model, "built", False):
            raise ValueError(
                "To use the BackupAndRestore callback, you model must be built before you "
                f"call `fit()`. Model {model} is unbuilt. You can build it beforehand by "
                "calling it on a batch of data."
            )
        if os.path.exists(self._weights_path):
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_weights)  # slots must exist to be loaded
            model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, encoding="utf-8") as f:
                metadata = json.loads(f.read())
            # Read by the fit loop once on_train_begin has run.
            model._initial_epoch = int(metadata["epoch"])

    # -- back up ---------------------------------------------------------------------

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= int(self.save_freq):
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self) -> None:
        """Writes the weights, then the training position, each atomically."""
        from lamina.saving import file_io

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            _copy_atomically(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            _copy_atomically(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        file_io.write_bytes(self._training_metadata_path, json.dumps(metadata).encode("utf-8"))

    def on_train_end(self, logs: Logs = None) -> None:
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
