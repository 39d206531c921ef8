#!/usr/bin/env python3
"""Training throughput of the Keras MNIST convnet: lamina vs Keras 3 (TF) vs PyTorch.

Model (keras.io's "Simple MNIST convnet"): 28x28x1 -> Conv2D(32, 3, relu) ->
MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten ->
Dropout(0.5) -> Dense(10, softmax); Adam (Keras defaults), categorical
crossentropy, batch 128, on learnable synthetic images (each class a fixed
random pattern plus noise).

Each peer runs in its own subprocess (this script re-invoked with --worker),
alternating within one run; the table reports medians of samples/s over the
repeats. A benchmark, not a test: it always exits 0.

    python bench/bench_convnet.py                    # all peers, 5 repeats
    python bench/bench_convnet.py --peers lamina --repeats 1
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
from typing import Dict, List

PEERS = ("lamina", "keras", "torch")
PEER_MODULES = {"lamina": ("lamina",), "keras": ("keras", "tensorflow"), "torch": ("torch",)}
RESULT_TAG = "bench_convnet_result"
UNSET_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def make_data(n: int):
    import numpy as np

    rng = np.random.default_rng(0)
    patterns = rng.normal(size=(10, 28, 28, 1)).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    x = patterns[labels] + rng.normal(scale=1.0, size=(n, 28, 28, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    return x, y


def run_keras_like(lib, x, y, epochs: int, batch: int) -> Dict[str, float]:
    layers = lib.layers
    model = lib.Sequential([
        lib.Input((28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x[: batch * 4], y[: batch * 4], batch_size=batch, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    return {"samples_per_s": len(x) * epochs / seconds,
            "accuracy": float(history.history["accuracy"][-1])}


def run_torch(x, y, epochs: int, batch: int, threads: int) -> Dict[str, float]:
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(64 * 5 * 5, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.argmax(1))
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch(limit: int) -> float:
        perm = torch.randperm(limit)
        correct = 0
        for i in range(0, limit, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            out = net(xt[idx])
            loss = loss_fn(out, yt[idx])
            loss.backward()
            opt.step()
            correct += int((out.argmax(1) == yt[idx]).sum())
        return correct / limit

    epoch(batch * 4)
    start = time.perf_counter()
    acc = 0.0
    for _ in range(epochs):
        acc = epoch(len(x))
    seconds = time.perf_counter() - start
    return {"samples_per_s": len(x) * epochs / seconds, "accuracy": acc}


def worker(peer: str, samples: int, epochs: int, batch: int, threads: int) -> None:
    x, y = make_data(samples)
    if peer == "torch":
        result = run_torch(x, y, epochs, batch, threads)
    elif peer == "keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        result = run_keras_like(keras, x, y, epochs, batch)
    else:
        import lamina

        lamina.config.set_num_threads(threads)
        result = run_keras_like(lamina, x, y, epochs, batch)
    print(RESULT_TAG + json.dumps(result))


def run_peer(peer: str, args: argparse.Namespace) -> Dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    cmd = [sys.executable, __file__, "--worker", peer, "--samples", str(args.samples),
           "--epochs", str(args.epochs), "--batch", str(args.batch),
           "--threads", str(args.threads)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=6144)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
    parser.add_argument("--threads", type=int, default=threads)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.samples, args.epochs, args.batch, args.threads)
        return
    peers = [p for p in args.peers.split(",")
             if all(importlib.util.find_spec(m) for m in PEER_MODULES[p])]
    runs: Dict[str, List[Dict[str, float]]] = {p: [] for p in peers}
    for _ in range(args.repeats):
        for peer in peers:
            runs[peer].append(run_peer(peer, args))
    print(f"MNIST convnet, batch {args.batch}, {args.samples} samples x {args.epochs} epoch(s), "
          f"{args.threads} threads, median of {args.repeats}")
    medians = {}
    for peer in peers:
        ok = [r for r in runs[peer] if "samples_per_s" in r]
        if not ok:
            print(f"  {peer:8s} failed: {runs[peer][-1].get('error')}")
            continue
        medians[peer] = statistics.median(r["samples_per_s"] for r in ok)
        acc = statistics.median(r["accuracy"] for r in ok)
        print(f"  {peer:8s} {medians[peer]:10.0f} samples/s   (last-epoch accuracy {acc:.3f})")
    if "lamina" in medians:
        for peer, value in medians.items():
            if peer != "lamina":
                print(f"  lamina / {peer}: {medians['lamina'] / value:.2f}x")


if __name__ == "__main__":
    main()
