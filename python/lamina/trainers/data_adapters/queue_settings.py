"""`workers`, `use_multiprocessing` and `max_queue_size`: given to a
`PyDataset` (Keras 3) or to `fit`/`evaluate`/`predict` (tf.keras 2.x).

A value given to the method that differs from tf.keras's default wins over
the dataset's own, so both styles of script run unchanged.
"""

from __future__ import annotations

import multiprocessing
from typing import Any, NamedTuple, Optional

_DEFAULTS = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}
_START_METHODS = ("fork", "spawn", "forkserver")


class QueueSettings(NamedTuple):
    """How batches are loaded.

    `workers` 0 or 1 without processes loads in the calling thread (as Keras
    does); `start_method` is None for threads, else the multiprocessing
    start method of the worker processes.
    """

    workers: int
    start_method: Optional[str]
    max_queue_size: int

    @property
    def in_background(self) -> bool:
        return self.workers > 1 or (self.workers > 0 and self.start_method is not None)


def default_start_method() -> str:
    """`fork` where it exists (scripts without a main guard keep working, as
    with Keras on Linux), else `spawn`."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def resolve_queue_settings(
    source: Any, workers: Any = 1, use_multiprocessing: Any = False, max_queue_size: Any = 10
) -> QueueSettings:
    """The settings for one data source (a dataset's own unless the method overrides).

    Raises:
        ValueError: for a negative or non-integer `workers`/`max_queue_size`,
            or an unknown start method given as `use_multiprocessing`.
    """
    given = {"workers": workers, "use_multiprocessing": use_multiprocessing,
             "max_queue_size": max_queue_size}
    values = {}
    for key, value in given.items():
        if value == _DEFAULTS[key] and type(value) is type(_DEFAULTS[key]):
            value = _dataset_setting(source, key, value)
        values[key] = value
    n = values["workers"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"`workers` must be an integer >= 0. Received: workers={n!r}")
    size = values["max_queue_size"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(
            f"`max_queue_size` must be an integer >= 0. Received: max_queue_size={size!r}"
        )
    mp = values["use_multiprocessing"]
    if isinstance(mp, str):
        if mp not in _START_METHODS:
            raise ValueError(
                f"`use_multiprocessing` must be a bool or one of {_START_METHODS}. "
                f"Received: use_multiprocessing={mp!r}"
            )
        start: Optional[str] = mp
    else:
        start = default_start_method() if mp else None
    # tf.keras reads max_queue_size=0 as "unbounded"; a bound of twice the
    # workers keeps memory in check and the workers busy.
    return QueueSettings(n, start, size if size > 0 else max(2 * n, 1))


def _dataset_setting(source: Any, key: str, fallback: Any) -> Any:
    # Read the private attribute first: the public property warns when a
    # subclass forgot to call super().__init__, which is reported once below.
    private = getattr(source, "_" + key, None)
    if private is not None:
        return private
    try:
        value = getattr(source, key, None)
    except Exception:  # a user property that fails: fall back to the default
        value = None
    return fallback if value is None else value
