#!/usr/bin/env python3
"""Latency and per-step overhead of lamina's engine, under both thread-pool
wait policies (idle workers spin 300 us before sleeping -- the default -- or
sleep at once, LAMINA_SPIN_US=0), each in its own subprocess:

- predict_on_batch of the benchmark MLP (784 -> 512 -> 256 -> 10) on one
  sample, end to end from Python (torch `model(x)` under no_grad for scale);
- one train_on_batch step, and one step inside fit(), of a tiny model
  (Dense(1) on one feature, batch 1): its kernels take well under a
  microsecond, so the time is the engine's per-step overhead;
- MLP training throughput at batch 32 (fit, samples/s).

    python bench/bench_latency.py
    python bench/bench_latency.py --threads 1

A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TAG = "bench_latency_result"


def per_call(fn, calls, repeats=7):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def mlp(keras):
    return keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def worker_lamina():
    import numpy as np

    import lamina as keras

    out = {}
    rng = np.random.default_rng(0)
    model = mlp(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    one = rng.standard_normal((1, 784)).astype(np.float32)
    out["predict_on_batch(1) us"] = per_call(lambda: model.predict_on_batch(one), 2000) * 1e6

    tiny = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    tiny.compile(optimizer="sgd", loss="mse")
    xs = np.ones((1, 1), np.float32)
    ys = np.ones((1, 1), np.float32)
    out["tiny train_on_batch us"] = per_call(lambda: tiny.train_on_batch(xs, ys), 2000) * 1e6
    n = 4096
    xf = rng.standard_normal((n, 1)).astype(np.float32)
    yf = rng.standard_normal((n, 1)).astype(np.float32)
    tiny.fit(xf, yf, batch_size=1, epochs=1, verbose=0)
    t0 = time.perf_counter()
    tiny.fit(xf, yf, batch_size=1, epochs=1, verbose=0)
    out["tiny fit step us"] = (time.perf_counter() - t0) / n * 1e6

    x = rng.standard_normal((20000, 784)).astype(np.float32)
    y = rng.integers(0, 10, 20000)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    out["mlp fit batch 32 samples/s"] = 40000 / (time.perf_counter() - t0)
    return out


def worker_torch(threads):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
        torch.nn.Softmax(dim=1),
    )
    one = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 784)).astype(np.float32))

    def call():
        with torch.no_grad():
            return model(one).numpy()

    return {"predict_on_batch(1) us": per_call(call, 2000) * 1e6}


def run(label, worker, env_extra, args):
    env = dict(os.environ)
    env.update(env_extra)
    env["LAMINA_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(args.threads)
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        worker,
        "--threads",
        str(args.threads),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith(TAG):
            return json.loads(line[len(TAG) :])
    sys.stderr.write(f"{label} failed:\n{proc.stderr[-1500:]}\n")
    return {}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", choices=["lamina", "torch"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if args.worker:
        res = worker_lamina() if args.worker == "lamina" else worker_torch(args.threads)
        print(TAG + json.dumps(res))
        return
    configs = [
        ("lamina, spin 300 us (default)", "lamina", {"LAMINA_SPIN_US": "300"}),
        ("lamina, sleep at once", "lamina", {"LAMINA_SPIN_US": "0"}),
        ("torch", "torch", {}),
    ]
    results = {label: {} for label, _, _ in configs}
    for _ in range(args.rounds):
        for label, worker, env in configs:
            for key, value in run(label, worker, env, args).items():
                results[label].setdefault(key, []).append(value)
    print(f"threads={args.threads}, medians over {args.rounds} rounds")
    for label, metrics in results.items():
        for key, values in metrics.items():
            print(f"  {label:32s} {key:30s} {statistics.median(values):12,.1f}")


if __name__ == "__main__":
    main()
