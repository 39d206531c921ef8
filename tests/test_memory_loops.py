"""Calling fit, predict and the *_on_batch methods in a loop does not grow
memory (Keras's known leak in loops): resident-set growth after warm-up stays
under an absolute bound over thousands of calls."""

from __future__ import annotations

import gc
import os
import sys
from typing import Any, Callable

import numpy as np
import pytest

import lamina

BOUND_MIB = 2.0  # measured growth here: < 0.1 MiB; a 1 KiB-per-call leak exceeds it


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _growth(call: Callable[[], Any], warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        call()
    gc.collect()
    before = _rss_mib()
    for _ in range(repeats):
        call()
    gc.collect()
    return _rss_mib() - before


@pytest.fixture(scope="module")
def setup() -> Any:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 32)).astype(np.float32)
    y = rng.integers(0, 4, size=64)
    model = lamina.Sequential([
        lamina.Input((32,)),
        lamina.layers.Dense(64, activation="relu"),
        lamina.layers.Dropout(0.2),
        lamina.layers.Dense(4, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict", "train_on_batch",
                                    "test_on_batch", "predict_on_batch", "call"])
def test_no_memory_growth_in_loops(setup: Any, method: str) -> None:
    model, x, y = setup
    calls = {
        "fit": (lambda: model.fit(x, y, batch_size=16, verbose=0), 300),
        "evaluate": (lambda: model.evaluate(x, y, batch_size=16, verbose=0), 1000),
        "predict": (lambda: model.predict(x, verbose=0), 3000),
        "train_on_batch": (lambda: model.train_on_batch(x[:16], y[:16]), 3000),
        "test_on_batch": (lambda: model.test_on_batch(x[:16], y[:16]), 3000),
        "predict_on_batch": (lambda: model.predict_on_batch(x[:1]), 5000),
        "call": (lambda: model(x[:8]).numpy(), 5000),
    }
    call, repeats = calls[method]
    growth = _growth(call, warmup=max(50, repeats // 10), repeats=repeats)
    assert growth < BOUND_MIB, f"{method}: RSS grew {growth:.2f} MiB over {repeats} calls"
