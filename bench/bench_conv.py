#!/usr/bin/env python3
"""Convolution and pooling kernels at the Keras MNIST convnet's shapes:
lamina (NHWC, lamina._core.kernels) vs torch.nn.functional (NCHW, its native
layout), forward and backward, each peer in its own subprocess.

The Keras example: Input(28, 28, 1) -> Conv2D(32, 3, relu) -> MaxPooling2D(2)
-> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout -> Dense(10),
batch 128. "bwd" is the input gradient plus the kernel gradient, except for
the first convolution, whose input needs no gradient (kernel gradient only,
for both peers). Times are medians of --repeats runs of --inner calls each.

    python bench/bench_conv.py                    # lamina and torch, 2 threads
    python bench/bench_conv.py --threads 1 --batch 32
    python bench/bench_conv.py --shapes others --batch 32   # other shape classes

`--shapes others` times one layer of each other shape class lamina picks a
method for (Winograd at 32x32x64, im2col for a 3-channel input, a strided and
a 5x5 convolution, a 1x1 GEMM, depthwise, Conv1D), "same" padding.

A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import interleave


def shapes(batch, which="mnist"):
    if which == "others":
        # name, kind, input NHWC, (kh, kw, in/groups, out, stride, groups), needs input grad
        return [
            ("3x3 64->64 32x32 Winograd", "conv", (batch, 32, 32, 64), (3, 3, 64, 64, 1, 1), True),
            ("3x3 3->32 32x32 im2col", "conv", (batch, 32, 32, 3), (3, 3, 3, 32, 1, 1), True),
            ("3x3 s2 64->128 32x32", "conv", (batch, 32, 32, 64), (3, 3, 64, 128, 2, 1), True),
            ("5x5 32->64 14x14", "conv", (batch, 14, 14, 32), (5, 5, 32, 64, 1, 1), True),
            ("1x1 64->128 16x16", "conv", (batch, 16, 16, 64), (1, 1, 64, 128, 1, 1), True),
            ("depthwise 3x3 64 32x32", "conv", (batch, 32, 32, 64), (3, 3, 1, 64, 1, 64), True),
            ("Conv1D k5 64->64 L100", "conv", (batch, 1, 100, 64), (1, 5, 64, 64, 1, 1), True),
        ]
    return [
        # name, kind, input NHWC, kernel (kh, kw, in, out) or pool size, needs input grad
        ("conv1 3x3 1->32", "conv", (batch, 28, 28, 1), (3, 3, 1, 32), False),
        ("maxpool1 2x2", "maxpool", (batch, 26, 26, 32), (2, 2), True),
        ("conv2 3x3 32->64", "conv", (batch, 13, 13, 32), (3, 3, 32, 64), True),
        ("maxpool2 2x2", "maxpool", (batch, 11, 11, 64), (2, 2), True),
        ("avgpool 2x2 (AveragePooling2D)", "avgpool", (batch, 26, 26, 32), (2, 2), True),
        ("global avg pool 11x11x64", "gap", (batch, 11, 11, 64), None, True),
    ]


def conv_setup(xs, ks):
    """Kernel size, stride, groups and the "same" padding (top, left, bottom,
    right as Keras computes it; zero for the MNIST cases, which are "valid")."""
    kh, kw, cin, cout = ks[:4]
    stride, groups = (ks[4], ks[5]) if len(ks) > 4 else (1, 1)
    if len(ks) == 4:
        return kh, kw, cin, cout, stride, groups, (0, 0, 0, 0)
    pads = []
    for size, k in ((xs[1], kh), (xs[2], kw)):
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return kh, kw, cin, cout, stride, groups, (pads[0][0], pads[1][0], pads[0][1], pads[1][1])


def lamina_ops(case):
    import numpy as np

    from lamina._core import kernels as K

    name, kind, xs, ks, need_dx = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(np.float32)
    if kind == "conv":
        kh, kw, cin, cout, stride, groups, pads = conv_setup(xs, ks)
        w = rng.standard_normal((kh, kw, cin, cout)).astype(np.float32) * 0.1
        b = np.zeros(cout, np.float32)
        geo = {"strides": (stride, stride), "pads": pads, "groups": groups}
        y = K.conv2d_forward(x, w, b, **geo)
        dy = rng.standard_normal(y.shape).astype(np.float32)

        def fwd():
            K.conv2d_forward(x, w, b, **geo)

        def bwd():
            K.conv2d_backward_weights(x, dy, (kh, kw), **geo)
            if need_dx:
                K.conv2d_backward_data(dy, w, xs[1:3], **geo)

        return fwd, bwd
    if kind == "gap":
        y = K.global_avg_pool_forward(x)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        return (lambda: K.global_avg_pool_forward(x)), (
            lambda: K.global_avg_pool_backward(dy, list(xs))
        )
    if kind == "maxpool":
        # Training's path, as torch's max_pool2d_with_indices: the forward
        # records each window's maximum, the backward reads only those records.
        y, argmax = K.max_pool2d_forward_argmax(x, ks, ks)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        return (lambda: K.max_pool2d_forward_argmax(x, ks, ks)), (
            lambda: K.max_pool2d_backward_argmax(argmax, dy, xs[1:3], ks, ks)
        )
    y = K.avg_pool2d_forward(x, ks, ks)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    return (lambda: K.avg_pool2d_forward(x, ks, ks)), (
        lambda: K.avg_pool2d_backward(dy, xs[1:3], ks, ks)
    )


def torch_ops(case):
    import torch
    import torch.nn.functional as F

    name, kind, xs, ks, need_dx = case
    g = torch.Generator().manual_seed(0)
    n, h, w_, c = xs
    x = torch.randn((n, c, h, w_), generator=g)
    if kind == "conv":
        kh, kw, cin, cout, stride, groups, (top, left, bottom, right) = conv_setup(xs, ks)
        w = torch.randn((cout, cin, kh, kw), generator=g) * 0.1
        b = torch.zeros(cout)
        # torch pads symmetrically: pad the input once where Keras's "same"
        # is asymmetric (an even kernel or a stride), so both do equal work.
        if (top, left) != (bottom, right):
            x = F.pad(x, (left, right, top, bottom))
            top = left = 0
        y = F.conv2d(x, w, b, stride, (top, left), 1, groups)
        dy = torch.randn(y.shape, generator=g)
        mask = [need_dx, True, False]

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, b, stride, (top, left), 1, groups)

        def bwd():
            torch.ops.aten.convolution_backward(
                dy, x, w, None, [stride, stride], [top, left], [1, 1], False, [0, 0], groups, mask
            )

        return fwd, bwd
    if kind == "gap":
        y = x.mean(dim=(2, 3))
        dy = torch.randn(y.shape, generator=g)

        def gap_fwd():
            with torch.no_grad():
                x.mean(dim=(2, 3))

        def gap_bwd():
            (dy[:, :, None, None] / (h * w_)).expand(n, c, h, w_).contiguous()

        return gap_fwd, gap_bwd
    if kind == "maxpool":
        y, idx = torch.ops.aten.max_pool2d_with_indices(x, list(ks), list(ks))
        dy = torch.randn(y.shape, generator=g)

        def mp_fwd():
            with torch.no_grad():
                torch.ops.aten.max_pool2d_with_indices(x, list(ks), list(ks))

        def mp_bwd():
            torch.ops.aten.max_pool2d_with_indices_backward(
                dy, x, list(ks), list(ks), [0, 0], [1, 1], False, idx
            )

        return mp_fwd, mp_bwd
    y = F.avg_pool2d(x, ks, ks)
    dy = torch.randn(y.shape, generator=g)

    def ap_fwd():
        with torch.no_grad():
            F.avg_pool2d(x, ks, ks)

    def ap_bwd():
        torch.ops.aten.avg_pool2d_backward(dy, x, list(ks), list(ks), [0, 0], False, True, None)

    return ap_fwd, ap_bwd


def worker(peer, threads, batch, which):
    if peer == "torch":
        import torch

        torch.set_num_threads(threads)
        make = torch_ops
        version = torch.__version__
    else:
        import lamina

        lamina._core.set_num_threads(threads)
        make = lamina_ops
        version = lamina.__version__
    cases = []
    for case in shapes(batch, which):
        cases.extend(make(case))  # forward, backward
    interleave.serve(cases, {"version": version})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--worker", choices=["lamina", "torch"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--calls", type=int, default=10, help="calls per timed sample")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--shapes", choices=["mnist", "others"], default="mnist")
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.batch, args.shapes)
        return
    script = os.path.abspath(__file__)
    cmds = {
        peer: [
            sys.executable,
            script,
            "--worker",
            peer,
            "--threads",
            str(args.threads),
            "--batch",
            str(args.batch),
            "--shapes",
            args.shapes,
        ]
        for peer in ("lamina", "torch")
    }
    ops = shapes(args.batch, args.shapes)
    times, info = interleave.run(
        cmds,
        interleave.worker_env(args.threads),
        2 * len(ops),
        lambda _: args.calls,
        args.repeats,
        # A pause before each sample lets the other peer's idle threads stop
        # spinning (torch's OpenMP workers spin up to ~200 ms after a call).
        gap=0.3,
    )
    med = {peer: [statistics.median(t) for t in per_case] for peer, per_case in times.items()}
    versions = ", ".join(f"{k} {v['version']}" for k, v in info.items())
    print(f"batch {args.batch}, {args.threads} threads; {versions}")
    print("median ms per call over interleaved samples; x = torch time / lamina time")
    print(
        f"{'op':34s} {'lamina fwd':>10s} {'torch fwd':>10s} {'lamina bwd':>10s} "
        f"{'torch bwd':>10s} {'fwd x':>6s} {'bwd x':>6s}"
    )
    nan = float("nan")
    for i, case in enumerate(ops):
        lf, lb = med["lamina"][2 * i : 2 * i + 2] if "lamina" in med else (nan, nan)
        tf, tb = med["torch"][2 * i : 2 * i + 2] if "torch" in med else (nan, nan)
        print(
            f"{case[0]:34s} {lf * 1e3:10.3f} {tf * 1e3:10.3f} {lb * 1e3:10.3f} {tb * 1e3:10.3f} "
            f"{tf / lf:6.2f} {tb / lb:6.2f}"
        )


if __name__ == "__main__":
    main()
