#!/usr/bin/env python3
"""Training throughput of a small MLP: lamina vs Keras 3 (TensorFlow) vs PyTorch.

Model: 784 -> Dense(512, relu) -> Dense(256, relu) -> Dense(10, softmax), Adam
(lr 1e-3, Keras defaults), sparse categorical crossentropy, trained on learnable
synthetic data (x ~ N(0, 1), labels = argmax(x @ T) for a fixed random teacher T).

Every peer runs in its own subprocess (this script re-invoked with ``--worker``);
the peers alternate within one run, and the table reports medians over the repeats.
This is a benchmark, not a test: it always exits 0 and reports failures in the table.

    python bench/bench_mlp.py                       # all peers, batch 32 and 256
    python bench/bench_mlp.py --peers lamina --repeats 1 --samples 5000
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ALL_PEERS = ("lamina", "keras", "torch", "jax")
PEER_LABELS = {
    "lamina": "lamina",
    "keras": "keras3-tf",
    "torch": "pytorch",
    "jax": "jax-jit",
}
# Modules a peer needs; looked up without importing them in the parent.
PEER_MODULES = {
    "lamina": ("lamina",),
    "keras": ("keras", "tensorflow"),
    "torch": ("torch",),
    "jax": ("jax",),
}
N_FEATURES = 784
N_CLASSES = 10
DATA_SEED = 1234
TEACHER_SEED = 4321
MODEL_SEED = 42
RESULT_TAG = "bench_mlp_result"
# Environment variables that make numpy/OpenBLAS slow on this kind of machine.
UNSET_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def default_threads() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def make_data(n: int):
    """Learnable synthetic data, identical in every worker."""
    import numpy as np

    teacher = np.random.default_rng(TEACHER_SEED).standard_normal(
        (N_FEATURES, N_CLASSES), dtype=np.float32
    )
    x = np.random.default_rng(DATA_SEED).standard_normal((n, N_FEATURES), dtype=np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return x, y


# --------------------------------------------------------------------------- workers


def run_keras_like(keras, x, y, batch_size: int, epochs: int) -> dict:
    """Plain Keras 3 API only, so the same code drives lamina and Keras."""
    set_seed = getattr(getattr(keras, "utils", None), "set_random_seed", None)
    if set_seed is not None:
        set_seed(MODEL_SEED)
    model = keras.Sequential(
        [
            keras.Input(shape=(N_FEATURES,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # Warm-up: one whole epoch in its own fit call (tracing, partial last batch).
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "loss": float(history.history["loss"][-1]),
        "accuracy": float(history.history["accuracy"][-1]),
    }


def worker_lamina(x, y, batch_size: int, epochs: int, threads: int) -> dict:
    import lamina as keras

    result = run_keras_like(keras, x, y, batch_size, epochs)
    result["version"] = getattr(keras, "__version__", "?")
    cpu_info = getattr(getattr(keras, "config", None), "cpu_info", None)
    if cpu_info is not None:
        try:
            result["info"] = str(cpu_info())
        except Exception as exc:  # informational only
            result["info"] = f"cpu_info() failed: {exc!r}"
    return result


def worker_keras(x, y, batch_size: int, epochs: int, threads: int) -> dict:
    import tensorflow as tf

    # Must happen before TensorFlow initialises its runtime.
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    result = run_keras_like(keras, x, y, batch_size, epochs)
    result["version"] = f"keras {keras.__version__}, tensorflow {tf.__version__}"
    return result


def worker_torch(x, y, batch_size: int, epochs: int, threads: int) -> dict:
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(MODEL_SEED)
    model = nn.Sequential(
        nn.Linear(N_FEATURES, 512),
        nn.ReLU(),
        nn.Linear(512, 256),
        nn.ReLU(),
        nn.Linear(256, N_CLASSES),
    )
    # Keras defaults: lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7.
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    criterion = nn.CrossEntropyLoss()  # softmax + crossentropy on logits
    inputs = torch.from_numpy(x)
    targets = torch.from_numpy(y)
    n = inputs.shape[0]
    generator = torch.Generator().manual_seed(MODEL_SEED)

    def train_epoch() -> tuple[float, float]:
        # Same bookkeeping as Keras: sample-weighted mean loss, accuracy over the epoch.
        model.train()
        total_loss = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        perm = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb = inputs[idx]
            yb = targets[idx]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = criterion(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                total_loss += loss.detach() * yb.shape[0]
                correct += (logits.argmax(dim=1) == yb).sum()
        return float(total_loss) / n, float(correct) / n

    train_epoch()  # warm-up
    start = time.perf_counter()
    loss = accuracy = float("nan")
    for _ in range(epochs):
        loss, accuracy = train_epoch()
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "loss": loss,
        "accuracy": accuracy,
        "version": f"torch {torch.__version__}",
    }


def worker_jax(x, y, batch_size: int, epochs: int, threads: int) -> dict:
    """Plain JAX with the whole train step (forward, backward, Adam) under jax.jit.

    The thread count comes from PJRT_NPROC, set by the parent. Adam is written
    out with Keras's defaults (lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7)
    and Glorot-uniform kernels / zero biases, as Keras initialises Dense.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    sizes = (N_FEATURES, 512, 256, N_CLASSES)
    rng = np.random.default_rng(MODEL_SEED)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        params.append((jnp.asarray(w), jnp.zeros((fan_out,), jnp.float32)))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7

    def loss_fn(p, xb, yb):
        h = xb
        for i, (w, b) in enumerate(p):
            h = h @ w + b
            if i < len(p) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        loss = -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))
        return loss, jnp.sum(jnp.argmax(h, axis=1) == yb)

    @jax.jit
    def step(p, m, v, t, xb, yb):
        (loss, correct), g = jax.value_and_grad(loss_fn, has_aux=True)(p, xb, yb)
        t = t + 1
        alpha = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        m = jax.tree_util.tree_map(lambda mi, gi: mi + (gi - mi) * (1 - b1), m, g)
        v = jax.tree_util.tree_map(lambda vi, gi: vi + (gi * gi - vi) * (1 - b2), v, g)
        p = jax.tree_util.tree_map(
            lambda pi, mi, vi: pi - alpha * mi / (jnp.sqrt(vi) + eps), p, m, v
        )
        return p, m, v, t, loss, correct

    n = x.shape[0]
    perm_rng = np.random.default_rng(MODEL_SEED)
    t = jnp.zeros((), jnp.float32)

    def train_epoch(state):
        p, m, v, t = state
        total_loss = 0.0
        correct = 0
        perm = perm_rng.permutation(n)
        losses, hits = [], []
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            p, m, v, t, loss, c = step(p, m, v, t, x[idx], y[idx])
            losses.append(loss * len(idx))
            hits.append(c)
        total_loss = float(jnp.sum(jnp.stack(losses)))
        correct = int(jnp.sum(jnp.stack(hits)))
        return (p, m, v, t), total_loss / n, correct / n

    state = (params, m, v, t)
    state, _, _ = train_epoch(state)  # warm-up: compiles both batch shapes
    start = time.perf_counter()
    loss = accuracy = float("nan")
    for _ in range(epochs):
        state, loss, accuracy = train_epoch(state)
    jax.block_until_ready(state[0])
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "loss": loss,
        "accuracy": accuracy,
        "version": f"jax {jax.__version__}",
    }


WORKERS = {
    "lamina": worker_lamina,
    "keras": worker_keras,
    "torch": worker_torch,
    "jax": worker_jax,
}


def worker_main(args: argparse.Namespace) -> int:
    x, y = make_data(args.samples)
    result = WORKERS[args.worker](x, y, args.batch_size, args.epochs, args.threads)
    result.update(
        {
            RESULT_TAG: True,
            "peer": args.worker,
            "batch_size": args.batch_size,
            "samples_per_s": args.samples * args.epochs / result["seconds"],
        }
    )
    sys.stdout.flush()
    print(json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------------- parent


def peer_installed(peer: str) -> bool:
    for module in PEER_MODULES[peer]:
        try:
            if importlib.util.find_spec(module) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def child_env(peer: str, threads: int) -> dict:
    env = dict(os.environ)
    for name in UNSET_ENV:
        env.pop(name, None)
    for name in (
        "LAMINA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
    ):
        env[name] = str(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # JAX's CPU client: as many threads as the others get.
    env["PJRT_NPROC"] = str(threads)
    env.setdefault("JAX_PLATFORMS", "cpu")
    if peer == "keras":
        env["KERAS_BACKEND"] = "tensorflow"
    return env


def run_child(peer: str, batch_size: int, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        peer,
        "--batch-size",
        str(batch_size),
        "--samples",
        str(args.samples),
        "--epochs",
        str(args.epochs),
        "--threads",
        str(args.threads),
    ]
    try:
        proc = subprocess.run(
            cmd,
            env=child_env(peer, args.threads),
            capture_output=True,
            text=True,
            timeout=args.timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:g} s"}
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict) and result.get(RESULT_TAG):
            return result
    tail = [ln for ln in (proc.stderr or "").strip().splitlines() if ln.strip()]
    reason = tail[-1].strip() if tail else "no result line"
    return {"error": f"exit code {proc.returncode}: {reason}", "stderr": proc.stderr}


def fmt_rate(value) -> str:
    return f"{value:,.0f}" if value is not None else "-"


def print_table(args, peers, status, results) -> None:
    header = (
        "peer",
        "batch",
        "samples/s",
        "min..max",
        "final loss",
        "final acc",
        "lamina/peer",
        "runs",
    )
    rows = []
    for bs in args.batch_sizes:
        runs = {p: [r for r in results.get((p, bs), []) if "error" not in r] for p in peers}
        medians = {
            p: statistics.median(r["samples_per_s"] for r in runs[p]) if runs[p] else None
            for p in peers
        }
        lamina_rate = medians.get("lamina")
        for peer in peers:
            label = PEER_LABELS[peer]
            if status[peer] != "ok":
                rows.append((label, str(bs), status[peer], "", "", "", "", ""))
                continue
            ok = runs[peer]
            total = len(results.get((peer, bs), []))
            if not ok:
                rows.append((label, str(bs), "failed", "", "", "", "", f"0/{total}"))
                continue
            loss = statistics.median(r["loss"] for r in ok)
            acc = statistics.median(r["accuracy"] for r in ok)
            rate = medians[peer]
            rates = [r["samples_per_s"] for r in ok]
            spread = f"{min(rates):,.0f}..{max(rates):,.0f}"
            ratio = f"{lamina_rate / rate:.2f}x" if lamina_rate and rate else "-"
            rows.append(
                (
                    label,
                    str(bs),
                    fmt_rate(rate),
                    spread,
                    f"{loss:.4f}",
                    f"{acc:.4f}",
                    ratio,
                    f"{len(ok)}/{total}",
                )
            )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
            )
        )


def parent_main(args: argparse.Namespace) -> int:
    peers = args.peers
    status = {p: ("ok" if peer_installed(p) else "not installed") for p in peers}
    active = [p for p in peers if status[p] == "ok"]
    print(
        f"MLP 784-512-256-10, Adam, sparse CE | samples={args.samples} epochs={args.epochs} "
        f"(+1 warm-up) repeats={args.repeats} threads={args.threads} | "
        f"python {platform.python_version()} on {platform.machine()}",
        flush=True,
    )
    for peer in peers:
        if status[peer] != "ok":
            print(f"  {PEER_LABELS[peer]}: not installed, skipped", flush=True)

    results: dict = {}
    versions: dict = {}
    errors: list = []
    for rep in range(args.repeats):
        for bs in args.batch_sizes:
            # Round-robin, rotating the start so no peer always runs first.
            order = active[rep % len(active) :] + active[: rep % len(active)] if active else []
            for peer in order:
                result = run_child(peer, bs, args)
                results.setdefault((peer, bs), []).append(result)
                label = PEER_LABELS[peer]
                if "error" in result:
                    msg = f"[{rep + 1}/{args.repeats}] {label:10s} bs={bs:<4d} FAILED: "
                    msg += result["error"]
                    errors.append((peer, bs, result))
                else:
                    versions.setdefault(peer, (result.get("version"), result.get("info")))
                    msg = (
                        f"[{rep + 1}/{args.repeats}] {label:10s} bs={bs:<4d} "
                        f"{result['samples_per_s']:>10,.0f} samples/s  "
                        f"loss {result['loss']:.4f}  acc {result['accuracy']:.4f}"
                    )
                print(msg, flush=True)

    print()
    for peer, (version, info) in versions.items():
        extra = f" ({info})" if info else ""
        print(f"{PEER_LABELS[peer]}: {version}{extra}")
    print()
    print_table(args, peers, status, results)
    print()
    print(
        "samples/s: median over repeats of (samples x timed epochs) / wall time of the "
        "timed epochs; lamina/peer > 1 means lamina is faster."
    )
    if errors:
        print(
            f"{len(errors)} worker run(s) failed (reported above; the benchmark still exits 0)."
            + ("" if args.verbose else " Use --verbose for their stderr.")
        )
    if errors and args.verbose:
        for peer, bs, result in errors[:3]:
            print(f"\n--- stderr of {PEER_LABELS[peer]} bs={bs} ---", file=sys.stderr)
            print(result.get("stderr", ""), file=sys.stderr)
    return 0


def parse_list(text: str, kind):
    items = [kind(t.strip()) for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return items


def parse_peers(text: str) -> list:
    peers = parse_list(text, str)
    unknown = [p for p in peers if p not in ALL_PEERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown peer(s) {unknown}; choose from {','.join(ALL_PEERS)}"
        )
    return peers


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--peers",
        type=parse_peers,
        default=list(ALL_PEERS),
        help="comma-separated subset of lamina,keras,torch",
    )
    parser.add_argument(
        "--batch-sizes",
        type=lambda s: parse_list(s, positive_int),
        default=[32, 256],
        help="comma-separated batch sizes (default 32,256)",
    )
    parser.add_argument("--samples", type=positive_int, default=20000)
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=2,
        help="timed epochs per run, after one warm-up epoch",
    )
    parser.add_argument("--repeats", type=positive_int, default=5)
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=default_threads(),
        help="threads for every peer (default: all cores)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds before a worker is killed"
    )
    parser.add_argument("--verbose", action="store_true", help="print worker stderr on failure")
    parser.add_argument("--worker", choices=ALL_PEERS, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=positive_int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        if args.batch_size is None:
            print("--worker needs --batch-size", file=sys.stderr)
            return 2
        return worker_main(args)
    try:
        return parent_main(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
