"""Every background loader opened during a `fit`/`evaluate`/`predict` call
is closed when the call returns or raises (an exception in a callback,
KeyboardInterrupt, `stop_training`), so no worker thread or process
outlives the call -- even while a traceback still references the epoch's
suspended generators.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, List, Optional, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_local = threading.local()


def _scopes() -> List[Optional[List[Any]]]:
    try:
        return _local.scopes  # type: ignore[no-any-return]
    except AttributeError:
        _local.scopes = []
        return _local.scopes  # type: ignore[no-any-return]


def register(loader: Any) -> None:
    """Adds an open loader (anything with `close()`) to the innermost call's scope."""
    scopes = _scopes()
    if scopes:
        if scopes[-1] is None:
            scopes[-1] = []
        scopes[-1].append(loader)  # type: ignore[union-attr]


def closes_loaders(method: F) -> F:
    """Decorates a trainer method so the loaders it opened are closed on exit."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scopes = _scopes()
        scopes.append(None)  # a list only once a loader opens: array calls stay cheap
        try:
            return method(*args, **kwargs)
        finally:
            opened = scopes.pop()
            if opened:
                _close_all(opened)

    return wrapper  # type: ignore[return-value]


def _close_all(opened: List[Any]) -> None:
    error = None
    for loader in reversed(opened):
        try:
            loader.close()
        except BaseException as e:  # close the others first, then report
            error = error or e
    if error is not None:
        raise error
