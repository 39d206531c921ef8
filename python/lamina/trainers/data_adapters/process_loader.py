"""Loading a Sequence's batches in worker processes, in order.

Workers are owned `multiprocessing.Process`es, started for one pass over the
data (so state changed in `on_epoch_end` reaches the next pass) and watched
with `multiprocessing.connection.wait` on their result pipe *and* their
sentinel: a worker that dies -- even by SIGKILL -- is noticed at once and
reported, never waited for (`multiprocessing.Pool` hangs in that case).

With the `fork` start method (the default on Linux) the dataset is not
pickled, so scripts without an `if __name__ == "__main__":` guard work, and
batches come back through shared anonymous memory (see `shared_slots`).
`spawn`/`forkserver` pickle the dataset (checked up front) and the batches.

Each worker ignores SIGINT (the trainer handles Ctrl-C and stops them),
asks the kernel to end it if the trainer dies, and exits when its task pipe
closes, so none is left behind.
"""

from __future__ import annotations

import collections
import ctypes
import multiprocessing
import os
import pickle
import random
import signal
import sys
import traceback
import warnings
from multiprocessing import connection
from typing import Any, Deque, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from lamina.trainers.data_adapters import shared_slots
from lamina.trainers.data_adapters.batch_unpacking import load_item
from lamina.utils import rng_utils

_GRACE = 2.0  # seconds an idle worker gets to exit before it is terminated
_PR_SET_PDEATHSIG = 1


class WorkerError(RuntimeError):
    """A data worker process died without reporting an error (killed, crashed)."""


class RemoteTraceback(Exception):
    """Carries a worker's traceback text as the `__cause__` of the re-raised exception."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# -- the worker side -------------------------------------------------------------


def _find_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Resolved here, in the parent: a forked child must not call dlopen (the
# loader's lock may have been held by another thread at the fork).
_prctl = _find_prctl()


def _die_with_parent(parent_pid: int) -> None:
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _error_payload(e: BaseException) -> Tuple[Optional[bytes], str, str]:
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    try:
        blob: Optional[bytes] = pickle.dumps(e)
        pickle.loads(pickle.dumps(e))  # some exceptions pickle but cannot be rebuilt
    except Exception:
        blob = None
    return blob, f"{type(e).__module__}.{type(e).__qualname__}: {e}", tb


def _worker_main(
    dataset: Any,
    tasks: connection.Connection,
    results: connection.Connection,
    slots: Optional[List[Any]],
    inherited: List[connection.Connection],
    parent_pid: int,
    seed: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    for conn in inherited:  # other pipes' ends: keep EOF detection working
        conn.close()
    # Forked workers would otherwise share the parent's random state and draw
    # the same "random" augmentations; each gets its own (reproducible under
    # keras.utils.set_random_seed).
    random.seed(seed)
    np.random.seed(seed)
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        position, index, slot_id = task
        try:
            parts = load_item(dataset, index)
            if slots is not None and shared_slots.fits(parts, len(slots[slot_id])):
                message: Tuple[Any, ...] = (
                    "slot", position, shared_slots.write(slots[slot_id], parts)
                )
            else:
                message = ("pickled", position, parts, shared_slots.batch_bytes(parts))
                pickle.dumps(message)  # fail here, inside the handler, if it cannot pickle
        except BaseException as e:
            message = ("error", position, _error_payload(e))
        try:
            results.send(message)
        except (OSError, EOFError):
            return


# -- the trainer side -------------------------------------------------------------


def check_picklable(dataset: Any, start_method: str) -> None:
    """Raises TypeError naming the attribute that stops `dataset` from pickling."""
    try:
        pickle.dumps(dataset)
        return
    except Exception as e:
        reason = f"{type(e).__name__}: {e}"
    culprit = ""
    for name, value in getattr(dataset, "__dict__", {}).items():
        try:
            pickle.dumps(value)
        except Exception:
            culprit = f" (attribute `{name}` of type {type(value).__name__})"
            break
    raise TypeError(
        f"use_multiprocessing={start_method!r} sends the dataset to each worker by pickling, and "
        f"{type(dataset).__name__} cannot be pickled{culprit}: {reason}. Use threads "
        "(use_multiprocessing=False), the 'fork' start method, or make the dataset picklable."
    )


def _exit_description(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class _Worker:
    def __init__(self, process: Any, tasks: connection.Connection,
                 results: connection.Connection) -> None:
        self.process = process
        self.tasks = tasks
        self.results = results


class OrderedProcessLoader:
    """Yields `load_item(dataset, i)` for each index, loaded by worker processes.

    Position p goes to worker p % workers, and each worker serves its tasks
    in order, so results are read back in order without reordering buffers.

    Args:
        dataset: the Sequence / PyDataset.
        indices: the batch indices of this pass, in the order to deliver.
        workers: number of processes.
        max_queue_size: batches loaded ahead of the consumer.
        start_method: "fork", "spawn" or "forkserver".
        slot_size: bytes per shared slot (fork only); a batch that does not
            fit is pickled instead and `largest_batch` grows, so the next pass
            can size its slots to fit.
    """

    def __init__(self, dataset: Any, indices: Iterable[int], workers: int,
                 max_queue_size: int, start_method: str, slot_size: int) -> None:
        self._indices = iter(indices)
        self._next_position = 0
        self._dataset_name = type(dataset).__name__
        self.largest_batch = 0
        ctx: Any = multiprocessing.get_context(start_method)
        n_slots = max(max_queue_size, workers) + 1  # +1: the batch being trained on
        self._slots = shared_slots.new_slots(n_slots, slot_size) if start_method == "fork" else None
        self._free: List[int] = list(range(n_slots))
        self._in_flight: Deque[Tuple[int, int, int]] = collections.deque()  # (pos, index, slot)
        self._held: Optional[int] = None  # the slot the consumer is reading
        pipes = [(ctx.Pipe(duplex=False), ctx.Pipe(duplex=False)) for _ in range(workers)]
        everything = [c for (t, r) in pipes for pair in (t, r) for c in pair]
        self._workers: List[_Worker] = []
        # Flushed so buffered output is not written a second time by a forked child.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, ValueError, OSError):
                pass
        seeds = [int(s) for s in rng_utils.generator().integers(0, 2**31 - 1, size=workers)]
        try:
            for i, ((task_r, task_w), (res_r, res_w)) in enumerate(pipes):
                inherited = [c for c in everything if c not in (task_r, res_w)]
                process = ctx.Process(
                    target=_worker_main,
                    args=(dataset, task_r, res_w, self._slots,
                          inherited if start_method == "fork" else [], os.getpid(), seeds[i]),
                    name=f"lamina-data-worker-{i}",
                    daemon=True,
                )
                with warnings.catch_warnings():
                    # Python 3.12+ warns that forking a multi-threaded process may
                    # deadlock the child; lamina's compute threads are idle at
                    # this point and the core runs inline in a forked child.
                    warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                    process.start()
                self._workers.append(_Worker(process, task_w, res_r))
        except BaseException:
            self.close()  # the workers already started must not outlive a failed start
            raise
        finally:
            for (task_r, _), (_, res_w) in pipes:
                task_r.close()
                res_w.close()
        try:
            self._dispatch()
        except BaseException:
            self.close()
            raise

    def _dispatch(self) -> None:
        while self._free:
            index = next(self._indices, None)
            if index is None:
                return
            slot = self._free.pop()
            position = self._next_position
            self._next_position += 1
            worker = self._workers[position % len(self._workers)]
            try:
                worker.tasks.send((position, index, slot))
            except (OSError, EOFError):
                self._raise_died(worker, index)
            self._in_flight.append((position, index, slot))

    def _raise_died(self, worker: _Worker, index: int) -> None:
        worker.process.join(0.5)
        how = _exit_description(worker.process.exitcode)
        raise WorkerError(
            f"A data worker process (pid {worker.process.pid}) loading batches of "
            f"{self._dataset_name} stopped unexpectedly ({how}) "
            f"while loading batch index {index}. It may have been killed by the system (out of "
            "memory?) or crashed in native code; lamina stops here instead of waiting for a batch "
            "that will never come."
        )

    def _receive(self, worker: _Worker, index: int) -> Any:
        while True:
            # A timed wait keeps the main thread responsive to Ctrl-C however
            # the interrupt arrives.
            ready = connection.wait([worker.results, worker.process.sentinel], timeout=0.2)
            if not ready:
                continue
            if worker.results in ready or worker.results.poll():
                try:
                    return worker.results.recv()
                except (EOFError, OSError):
                    self._raise_died(worker, index)
            self._raise_died(worker, index)

    def __iter__(self) -> Iterator[Tuple[Any, ...]]:
        while self._in_flight:
            position, index, slot = self._in_flight.popleft()
            worker = self._workers[position % len(self._workers)]
            message = self._receive(worker, index)
            if self._held is not None:
                self._free.append(self._held)
            self._held = slot
            kind = message[0]
            if kind == "error":
                raise _rebuild_error(message[2], index)
            if kind == "slot":
                assert self._slots is not None
                parts = shared_slots.read(self._slots[slot], message[2])
                self.largest_batch = max(self.largest_batch, shared_slots.batch_bytes(parts))
            else:
                parts = message[2]
                self.largest_batch = max(self.largest_batch, message[3])
            self._dispatch()
            yield parts

    def close(self) -> None:
        """Stops every worker: idle ones exit on their own, busy ones are terminated."""
        workers, self._workers = self._workers, []
        busy = bool(self._in_flight)
        self._in_flight.clear()
        for w in workers:
            try:
                w.tasks.send(None)
            except (OSError, EOFError):
                pass
            w.tasks.close()
        for w in workers:
            w.process.join(0.05 if busy else _GRACE)
            if w.process.exitcode is None:
                w.process.terminate()
                w.process.join(_GRACE)
            if w.process.exitcode is None:
                w.process.kill()
                w.process.join()
            w.results.close()
            w.process.close()
        # Batches still referenced (e.g. by a traceback) keep their slot alive.
        self._slots = None
        self._free = []


def _rebuild_error(payload: Tuple[Optional[bytes], str, str], index: int) -> BaseException:
    blob, summary, tb = payload
    error: Optional[BaseException] = None
    if blob is not None:
        try:
            error = pickle.loads(blob)
        except Exception:
            error = None
    if not isinstance(error, BaseException):
        error = RuntimeError(f"{summary} (the exception could not be sent back from the worker)")
    error.__cause__ = RemoteTraceback(
        f"\n\nWhile loading batch index {index} in a data worker process:\n\"\"\"\n{tb}\"\"\""
    )
    return error
