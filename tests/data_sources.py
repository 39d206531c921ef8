"""Data sources shared by the test_data_* files: the same batches as arrays,
as a generator, an iterator, a re-iterable and a Sequence."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

import lamina as keras

N, BS, FEATURES = 48, 8, 4


def arrays(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, FEATURES)).astype("float32")
    y = (x @ np.arange(1, FEATURES + 1, dtype="float32"))[:, None] * 0.1
    sw = rng.uniform(0.5, 2.0, size=N).astype("float32")
    return x, y, sw


def model(seed: int = 0, units: int = 1):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(6, activation="tanh"),
                          keras.layers.Dense(units)])
    m.compile(keras.optimizers.SGD(0.05), "mse")
    return m


class ArraySequence(keras.utils.Sequence):
    """Batch i of (x, y[, sw]); records which thread loaded which index."""

    def __init__(self, x, y=None, sw=None, bs=BS, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.sw, self.bs, self.delay = x, y, sw, bs, delay
        self.loaded = []
        self.threads = set()
        self.epoch_ends = 0
        self.epoch_begins = 0

    def __len__(self):
        return -(-len(self.x) // self.bs)

    def __getitem__(self, i):
        self.loaded.append(i)
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay * ((i * 7) % 3))  # completion order differs from index order
        s = slice(i * self.bs, (i + 1) * self.bs)
        if self.y is None:
            return self.x[s]
        if self.sw is None:
            return self.x[s], self.y[s]
        return self.x[s], self.y[s], self.sw[s]

    def on_epoch_begin(self):
        self.epoch_begins += 1

    def on_epoch_end(self):
        self.epoch_ends += 1


def batches(x, y=None, sw=None, bs=BS, repeat=1):
    for _ in range(repeat):
        for i in range(0, len(x), bs):
            part = [x[i:i + bs]]
            if y is not None:
                part.append(y[i:i + bs])
            if sw is not None:
                part.append(sw[i:i + bs])
            yield tuple(part) if len(part) > 1 else part[0]


class BatchIterator:
    """A hand-written iterator class (no generator)."""

    def __init__(self, x, y, bs=BS):
        self._it = batches(x, y, bs=bs)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)


class ReIterable:
    """Iterated afresh each epoch (like a torch DataLoader)."""

    def __init__(self, x, y, bs=BS):
        self.x, self.y, self.bs = x, y, bs

    def __iter__(self):
        return batches(self.x, self.y, bs=self.bs)

    def __len__(self):
        return -(-len(self.x) // self.bs)


def child_pids():
    me = str(os.getpid())
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            out.append(int(pid))
    return out


def resources():
    """What must not leak: loader threads, child processes, fds, shared memory."""
    with open("/proc/self/maps") as f:
        shared_maps = sum(1 for line in f if "/dev/zero" in line or "/dev/shm" in line)
    return {
        "threads": sorted(t.name for t in threading.enumerate() if t.name.startswith("lamina")),
        "children": child_pids(),
        "fds": len(os.listdir("/proc/self/fd")),
        "dev_shm": sorted(os.listdir("/dev/shm")),
        "shared_maps": shared_maps,
    }
