"""`LambdaCallback`: a callback built from plain functions."""

from __future__ import annotations

from typing import Any, Callable, Optional

from lamina.callbacks.callback import Callback

__all__ = ["LambdaCallback"]

_Fn = Optional[Callable[..., Any]]


class LambdaCallback(Callback):
    """A callback whose hooks are the given functions.

    Each function takes the arguments of the hook it replaces:
    `on_epoch_begin`/`on_epoch_end(epoch, logs)`,
    `on_train_begin`/`on_train_end(logs)`,
    `on_train_batch_begin`/`on_train_batch_end(batch, logs)`. Any other hook
    (`on_batch_end`, `on_test_begin`, `on_predict_batch_end`, ...) may be
    given as a keyword argument; every keyword argument becomes an attribute
    of the callback, as in Keras 3.

    Args:
        on_epoch_begin: Called at the start of each epoch.
        on_epoch_end: Called at the end of each epoch.
        on_train_begin: Called at the start of training.
        on_train_end: Called at the end of training.
        on_train_batch_begin: Called before each training batch.
        on_train_batch_end: Called after each training batch.
        **kwargs: Further hooks (or attributes) by name.
    """

    def __init__(
        self,
        on_epoch_begin: _Fn = None,
        on_epoch_end: _Fn = None,
        on_train_begin: _Fn = None,
        on_train_end: _Fn = None,
        on_train_batch_begin: _Fn = None,
        on_train_batch_end: _Fn = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
