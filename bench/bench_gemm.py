#!/usr/bin/env python3
"""float32 GEMM throughput: lamina vs numpy (OpenBLAS) vs torch (MKL / its BLAS),
each peer in its own subprocess, within one run.

Shapes: square 64..2048, and the shapes layers use -- the benchmark MLP
(784 -> 512 -> 256 -> 10) at batch 32 and 256 in its three layouts (forward
x.W, kernel gradient x^T.dy, input gradient dy.W^T), batch-1 predict, and the
Keras MNIST convnet's second convolution as im2col GEMMs (batch 128).

Each peer is one persistent subprocess; samples are interleaved shape by
shape and repeat by repeat (bench/interleave.py), each ~0.1 s of calls, so
every peer sees the same machine load. Reported: the median GFLOP/s over the
`--repeats` samples (and the best). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
removed from the workers' environment.

    python bench/bench_gemm.py                     # 2 threads, all peers
    python bench/bench_gemm.py --threads 1 --peers lamina,numpy --repeats 3

A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import interleave

PEERS = ("lamina", "numpy", "torch")

# (label, m, n, k, trans_a, trans_b)
SHAPES = [(f"square {s}", s, s, s, False, False) for s in (64, 128, 256, 512, 1024, 2048)] + [
    ("mlp fwd 32x784.784x512", 32, 512, 784, False, False),
    ("mlp dW 784x32.32x512 (A^T)", 784, 512, 32, True, False),
    ("mlp dX 32x512.512x784 (B^T)", 32, 784, 512, False, True),
    ("mlp fwd 256x784.784x512", 256, 512, 784, False, False),
    ("mlp dW 784x256.256x512 (A^T)", 784, 512, 256, True, False),
    ("mlp dX 256x512.512x784 (B^T)", 256, 784, 512, False, True),
    ("predict 1x784.784x512", 1, 512, 784, False, False),
    ("conv2 fwd 15488x288.288x64", 15488, 64, 288, False, False),
    ("conv2 dW 288x15488.15488x64 (A^T)", 288, 64, 15488, True, False),
    ("conv2 dcols 15488x64.64x288 (B^T)", 15488, 288, 64, False, True),
]


def operands(m, n, k, ta, tb):
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return a, b


def make_call(peer, m, n, k, ta, tb):
    import numpy as np

    a, b = operands(m, n, k, ta, tb)
    c = np.empty((m, n), np.float32)
    if peer == "lamina":
        from lamina._core import kernels as K

        return lambda: K.gemm(a, b, ta, tb, c=c)
    if peer == "numpy":
        av, bv = (a.T if ta else a), (b.T if tb else b)
        return lambda: np.matmul(av, bv, out=c)
    import torch

    at, bt, ct = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
    av, bv = (at.t() if ta else at), (bt.t() if tb else bt)
    return lambda: torch.mm(av, bv, out=ct)


def worker(peer, threads):
    if peer == "torch":
        import torch

        torch.set_num_threads(threads)
        version = torch.__version__
    elif peer == "numpy":
        import numpy as np

        version = np.__version__
        try:
            cfg = np.show_config(mode="dicts")
            blas = cfg["Build Dependencies"]["blas"]
            version += f" ({blas.get('name')} {blas.get('version')})"
        except Exception:  # noqa: BLE001 - older numpy: the version is enough
            pass
    else:
        import lamina

        lamina._core.set_num_threads(threads)
        version = lamina.__version__
    cases = [make_call(peer, m, n, k, ta, tb) for _, m, n, k, ta, tb in SHAPES]
    interleave.serve(cases, {"version": version})


def calls_for(case):
    _, m, n, k, _, _ = SHAPES[case]
    return max(1, int(0.1 * 50e9 / (2.0 * m * n * k)))  # ~0.1 s at 50 GFLOP/s


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", choices=PEERS)
    p.add_argument("--peers", default=",".join(PEERS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.threads)
        return
    peers = [x for x in args.peers.split(",") if x]
    script = os.path.abspath(__file__)
    cmds = {
        peer: [sys.executable, script, "--worker", peer, "--threads", str(args.threads)]
        for peer in peers
    }
    times, info = interleave.run(
        cmds, interleave.worker_env(args.threads), len(SHAPES), calls_for, args.repeats
    )
    peers = list(times)
    print(f"threads={args.threads}; " + "; ".join(f"{k} {v['version']}" for k, v in info.items()))
    print("GFLOP/s, median of the interleaved samples (best in brackets)")
    head = f"{'shape':36s}" + "".join(f"{peer:>18s}" for peer in peers)
    if "lamina" in peers:
        head += "".join(f"{'vs ' + peer:>10s}" for peer in peers if peer != "lamina")
    print(head)
    for case, (label, m, n, k, _, _) in enumerate(SHAPES):
        flops = 2.0 * m * n * k
        row = f"{label:36s}"
        med = {}
        for peer in peers:
            rates = [flops / t / 1e9 for t in times[peer][case]]
            med[peer] = statistics.median(rates)
            row += f"{med[peer]:10.1f} [{max(rates):5.1f}]"
        if "lamina" in med:
            for peer in peers:
                if peer != "lamina":
                    row += f"{med['lamina'] / med[peer]:10.2f}"
        print(row)


if __name__ == "__main__":
    main()
