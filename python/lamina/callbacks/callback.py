"""Base class of all callbacks, as `keras.callbacks.Callback` in Keras 3."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, TypeVar

__all__ = ["Callback", "is_default_hook"]

_F = TypeVar("_F", bound=Callable[..., Any])

Logs = Optional[Dict[str, Any]]


def _default_hook(method: _F) -> _F:
    """Marks a base-class hook so that overrides can be told apart from it."""
    method._is_default = True  # type: ignore[attr-defined]
    return method


def is_default_hook(method: Any) -> bool:
    """Tells whether `method` is one of `Callback`'s do-nothing hooks.

    A subclass method or a function stored on the instance (as
    `LambdaCallback` does) counts as an override.

    Args:
        method: A hook, usually a bound method such as `cb.on_epoch_end`.

    Returns:
        True if the hook is the base implementation, False if overridden.
    """
    return getattr(method, "_is_default", False)


class Callback:
    """Base class used to build new callbacks.

    Callbacks hook into `fit()`, `evaluate()` and `predict()`. Subclass it and
    override the hooks for the stages of interest; `self.model` is the model
    being run and `self.params` a dict such as
    `{"verbose": 1, "epochs": 10, "steps": 32}`.

    The `*_batch_*` hooks receive the 0-based batch index within the epoch,
    the epoch hooks the 0-based epoch index. `logs` holds the metric values
    documented on each hook.

    Unlike Keras 3, `self.model` may also be assigned directly (as tf.keras
    2.x allowed), which old callbacks written as `self.model = model` rely on.
    """

    def __init__(self) -> None:
        self.params: Optional[Dict[str, Any]] = None
        self._model: Any = None

    def set_params(self, params: Optional[Dict[str, Any]]) -> None:
        """Stores the run parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Stores the model the callback is attached to."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model being trained, evaluated or run."""
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self._model = model

    @_default_hook
    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Legacy alias of `on_train_batch_begin`, called by its default."""

    @_default_hook
    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Legacy alias of `on_train_batch_end`, called by its default."""

    @_default_hook
    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        """Called at the start of an epoch (training only).

        Args:
            epoch: Index of the epoch, 0-based.
            logs: Currently empty.
        """

    @_default_hook
    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Called at the end of an epoch (training only).

        Args:
            epoch: Index of the epoch, 0-based.
            logs: The epoch's training metrics, plus the validation metrics
                prefixed with `val_` when validation ran this epoch, e.g.
                `{"loss": 0.2, "accuracy": 0.7, "val_loss": 0.3}`.
        """

    @_default_hook
    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a training batch; by default calls `on_batch_begin`.

        With `steps_per_execution=N` this runs once every N batches.

        Args:
            batch: Index of the batch within the epoch.
            logs: Currently empty.
        """
        self.on_batch_begin(batch, logs=logs)

    @_default_hook
    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a training batch; by default calls `on_batch_end`.

        Args:
            batch: Index of the batch within the epoch.
            logs: Metric results averaged over the epoch so far.
        """
        self.on_batch_end(batch, logs=logs)

    @_default_hook
    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a batch of `evaluate()` or of validation in `fit()`.

        Args:
            batch: Index of the batch.
            logs: Currently empty.
        """

    @_default_hook
    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a batch of `evaluate()` or of validation in `fit()`.

        Args:
            batch: Index of the batch.
            logs: Metric results averaged over the evaluation so far.
        """

    @_default_hook
    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before a batch of `predict()`.

        Args:
            batch: Index of the batch.
            logs: Currently empty.
        """

    @_default_hook
    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after a batch of `predict()`.

        Args:
            batch: Index of the batch.
            logs: `{"outputs": batch_outputs}`.
        """

    @_default_hook
    def on_train_begin(self, logs: Logs = None) -> None:
        """Called at the start of training.

        Args:
            logs: Currently empty.
        """

    @_default_hook
    def on_train_end(self, logs: Logs = None) -> None:
        """Called at the end of training.

        Args:
            logs: The logs of the last `on_epoch_end` call.
        """

    @_default_hook
    def on_test_begin(self, logs: Logs = None) -> None:
        """Called at the start of evaluation or validation.

        Args:
            logs: Currently empty.
        """

    @_default_hook
    def on_test_end(self, logs: Logs = None) -> None:
        """Called at the end of evaluation or validation.

        Args:
            logs: The final metric results of the evaluation.
        """

    @_default_hook
    def on_predict_begin(self, logs: Logs = None) -> None:
        """Called at the start of prediction.

        Args:
            logs: Currently empty.
        """

    @_default_hook
    def on_predict_end(self, logs: Logs = None) -> None:
        """Called at the end of prediction.

        Args:
            logs: Currently empty.
        """
