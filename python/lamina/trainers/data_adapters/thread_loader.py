"""Loading batches in background threads.

The native step releases the GIL, so a thread running a `Sequence`'s
`__getitem__` (or a generator) overlaps the model's compute. Threads are
daemons named `lamina-data-*`, stopped and joined by `close()`.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Deque, Iterable, Iterator, List, Optional

_POLL = 0.1  # seconds between checks of the stop flag while blocked
_JOIN_TIMEOUT = 10.0
# A thread cannot be interrupted inside user code: when shutting down early
# (an exception, Ctrl-C) the call waits this long, then leaves the daemon
# thread to exit as soon as its current `__getitem__`/`next()` returns.
_ABANDON_TIMEOUT = 1.0


class OrderedThreadLoader:
    """Runs `load(index)` for each index in `workers` threads, at most
    `max_queue_size` ahead of the consumer, and yields results in order.

    An exception raised by `load` is re-raised by the iterator -- the same
    object, with the worker's traceback.
    """

    def __init__(
        self,
        load: Callable[[int], Any],
        indices: Iterable[int],
        workers: int,
        max_queue_size: int,
    ) -> None:
        self._load = load
        self._indices = iter(indices)
        self._ahead = max(max_queue_size, workers, 1)
        self._tasks: queue.Queue[Any] = queue.Queue()
        self._pending: Deque[Future] = collections.deque()
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        for i in range(max(workers, 1)):
            t = threading.Thread(target=self._work, name=f"lamina-data-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def _work(self) -> None:
        while not self._stop.is_set():
            task = self._tasks.get()
            if task is None:
                return
            future, index = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._load(index))
            except BaseException as e:  # handed to the consumer
                future.set_exception(e)

    def _fill(self) -> None:
        while len(self._pending) < self._ahead:
            index = next(self._indices, None)
            if index is None:
                return
            future: Future = Future()
            self._pending.append(future)
            self._tasks.put((future, index))

    def __iter__(self) -> Iterator[Any]:
        self._fill()
        while self._pending:
            future = self._pending.popleft()
            result = _wait(future)
            self._fill()
            yield result

    def close(self) -> None:
        """Cancels queued work and joins the threads (a running `load` finishes first)."""
        self._stop.set()
        busy = any(not f.done() for f in self._pending)
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        for _ in self._threads:
            self._tasks.put(None)
        _join_all(self._threads, _ABANDON_TIMEOUT if busy else _JOIN_TIMEOUT)
        self._threads = []


def _wait(future: Future) -> Any:
    # A timed wait in a loop keeps the main thread responsive to Ctrl-C.
    while True:
        try:
            return future.result(timeout=_POLL)
        except TimeoutError:
            continue


_END = object()


class GeneratorThreadLoader:
    """Pulls a generator in one background thread into a bounded queue.

    One thread, whatever `workers` says: a Python generator cannot run in
    two threads at once ("generator already executing"), and one thread
    preserves the order the generator yields in.
    """

    def __init__(self, iterator: Iterator[Any], max_queue_size: int,
                 convert: Optional[Callable[[Any], Any]] = None) -> None:
        self._iterator = iterator
        self._convert = convert
        self._queue: queue.Queue[Any] = queue.Queue(max(max_queue_size, 1))
        self._stop = threading.Event()
        self._done = False
        self._thread: Optional[threading.Thread] = threading.Thread(
            target=self._work, name="lamina-data-generator", daemon=True
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                item = next(self._iterator)
                if self._convert is not None:
                    item = self._convert(item)
            except StopIteration:
                self._put((_END, None))
                return
            except BaseException as e:  # handed to the consumer
                self._put((_END, e))
                return
            if not self._put((item, None)):
                return

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        while True:
            try:
                item, error = self._queue.get(timeout=_POLL)
                break
            except queue.Empty:
                if self._thread is None or not self._thread.is_alive():
                    if self._queue.empty():
                        self._done = True
                        raise StopIteration from None
        if item is _END:
            self._done = True
            if error is not None:
                raise error
            raise StopIteration
        return item

    def close(self) -> None:
        """Stops the thread (after the `next()` it may be running) and joins it."""
        self._stop.set()
        self._done = True
        if self._thread is not None:
            _join_all([self._thread], _ABANDON_TIMEOUT)
            self._thread = None


def _join_all(threads: List[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
