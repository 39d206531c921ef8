"""`CallbackList`: calls every hook of a list of callbacks, as in Keras 3."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from lamina.callbacks.callback import Callback, Logs, is_default_hook
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]

_Hook = Callable[..., Any]

# Hooks that run once per batch, with the legacy hook their default forwards
# to (a callback that only overrides the legacy name must still be called).
_BATCH_HOOKS: Dict[str, Optional[str]] = {
    "on_batch_begin": None,
    "on_batch_end": None,
    "on_train_batch_begin": "on_batch_begin",
    "on_train_batch_end": "on_batch_end",
    "on_test_batch_begin": None,
    "on_test_batch_end": None,
    "on_predict_batch_begin": None,
    "on_predict_batch_end": None,
}


def _pythonify_logs(logs: Logs) -> Dict[str, Any]:
    """Returns `logs` with sorted keys, nested dicts inlined, numbers as floats.

    Keras 3 gives every callback logs in this form, which is why its metrics
    appear alphabetically (`accuracy` before `loss`). Unlike Keras, arrays of
    one or more dimensions (e.g. `predict` outputs) are left intact instead of
    being collapsed to a float when they happen to hold one element.
    """
    result: Dict[str, Any] = {}
    if not logs:
        return result
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        if getattr(value, "ndim", 0) == 0:
            try:
                value = float(value)
            except Exception:  # strings, lists, objects: passed through as-is
                pass
        result[key] = value
    return result


def _flatten_callbacks(callbacks: Any) -> List[Callback]:
    if not callbacks:
        return []
    if isinstance(callbacks, CallbackList):
        # Take its members rather than nesting it, so that a History or
        # ProgbarLogger inside is found and not added a second time.
        return list(callbacks.callbacks)
    if isinstance(callbacks, (list, tuple)):
        flat: List[Callback] = []
        for item in callbacks:
            flat.extend(_flatten_callbacks(item))
        return flat
    return [callbacks]


class CallbackList(Callback):
    """Container that calls each hook on every callback, in list order.

    The defaults come after the user's callbacks: first the given callbacks,
    then `History` (if `add_history` and none was given), then
    `ProgbarLogger` (if `add_progbar` and none was given). Logs are passed to
    the callbacks with sorted keys and Python floats, as in Keras 3.

    Batch hooks run on every step, so for each of them the list of callbacks
    that override it is worked out once (again only if `callbacks` changes);
    a batch hook nobody listens to costs a list comparison and a dict lookup.
    Callbacks run synchronously, as with Keras's TensorFlow backend.

    Differences from Keras 3: a `CallbackList` given as `callbacks` has its
    members merged in rather than being nested as one callback, `append` is
    provided, and array-valued logs are not collapsed to floats.

    Args:
        callbacks: A list of `Callback` instances (nested lists and a
            `CallbackList` are accepted).
        add_history: Whether to add a `History` if none is in `callbacks`.
        add_progbar: Whether to add a `ProgbarLogger` if none is in
            `callbacks`.
        model: The model the callbacks are used with.
        **params: Run parameters (`verbose`, `epochs`, `steps`), passed to
            each callback with `set_params` when given.
    """

    def __init__(
        self,
        callbacks: Optional[Iterable[Callback]] = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: List[Callback] = _flatten_callbacks(callbacks)
        self._in_begin_end_block_count = 0
        self._snapshot: Optional[List[Callback]] = None
        self._listening: Dict[str, Tuple[_Hook, ...]] = {}
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        self._progbar: Optional[ProgbarLogger] = None
        self._history: Optional[History] = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        """Adds `callback` at the end of the list."""
        self.callbacks.append(callback)

    def set_params(self, params: Optional[Dict[str, Any]]) -> None:
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    # -- dispatch helpers --------------------------------------------------

    def _listeners(self, hook: str) -> Tuple[_Hook, ...]:
        """Bound `hook` methods of the callbacks that override it."""
        if self._snapshot != self.callbacks:
            self._rebuild_listeners()
        return self._listening[hook]

    def _rebuild_listeners(self) -> None:
        listening: Dict[str, Tuple[_Hook, ...]] = {}
        for hook, legacy in _BATCH_HOOKS.items():
            methods = []
            for cb in self.callbacks:
                method = getattr(cb, hook)
                if not is_default_hook(method) or (
                    legacy is not None and not is_default_hook(getattr(cb, legacy))
                ):
                    methods.append(method)
            listening[hook] = tuple(methods)
        self._listening = listening
        self._snapshot = list(self.callbacks)

    def _on_begin(self) -> None:
        self._in_begin_end_block_count += 1

    def _on_end(self) -> None:
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            raise ValueError("`on_xxx_end` called without corresponding `on_xxx_begin`")

    def _dispatch_batch(self, hook: str, batch: int, logs: Logs) -> None:
        listeners = self._listeners(hook)
        if listeners:
            clean = _pythonify_logs(logs)
            for method in listeners:
                method(batch, logs=clean)

    # -- batch hooks ---------------------------------------------------------

    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._dispatch_batch("on_predict_batch_end", batch, logs)

    # -- epoch and run hooks (rare: dispatched to everyone) ------------------

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, clean)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, clean)

    def on_train_begin(self, logs: Logs = None) -> None:
        self._on_begin()
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_train_begin(clean)

    def on_train_end(self, logs: Logs = None) -> None:
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_train_end(clean)
        self._on_end()

    def on_test_begin(self, logs: Logs = None) -> None:
        self._on_begin()
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_test_begin(clean)

    def on_test_end(self, logs: Logs = None) -> None:
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_test_end(clean)
        self._on_end()

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._on_begin()
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_predict_begin(clean)

    def on_predict_end(self, logs: Logs = None) -> None:
        clean = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_predict_end(clean)
        self._on_end()
