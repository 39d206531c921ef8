"""Runs several peers side by side, fairly, on a shared machine.

Each peer lives in its own persistent subprocess (its own thread pool,
allocator and BLAS), set up once. The parent then walks the cases, and for
every repeat of every case asks each peer in turn (starting peer rotating) to
time that case once, pausing between peers so threads left spinning by the
previous one (OpenBLAS, OpenMP, lamina's pool) are idle again. Every sample of
one peer is thus taken next to a sample of each other peer, and a busy phase
of the machine hits all peers alike.

Protocol: the parent writes "<case index> <calls>\\n" to a worker's stdin; the
worker runs that case `calls` times and prints the elapsed seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Callable, Dict, List, Sequence

READY = "interleave-ready"


def serve(cases: Sequence[Callable[[], object]], info: dict) -> None:
    """Worker side: warm every case, announce readiness, then answer requests."""
    for call in cases:
        call()
    print(READY + json.dumps(info), flush=True)
    for line in sys.stdin:
        index, calls = (int(v) for v in line.split())
        call = cases[index]
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        print(repr(time.perf_counter() - t0), flush=True)


class Peer:
    def __init__(self, name: str, cmd: List[str], env: Dict[str, str]):
        self.name = name
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.info: dict = {}
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(READY):
                self.info = json.loads(line[len(READY) :])
                break
        else:
            raise RuntimeError(f"{name}: worker exited before it was ready")

    def time(self, index: int, calls: int) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{index} {calls}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline()) / calls

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def run(
    peers: Dict[str, List[str]],
    env: Dict[str, str],
    n_cases: int,
    calls_for: Callable[[int], int],
    repeats: int,
    gap: float = 0.25,
) -> tuple:
    """Times every case on every peer; returns ({peer: [[seconds per call]]}, {peer: info})."""
    started = {}
    for name, cmd in peers.items():
        try:
            started[name] = Peer(name, cmd, env)
        except RuntimeError as exc:
            sys.stderr.write(f"{exc}\n")
    order = list(started)
    times = {name: [[] for _ in range(n_cases)] for name in order}
    for case in range(n_cases):
        calls = calls_for(case)
        for r in range(repeats):
            for i in range(len(order)):
                name = order[(i + r + case) % len(order)]
                time.sleep(gap)
                times[name][case].append(started[name].time(case, calls))
    for peer in started.values():
        peer.close()
    return times, {name: p.info for name, p in started.items()}


def worker_env(threads: int) -> Dict[str, str]:
    env = dict(os.environ)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "LAMINA_NUM_THREADS",
    ):
        env[name] = str(threads)
    return env
