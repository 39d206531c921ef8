#!/usr/bin/env python3
"""Training throughput of an LSTM/GRU text classifier: lamina vs Keras 3 (TF) vs PyTorch.

Model (issue 4): ids (200,) -> Embedding(20000, 128) -> LSTM(64) or GRU(64) ->
Dense(1, sigmoid); Adam (Keras defaults), binary crossentropy, batch 64. The
data is learnable and synthetic: sequences of 200 ids drawn uniformly from
[1, 20000), labelled 1 when any of 69 fixed "keyword" ids occurs (about half of
the sequences), so the net must remember a sighting across the sequence.

PyTorch runs the same model the usual way: nn.Embedding + nn.LSTM/nn.GRU
(batch_first) + nn.Linear on the last hidden state, BCEWithLogitsLoss, Adam
(eps=1e-7, as Keras), torch.set_num_threads(threads).

Each run of a peer is a fresh subprocess (this script re-invoked with
--worker); peers alternate within one run, the starting peer rotating per
repeat, and the table reports medians of samples/s over the repeats. A
benchmark, not a test: it always exits 0 and reports failures in the table.

    python bench/bench_text_rnn.py                          # LSTM and GRU, 5 repeats
    python bench/bench_text_rnn.py --cell gru --repeats 3
    python bench/bench_text_rnn.py --peers keras,torch --samples 1024 --repeats 1
    python bench/bench_text_rnn.py --cell pool              # Embedding only (no RNN)
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
from typing import Any, Dict, List

import interleave

PEERS = ("lamina", "keras", "torch")
PEER_LABELS = {"lamina": "lamina", "keras": "keras3-tf", "torch": "pytorch"}
PEER_MODULES = {"lamina": ("lamina",), "keras": ("keras", "tensorflow"), "torch": ("torch",)}
CELLS = ("lstm", "gru")
VOCAB, STEPS, EMBED, UNITS = 20000, 200, 128, 64
KEYWORDS = 69  # P(a sequence holds one) = 1 - (1 - 69/19999)**200 ~ 0.50
DATA_SEED = 1234
MODEL_SEED = 42
RESULT_TAG = "bench_text_rnn_result"


def make_data(n: int):
    """Identical in every worker: int64 ids (n, 200) and float32 labels (n, 1)."""
    import numpy as np

    rng = np.random.default_rng(DATA_SEED)
    keywords = rng.choice(np.arange(1, VOCAB), size=KEYWORDS, replace=False)
    x = rng.integers(1, VOCAB, size=(n, STEPS), dtype=np.int64)
    y = np.isin(x, keywords).any(axis=1).astype(np.float32)[:, None]
    return x, y


# --------------------------------------------------------------------------- workers


def run_keras_like(lib: Any, cell: str, x, y, epochs: int, batch: int) -> Dict[str, float]:
    """Plain Keras 3 API only, so the same code drives lamina and Keras."""
    layers = lib.layers
    lib.utils.set_random_seed(MODEL_SEED)
    if cell == "pool":
        middle = layers.GlobalAveragePooling1D()
    else:
        name = cell.upper()
        if lib.__name__ == "lamina" and name not in lib.layers.__all__:
            raise RuntimeError(
                f"lamina has no {name} layer yet: SimpleRNN/LSTM/GRU land from the `rnn` "
                "branch (issue 4). Run --cell pool or --peers keras,torch meanwhile.")
        middle = getattr(layers, name)(UNITS)
    model = lib.Sequential([lib.Input((STEPS,)), layers.Embedding(VOCAB, EMBED), middle,
                            layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[: batch * 3], y[: batch * 3], batch_size=batch, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    return {"samples_per_s": len(x) * epochs / seconds,
            "loss": float(history.history["loss"][-1]),
            "accuracy": float(history.history["accuracy"][-1])}


def run_torch(cell: str, x, y, epochs: int, batch: int, threads: int) -> Dict[str, float]:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(MODEL_SEED)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(cell)
            self.rnn = rnn(EMBED, UNITS, batch_first=True) if rnn else None
            self.head = torch.nn.Linear(UNITS if rnn else EMBED, 1)

        def forward(self, ids: Any) -> Any:
            h = self.embed(ids)
            if self.rnn is None:
                return self.head(h.mean(dim=1))
            _, state = self.rnn(h)
            last = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
            return self.head(last[-1])

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch(limit: int) -> Dict[str, float]:
        perm = torch.randperm(limit)
        total, correct = 0.0, 0
        for i in range(0, limit, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            logits = net(xt[idx])
            loss = loss_fn(logits, yt[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            correct += int(((logits > 0).float() == yt[idx]).sum())
        return {"loss": total / limit, "accuracy": correct / limit}

    epoch(batch * 3)
    start = time.perf_counter()
    stats: Dict[str, float] = {}
    for _ in range(epochs):
        stats = epoch(len(x))
    seconds = time.perf_counter() - start
    return {"samples_per_s": len(x) * epochs / seconds, **stats}


def worker(peer: str, cell: str, samples: int, epochs: int, batch: int, threads: int) -> None:
    x, y = make_data(samples)
    try:
        if peer == "torch":
            result = run_torch(cell, x, y, epochs, batch, threads)
        elif peer == "keras":
            os.environ.setdefault("KERAS_BACKEND", "tensorflow")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import keras
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
            result = run_keras_like(keras, cell, x, y, epochs, batch)
        else:
            import lamina

            lamina.config.set_num_threads(threads)
            result = run_keras_like(lamina, cell, x, y, epochs, batch)
    except Exception as exc:  # reported in the table, never raised
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(RESULT_TAG + json.dumps(result), flush=True)


def run_peer(peer: str, cell: str, args: argparse.Namespace) -> Dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", peer, "--cell", cell,
           "--samples", str(args.samples), "--epochs", str(args.epochs),
           "--batch", str(args.batch), "--threads", str(args.threads)]
    try:
        done = subprocess.run(cmd, env=interleave.worker_env(args.threads), capture_output=True,
                              text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


# --------------------------------------------------------------------------- report


def report(cell: str, peers: List[str], runs: Dict[str, List[Dict[str, Any]]],
           args: argparse.Namespace) -> None:
    title = "Embedding only (GlobalAveragePooling1D)" if cell == "pool" else cell.upper()
    print(f"\n{title} text classifier: ids ({STEPS},) -> Embedding({VOCAB}, {EMBED}) -> "
          f"{'mean' if cell == 'pool' else f'{cell.upper()}({UNITS})'} -> Dense(1, sigmoid); "
          f"batch {args.batch}, {args.samples} samples x {args.epochs} epoch(s), "
          f"{args.threads} threads, median of {args.repeats}")
    print(f"  {'peer':10s} {'samples/s':>10s} {'min..max':>15s} {'loss':>7s} {'acc':>6s} "
          f"{'lamina/peer':>12s}  runs")
    medians = {}
    for peer in peers:
        ok = [r for r in runs[peer] if "samples_per_s" in r]
        if ok:
            medians[peer] = statistics.median(r["samples_per_s"] for r in ok)
    for peer in peers:
        ok = [r for r in runs[peer] if "samples_per_s" in r]
        label = PEER_LABELS[peer]
        if not ok:
            print(f"  {label:10s} failed: {runs[peer][-1].get('error')}")
            continue
        speeds = [r["samples_per_s"] for r in ok]
        ratio = (f"{medians['lamina'] / medians[peer]:11.2f}x" if "lamina" in medians
                 else f"{'-':>12s}")
        print(f"  {label:10s} {medians[peer]:10.0f} {min(speeds):7.0f}..{max(speeds):<7.0f} "
              f"{statistics.median(r['loss'] for r in ok):7.3f} "
              f"{statistics.median(r['accuracy'] for r in ok):6.3f} {ratio}  "
              f"{len(ok)}/{len(runs[peer])}")
    if "keras" in medians and "torch" in medians:
        print(f"  (pytorch / keras3-tf: {medians['torch'] / medians['keras']:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--cell", default="both", choices=("lstm", "gru", "both", "pool"),
                        help="recurrent layer; 'pool' times the Embedding part alone")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=2048, help="samples per timed epoch")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.cell, args.samples, args.epochs, args.batch, args.threads)
        return
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {unknown}; choose from {', '.join(PEERS)}")
    peers = []
    for peer in wanted:
        if all(importlib.util.find_spec(m) for m in PEER_MODULES[peer]):
            peers.append(peer)
        else:
            print(f"{PEER_LABELS[peer]}: not installed, skipped")
    cells = CELLS if args.cell == "both" else (args.cell,)
    for cell in cells:
        runs: Dict[str, List[Dict[str, Any]]] = {p: [] for p in peers}
        for repeat in range(args.repeats):
            for i in range(len(peers)):
                peer = peers[(i + repeat) % len(peers)]
                runs[peer].append(run_peer(peer, cell, args))
        report(cell, peers, runs, args)


if __name__ == "__main__":
    main()
