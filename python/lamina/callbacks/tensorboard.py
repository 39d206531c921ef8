"""TensorBoard: event files for the `tensorboard` tool, without TensorFlow.

Keras 3 writes through `tf.summary`; lamina writes the same runs, tags and
steps through tensorboardX, a maintained event-file writer on PyPI (the
optional extra `pip install 'lamina[tensorboard]'`), imported when the
callback is created, never by `import lamina`.

What is written, as Keras 3.15.1 does it:

- `log_dir/train`: `epoch_<metric>` for every training metric of the epoch
  logs (`epoch_loss`, `epoch_accuracy`, ...) and `epoch_learning_rate`, at
  step `epoch` (0-based); with `write_steps_per_second`, `epoch_steps_per_second`.
- `log_dir/validation`: `epoch_<metric>` for the `val_*` logs with the prefix
  removed (`epoch_loss`, ...), at step `epoch`; and at the end of every
  evaluation (validation in `fit` or `evaluate()`),
  `evaluation_<metric>_vs_iterations` at step `optimizer.iterations`.
- With an integer `update_freq` (or `"batch"`, i.e. 1): `batch_<metric>` (the
  running averages passed to `on_train_batch_end`) in `train`, at the global
  1-based batch count since `on_train_begin`, for the counts divisible by
  `update_freq`; with `write_steps_per_second`, `batch_steps_per_second`.
- With `histogram_freq > 0`: a histogram of every weight of every layer,
  tagged `<weight.path>/histogram` (e.g. `sequential/dense/kernel/histogram`),
  in `train` at step `epoch`, every `histogram_freq` epochs (epoch 0 included).

Differences from Keras 3.15.1:

- Scalars are stored as classic `simple_value` summaries and histograms as
  `HistogramProto`s (what tensorboardX writes); `tf.summary` stores both as
  tensors. The TensorBoard UI shows them the same way; a program reading the
  files with `EventAccumulator` finds them under `Scalars`/`Histograms`
  instead of `Tensors`.
- Keras gates every write with the `record_if` condition of the last batch
  when `update_freq` is an integer, so with `update_freq=3` and 2 batches per
  epoch it silently drops `epoch_*` scalars and histograms of epochs whose last
  global batch is not a multiple of 3 (and likewise `evaluation_*`). lamina
  writes epoch-level and evaluation summaries every time, as Keras does with
  `update_freq="epoch"`; only the `batch_*` scalars follow `update_freq`.
- Not written (arguments accepted and validated, for scripts to run
  unchanged): the model graph (`write_graph`, Keras's `keras` model-config
  summary), weight images (`write_images`), profiler traces
  (`profile_batch`) and embedding projector data (`embeddings_freq`,
  `embeddings_metadata`). Setting `write_images`, `profile_batch` or
  `embeddings_freq` warns once that nothing is written for them.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np

from lamina.callbacks.callback import Callback, Logs

__all__ = ["TensorBoard"]

_INSTALL_HINT = (
    "The TensorBoard callback needs the `tensorboardX` package to write event "
    "files. Install it with: pip install 'lamina[tensorboard]'"
)


def _summary_writer_class() -> Any:
    """Imports tensorboardX's `SummaryWriter`.

    Raises:
        ImportError: naming the extra to install when tensorboardX is missing.
    """
    try:
        from tensorboardX import SummaryWriter
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return SummaryWriter


def _parse_profile_batch(profile_batch: Any) -> Tuple[int, int]:
    """Validates `profile_batch` as Keras does and returns (start, stop).

    Raises:
        ValueError: unless it is a non-negative int, a 2-tuple/list of
            increasing non-negative ints, or a `"start,stop"` string.
    """
    message = (
        "profile_batch must be a non-negative integer or 2-tuple of positive "
        "integers. A pair of positive integers signifies a range of batches "
        f"to profile. Found: {profile_batch}"
    )
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError as exc:
            raise ValueError(message) from exc
        if len(value) == 1:
            value = value[0]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        start, stop = (int(v) for v in value)
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


class TensorBoard(Callback):
    """Enable visualizations for TensorBoard.

    Writes event files that `tensorboard --logdir=<log_dir>` displays: the
    epoch metrics and learning rate under `log_dir/train`, the validation
    metrics under `log_dir/validation`, optionally batch-level metrics and
    weight histograms. See the module docstring for the exact tags and steps
    and for what is accepted but not written (graph, images, profiling,
    embeddings). Needs `tensorboardX` (`pip install 'lamina[tensorboard]'`).

    Args:
        log_dir: the directory where the log files are saved, e.g.
            `os.path.join(working_dir, "logs")`. Should not be reused by other
            callbacks.
        histogram_freq: frequency (in epochs) at which weight histograms of
            the layers are written. 0 writes none.
        write_graph: accepted for compatibility; lamina writes no graph.
        write_images: accepted for compatibility; lamina writes no weight
            images.
        write_steps_per_second: whether to log the training steps per second,
            per epoch and (with an integer `update_freq`) per batch.
        update_freq: `"epoch"`, `"batch"` or an integer. With `"epoch"` the
            metrics are written after every epoch; with an integer `N`, the
            training metrics are also written every `N` batches (`"batch"` is
            `1`) as `batch_<metric>`.
        profile_batch: validated as in Keras (a non-negative int, or a pair
            of ints giving a range); lamina does not profile.
        embeddings_freq: accepted for compatibility; lamina writes no
            embedding projector data.
        embeddings_metadata: accepted for compatibility (see
            `embeddings_freq`).

    Raises:
        ImportError: if tensorboardX is not installed.
        ValueError: for an invalid `profile_batch`.

    Example:

    ```python
    tensorboard_callback = keras.callbacks.TensorBoard(log_dir="./logs")
    model.fit(x_train, y_train, epochs=2, callbacks=[tensorboard_callback])
    # Then: tensorboard --logdir=./logs
    ```
    """

    def __init__(
        self,
        log_dir: Union[str, os.PathLike] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: Union[str, int] = "epoch",
        profile_batch: Union[int, str, Tuple[int, int]] = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Optional[Union[str, Dict[str, str]]] = None,
    ) -> None:
        super().__init__()
        # Fail at creation, not after the first epoch of a long run.
        self._writer_class = _summary_writer_class()
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq: Union[str, int] = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _parse_profile_batch(profile_batch)
        not_written = [
            name
            for name, asked in (
                ("write_images", write_images),
                ("profile_batch", self._stop_batch > 0),
                ("embeddings_freq", embeddings_freq),
            )
            if asked
        ]
        if not_written:
            warnings.warn(
                "lamina's TensorBoard callback does not write weight images, profiler "
                f"traces or embeddings; ignoring {', '.join(not_written)}.",
                stacklevel=2,
            )
        self._training = False
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0
        # Created on first write, so no empty event files appear.
        self._writers: Dict[str, Any] = {}
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    def set_model(self, model: Any) -> None:
        """Stores the model and resets the writers (as Keras does)."""
        super().set_model(model)
        self._close_writers()
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # -- writers ---------------------------------------------------------------------

    def _writer(self, key: str) -> Any:
        if key not in self._writers:
            logdir = self._train_dir if key == "train" else self._val_dir
            self._writers[key] = self._writer_class(logdir=logdir)
        return self._writers[key]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _batch_level(self) -> bool:
        return self.update_freq != "epoch"

    # -- hooks -----------------------------------------------------------------------

    def on_train_begin(self, logs: Logs = None) -> None:
        """Resets the global batch count."""
        self._training = True
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_end(self, logs: Logs = None) -> None:
        """Flushes and closes the event files."""
        self._training = False
        self._close_writers()

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Counts the batch (1-based, across epochs) and starts its timer."""
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Writes `batch_<metric>` every `update_freq` batches."""
        if not self._batch_level():
            return
        step = self._global_train_batch
        if step % int(self.update_freq) != 0:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            if elapsed > 0:
                writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        if isinstance(logs, dict):
            for name, value in logs.items():
                writer.add_scalar(f"batch_{name}", _as_float(value), step)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Counts evaluation batches (Keras keeps this count too)."""
        self._global_test_batch += 1

    def on_test_end(self, logs: Logs = None) -> None:
        """Writes `evaluation_<metric>_vs_iterations` to the validation run."""
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(optimizer.iterations)
        writer = self._writer("val")
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", _as_float(value), step)
        if not self._training:
            # A lone `evaluate()` has no `on_train_end` to close the file, and
            # tensorboardX only writes queued events when closed (or every
            # 120 s); the next write opens a new event file in the same run.
            self._close_writers()

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        """Starts the steps-per-second clock when asked for."""
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Writes the epoch metrics and, every `histogram_freq` epochs, histograms."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- summaries -------------------------------------------------------------------

    def _collect_learning_rate(self, logs: Dict[str, Any]) -> Dict[str, Any]:
        optimizer = getattr(self.model, "optimizer", None)
        # A LossScaleOptimizer-style wrapper reports its inner optimizer's rate.
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is None:
            return logs
        if hasattr(optimizer, "optimizers"):
            for opt in optimizer.optimizers:
                logs[f"learning_rate_{opt.name}"] = float(opt.learning_rate)
        elif hasattr(optimizer, "learning_rate"):
            logs["learning_rate"] = float(optimizer.learning_rate)
        return logs

    def _log_epoch_metrics(self, epoch: int, logs: Logs) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = int(self.model.optimizer.iterations) - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        if train_logs:
            writer = self._writer("train")
            for name, value in train_logs.items():
                writer.add_scalar(f"epoch_{name}", _as_float(value), epoch)
        if val_logs:
            writer = self._writer("val")
            for name, value in val_logs.items():
                writer.add_scalar(f"epoch_{name[4:]}", _as_float(value), epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        # Keras 3 paths carry the model's name scope ("sequential/dense/kernel");
        # lamina's Variable.path starts at the layer, so the model name is added.
        model_name = getattr(self.model, "name", None)
        prefix = f"{model_name}/" if model_name else ""
        for layer in self.model.layers:
            for weight in layer.weights:
                path = weight.path if weight.path.startswith(prefix) else prefix + weight.path
                tag = f"{path.replace(':', '_')}/histogram"
                writer.add_histogram(tag, np.asarray(weight, dtype=np.float64), epoch)


def _as_float(value: Any) -> float:
    """A Python float from a float, numpy scalar or 0-d array."""
    return float(np.asarray(value))
