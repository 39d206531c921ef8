#!/usr/bin/env python3
"""Training throughput of a Sequential model built from the simple layers
(Normalization, LayerNormalization, PReLU, GaussianNoise, SpatialDropout1D,
ZeroPadding1D, UpSampling1D, Cropping1D, Permute, Reshape, Softmax): lamina
vs Keras 3 (TF).

Each peer runs in its own subprocess (this script re-invoked with --worker),
alternating within one run; the table reports medians of samples/s over the
repeats (one epoch of 8192 samples, batch 128, Adam, after a warm-up epoch).
A benchmark, not a test: it always exits 0.

    python bench/bench_layers_simple.py                  # both peers, 5 repeats
    python bench/bench_layers_simple.py --repeats 1
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

RESULT_TAG = "bench_layers_simple_result"
SAMPLES, BATCH = 8192, 128


def worker(peer: str) -> None:
    import numpy as np

    if peer == "keras":
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras as lib
    else:
        import lamina as lib
    layers = lib.layers
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, SAMPLES)
    patterns = rng.normal(size=(10, 16, 32)).astype(np.float32)
    x = (patterns[labels] + rng.normal(size=(SAMPLES, 16, 32))).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    norm = layers.Normalization()
    norm.adapt(x)
    model = lib.Sequential([
        lib.Input((16, 32)), norm, layers.LayerNormalization(), layers.Dense(64),
        layers.PReLU(shared_axes=[1]), layers.GaussianNoise(0.1), layers.SpatialDropout1D(0.1),
        layers.ZeroPadding1D(2), layers.UpSampling1D(2), layers.Cropping1D((2, 2)),
        layers.Permute((2, 1)), layers.LayerNormalization(), layers.Reshape((-1,)),
        layers.Dense(10), layers.Softmax()])
    model.compile(lib.optimizers.Adam(1e-3), "categorical_crossentropy")
    model.fit(x[:1024], y[:1024], batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    rate = SAMPLES / (time.perf_counter() - start)
    print(RESULT_TAG + json.dumps({"peer": peer, "samples_per_s": rate}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", choices=("lamina", "keras"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    peers = ["lamina"] + (["keras"] if importlib.util.find_spec("keras") else [])
    rates: Dict[str, List[float]] = {p: [] for p in peers}
    for _ in range(args.repeats):
        for peer in peers:
            out = subprocess.run([sys.executable, __file__, "--worker", peer],
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                if line.startswith(RESULT_TAG):
                    rates[peer].append(json.loads(line[len(RESULT_TAG):])["samples_per_s"])
    print(f"{'peer':8s} {'samples/s':>10s}  (median of {args.repeats})")
    medians = {p: statistics.median(r) for p, r in rates.items() if r}
    for peer, value in medians.items():
        print(f"{peer:8s} {value:10.0f}")
    if "keras" in medians:
        print(f"lamina / keras: {medians['lamina'] / medians['keras']:.2f}x")


if __name__ == "__main__":
    main()
