"""Small-input inference latency: `predict(x)`, `predict_on_batch(x)` and
`model(x)` on one sample of the benchmark MLP (784-512-256-10), lamina vs
Keras 3 (TensorFlow) vs PyTorch, each framework in its own subprocess.

    python bench/bench_predict.py [--repeats 5] [--calls 2000]

Prints the median microseconds per call of each method and lamina's ratio.
Keras's `predict` is the call its users complain about in loops
(keras-team/keras#18369); `model(x)` is what its docs recommend instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List

WORKER = r"""
import json, os, sys, time
import numpy as np
framework, calls = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.normal(size=(1, 784)).astype(np.float32)

def timed(fn):
    for _ in range(max(20, calls // 10)):
        fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6

out = {}
if framework in ("lamina", "keras"):
    if framework == "keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
    else:
        import lamina as keras
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.predict(x, verbose=0)
    out["predict(x, verbose=0)"] = timed(lambda: model.predict(x, verbose=0))
    out["predict_on_batch(x)"] = timed(lambda: model.predict_on_batch(x))
    out["model(x)"] = timed(lambda: np.asarray(model(x)))
else:
    import torch
    torch.set_num_threads(2)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10), torch.nn.Softmax(dim=-1),
    ).eval()
    def call():
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    out["model(x)"] = timed(call)
print(json.dumps(out))
"""


def run(framework: str, calls: int) -> Dict[str, float]:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    done = subprocess.run([sys.executable, "-c", WORKER, framework, str(calls)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--frameworks", default="lamina,keras,torch")
    args = parser.parse_args()
    frameworks = args.frameworks.split(",")
    results: Dict[str, Dict[str, List[float]]] = {f: {} for f in frameworks}
    for _ in range(args.repeats):  # alternate the peers within each repeat
        for f in frameworks:
            calls = args.calls if f != "keras" else max(50, args.calls // 20)
            for method, us in run(f, calls).items():
                results[f].setdefault(method, []).append(us)
    print(f"single-sample latency, median of {args.repeats} runs (microseconds per call)")
    lamina_call = statistics.median(results.get("lamina", {}).get("model(x)", [float("nan")]))
    for f in frameworks:
        for method, values in results[f].items():
            med = statistics.median(values)
            ratio = ""
            if f != "lamina" and method == "model(x)":
                ratio = f"  (lamina model(x) is {med / lamina_call:.1f}x faster)"
            print(f"  {f:7s} {method:24s} {med:10.1f}{ratio}")


if __name__ == "__main__":
    start = time.time()
    main()
    print(f"({time.time() - start:.0f} s)")
