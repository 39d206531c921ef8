"""The engine's promises: deterministic across thread counts, no allocation
per step after warm-up, the GIL released during a step, thread-safe predict,
fork-safe, and a light import."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import lamina as keras
from lamina import _core


def _mlp(seed=0, dropout=0.1):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=(40,)), keras.layers.Dense(96, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers += [keras.layers.Dense(64, activation="tanh"),
               keras.layers.Dense(5, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=600, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 40)).astype("float32")
    return x, np.argmax(x @ rng.standard_normal((40, 5)), axis=1)


@pytest.fixture
def restore_threads():
    before = keras.config.get_num_threads()
    yield
    keras.config.set_num_threads(before)


def _train_weights(threads):
    keras.config.set_num_threads(threads)
    model = _mlp()
    x, y = _data()
    model.fit(x, y, batch_size=50, epochs=2, verbose=0)
    return model.get_weights()


def test_results_are_bit_identical_for_one_and_two_threads(restore_threads):
    one = _train_weights(1)
    two = _train_weights(2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_set_random_seed_makes_a_run_reproducible():
    first = _train_weights(keras.config.get_num_threads())
    second = _train_weights(keras.config.get_num_threads())
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_no_allocation_per_step_after_warm_up():
    model = _mlp()
    x, y = _data(256)
    model.train_on_batch(x[:64], y[:64])  # warm-up at the largest batch
    model.predict_on_batch(x[:64])
    before = _core.allocation_count()
    for size in (64, 17, 64, 1, 33):  # smaller batches reuse the workspace
        model.train_on_batch(x[:size], y[:size])
        model.test_on_batch(x[:size], y[:size])
        model.predict_on_batch(x[:size])
    assert _core.allocation_count() == before
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)  # last batch is partial
    assert _core.allocation_count() == before


def test_workspace_does_not_grow_when_batch_sizes_vary():
    model = _mlp()
    x, y = _data(300)
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    before = _core.allocation_count()
    for bs in (3, 128, 77, 128, 5):
        model.fit(x, y, batch_size=bs, epochs=1, verbose=0)
    assert _core.allocation_count() == before


def test_the_gil_is_released_during_a_native_step():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(1024,)), keras.layers.Dense(2048),
                              keras.layers.Dense(2048), keras.layers.Dense(10)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((2048, 1024), np.float32)
    y = np.zeros((2048, 10), np.float32)
    model.train_on_batch(x, y)  # warm up
    ticks = []
    done = threading.Event()

    def spin():
        while not done.is_set():
            ticks.append(time.perf_counter())

    start = time.perf_counter()
    model.train_on_batch(x, y)
    step_time = time.perf_counter() - start
    thread = threading.Thread(target=spin)
    thread.start()
    try:
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        t1 = time.perf_counter()
    finally:
        done.set()
        thread.join()
    during = [t for t in ticks if t0 < t < t1]
    # A step takes tens of milliseconds; with the GIL held, the spinning
    # thread could not record anything while it ran.
    assert step_time > 0.005
    assert len(during) > 100


def test_concurrent_predict_matches_serial():
    model = _mlp(dropout=0.0)
    x, _ = _data(2000)
    serial = [model.predict(x[i::4], batch_size=64, verbose=0) for i in range(4)]
    results = [None] * 4

    def worker(i):
        for _ in range(3):
            results[i] = model.predict(x[i::4], batch_size=64, verbose=0)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(serial, results):
        np.testing.assert_array_equal(a, b)


FORK_SCRIPT = r"""
import os, sys
import numpy as np
import lamina as keras
from lamina import _core
keras.config.set_num_threads(2)
assert _core.parallel_sum_test(1_000_000) == sum(range(1_000_000))
model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(4)])
model.compile(optimizer="adam", loss="mse")
x = np.ones((512, 64), np.float32)
model.fit(x, np.zeros((512, 4), np.float32), batch_size=256, epochs=1, verbose=0)
pid = os.fork()
if pid == 0:
    ok = _core.in_forked_child()
    out = model.predict(x, verbose=0)
    ok = ok and _core.parallel_sum_test(100_000) == sum(range(100_000))
    os._exit(0 if ok and out.shape == (512, 4) else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_computes_single_threaded():
    # The parent's worker threads do not exist in a forked child (the libgomp
    # of OpenMP builds hangs there); the core must run inline instead.
    result = subprocess.run([sys.executable, "-c", FORK_SCRIPT], timeout=120)
    assert result.returncode == 0


def test_import_is_light():
    # What `import lamina` loads, not how long it takes (timings belong in
    # bench/): numpy and lamina itself, never h5py or a deep-learning stack.
    code = ("import sys; import lamina; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = set(out.stdout.split())
    assert "lamina" in loaded and "numpy" in loaded
    heavy = {"h5py", "tensorflow", "keras", "torch", "jax", "scipy", "pandas", "matplotlib",
             "tensorboardX", "requests"}
    assert not loaded & heavy, f"import lamina pulled in {sorted(loaded & heavy)}"


def test_cpu_info_and_threads():
    info = keras.config.cpu_info()
    assert info["isa"] in ("scalar", "avx2", "avx512")
    assert info["threads"] == keras.config.get_num_threads() >= 1
    with pytest.raises(ValueError, match="positive integer"):
        keras.config.set_num_threads(0)


def test_isa_cap_from_the_environment():
    code = "import lamina; print(lamina.config.cpu_info()['isa'])"
    env = dict(os.environ, LAMINA_ISA="scalar")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "scalar"
    env["LAMINA_NUM_THREADS"] = "1"
    code = "import lamina; print(lamina.config.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "1"
