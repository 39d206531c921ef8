#!/usr/bin/env python3
"""Parallel data loading: a Sequence whose `__getitem__` sleeps 5 ms per batch
feeds a small MLP. With workers, an epoch should take about max(load, compute)
rather than their sum.

Configurations (each run in its own subprocess, alternating, medians over the
repeats): lamina with workers=0/1/2 in threads and 1/2 in processes, and Keras 3
(TensorFlow) with `PyDataset(workers=2)` in threads and processes. Also timed:
loading alone (the sleeps) and compute alone (fit on the same arrays).
This is a benchmark, not a test: it always exits 0.

    python bench/bench_workers.py                 # 5 repeats
    python bench/bench_workers.py --repeats 1 --configs lamina-w0,lamina-t2
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

BATCHES, BATCH_SIZE, FEATURES, CLASSES = 40, 128, 64, 10
SLEEP = 0.005
EPOCHS = 4  # timed, after one warm-up epoch
RESULT_TAG = "bench_workers_result"
CONFIGS = {
    "lamina-w0": ("lamina", {"workers": 0}),
    "lamina-w1": ("lamina", {"workers": 1}),
    "lamina-t2": ("lamina", {"workers": 2}),
    "lamina-p1": ("lamina", {"workers": 1, "use_multiprocessing": True}),
    "lamina-p2": ("lamina", {"workers": 2, "use_multiprocessing": True}),
    "keras-t2": ("keras", {"workers": 2}),
    "keras-p2": ("keras", {"workers": 2, "use_multiprocessing": True}),
}
MODULES = {"lamina": ("lamina",), "keras": ("keras", "tensorflow")}


def run_config(name: str) -> dict:
    """Runs in the subprocess: median epoch time for one configuration."""
    framework, settings = CONFIGS[name]
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    if framework == "lamina":
        import lamina as keras
    else:
        import keras  # type: ignore[no-redef]

    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCHES * BATCH_SIZE, FEATURES)).astype("float32")
    teacher = rng.standard_normal((FEATURES, CLASSES)).astype("float32")
    y = np.argmax(x @ teacher, axis=1)

    class SlowSequence(keras.utils.PyDataset):
        def __len__(self) -> int:
            return BATCHES

        def __getitem__(self, i: int):
            time.sleep(SLEEP)  # stands for decoding / augmenting a batch
            s = slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE)
            return x[s], y[s]

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((FEATURES,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    times: list = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    seq = SlowSequence(**settings)
    model.fit(seq, epochs=EPOCHS + 1, verbose=0, callbacks=[EpochTimer()])
    epoch = statistics.median(times[1:])
    # Compute alone: the same batches from arrays.
    times.clear()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS + 1, verbose=0, shuffle=False,
              callbacks=[EpochTimer()])
    compute = statistics.median(times[1:])
    return {"epoch": epoch, "compute": compute}


def load_alone() -> float:
    start = time.perf_counter()
    for _ in range(BATCHES):
        time.sleep(SLEEP)
    return time.perf_counter() - start


def spawn(name: str) -> dict:
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(os.path.dirname(here), "python"), env.get("PYTHONPATH", "")]
    )
    proc = subprocess.run([sys.executable, __file__, "--worker", name], capture_output=True,
                          text=True, env=env, timeout=900)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:80]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(RESULT_TAG + json.dumps(run_config(args.worker)), flush=True)
        return
    names = [n for n in args.configs.split(",") if n in CONFIGS]
    available = {
        n: all(importlib.util.find_spec(m) for m in MODULES[CONFIGS[n][0]]) for n in names
    }
    results: dict = {n: [] for n in names}
    for _ in range(args.repeats):
        for n in names:  # alternate configurations within each repeat
            if available[n]:
                results[n].append(spawn(n))
    load = statistics.median(load_alone() for _ in range(3))
    print(f"{BATCHES} batches of {BATCH_SIZE}, __getitem__ sleeps {SLEEP * 1e3:.0f} ms; "
          f"load alone {load * 1e3:.0f} ms/epoch; medians of {args.repeats} runs")
    print(f"{'config':<11} {'epoch ms':>9} {'compute ms':>11} {'load+compute':>13} "
          f"{'ideal ms':>9} {'vs keras-t2':>12}")
    rows = {}
    for n in names:
        ok = [r for r in results[n] if "epoch" in r]
        if not ok:
            err = "not installed" if not available[n] else (results[n] or [{}])[0].get("error")
            print(f"{n:<11} {err}")
            continue
        rows[n] = (statistics.median(r["epoch"] for r in ok),
                   statistics.median(r["compute"] for r in ok))
    base = rows.get("keras-t2", (None,))[0]
    for n, (epoch, compute) in rows.items():
        ratio = f"{base / epoch:.2f}x" if base else "-"
        settings = CONFIGS[n][1]
        workers = settings["workers"]
        background = workers > 1 or (workers > 0 and settings.get("use_multiprocessing"))
        # ideal: loading overlapped with compute and split over the workers
        ideal = max(load / workers, compute) if background else load + compute
        print(f"{n:<11} {epoch * 1e3:9.1f} {compute * 1e3:11.1f} {(load + compute) * 1e3:13.1f} "
              f"{ideal * 1e3:9.1f} {ratio:>12}")


if __name__ == "__main__":
    main()
