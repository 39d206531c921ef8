"""Worker threads and processes under failure: exceptions come back whole,
every way out of fit (callback exception, KeyboardInterrupt, stop_training,
a killed worker) leaves no thread, process, fd or shared buffer behind, and
nothing hangs. Scripts that could hang run in a subprocess with a timeout."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest
from data_sources import ArraySequence, arrays, batches, model, resources

import lamina as keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where this process imported lamina from (the installed package in CI, the
# source tree with a built extension in development): the scripts import the same.
LAMINA_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(keras.__file__)))
MODES = {
    "main": {"workers": 0},
    "threads": {"workers": 2},
    "processes": {"workers": 2, "use_multiprocessing": True},
}


class BatchFailed(Exception):
    pass


class FailingSequence(ArraySequence):
    def __getitem__(self, i):
        if i == 3:
            self._explode(i)
        return super().__getitem__(i)

    def _explode(self, i):
        raise BatchFailed(f"cannot read batch {i}")


def settled_resources():
    gc.collect()
    return resources()


@pytest.fixture
def no_leaks():
    model().fit(*arrays()[:2], verbose=0)  # warm up lazily created state first
    before = settled_resources()
    yield
    after = settled_resources()
    assert after == before


@pytest.mark.parametrize("mode", list(MODES))
def test_worker_exception_reaches_caller_whole(mode, no_leaks):
    x, y, _ = arrays()
    with pytest.raises(BatchFailed, match=r"^cannot read batch 3$") as info:
        model().fit(FailingSequence(x, y), shuffle=False, verbose=0, **MODES[mode])
    text = "".join(traceback.format_exception(info.value))
    assert "in _explode" in text and 'raise BatchFailed(f"cannot read batch {i}")' in text
    if mode == "processes":
        assert "While loading batch index 3 in a data worker process" in text


@pytest.mark.filterwarnings("ignore:use_multiprocessing=True with a Python generator")
@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_generator_exception_in_thread(mode, no_leaks):
    def gen():
        yield from batches(*arrays()[:2], repeat=1)
        raise BatchFailed("generator broke")

    with pytest.raises(BatchFailed, match="generator broke") as info:
        model().fit(gen(), steps_per_epoch=10, verbose=0, **MODES[mode])
    assert "in gen" in "".join(traceback.format_exception(info.value))


class Boom(keras.callbacks.Callback):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            raise self.error


@pytest.mark.parametrize("mode", ["threads", "processes"])
@pytest.mark.parametrize("error_type", [RuntimeError, KeyboardInterrupt])
def test_callback_exception_or_interrupt_stops_workers(mode, error_type, no_leaks):
    x, y, _ = arrays()
    seq = ArraySequence(x, y, delay=0.01)
    error = error_type("raised in a callback")  # a fresh one: its traceback dies with the test
    with pytest.raises(error_type):
        model().fit(seq, epochs=3, verbose=0, callbacks=[Boom(error)], max_queue_size=2,
                    **MODES[mode])


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_stop_training_and_validation_shut_down_cleanly(mode, no_leaks):
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    x, y, _ = arrays()
    hist = model().fit(ArraySequence(x, y), epochs=5, validation_data=ArraySequence(x, y),
                       verbose=0, callbacks=[Stop()], **MODES[mode])
    assert len(hist.history["loss"]) == 1 and "val_loss" in hist.history
    # Normal runs leave nothing behind either, including evaluate and predict.
    m = model()
    m.fit(ArraySequence(x, y), epochs=2, verbose=0, **MODES[mode])
    m.evaluate(ArraySequence(x, y), verbose=0, **MODES[mode])
    m.predict(ArraySequence(x), verbose=0, **MODES[mode])
    m.fit(batches(x, y, repeat=2), steps_per_epoch=6, epochs=2, verbose=0, workers=2)


def test_batches_larger_than_a_shared_slot(no_leaks, monkeypatch):
    from lamina.trainers.data_adapters import py_dataset_adapter

    # 16 KB batches, 1 KB slots: the first pass pickles them, the second
    # pass's slots are sized to fit. Both must deliver the same numbers.
    monkeypatch.setattr(py_dataset_adapter, "_MIN_SLOT_BYTES", 1024)
    big = np.random.default_rng(0).normal(size=(3 * 1024, 4)).astype("float32")
    target = big[:, :1] * 0.5
    m = model()
    m.fit(ArraySequence(big, target, bs=1024), epochs=2, shuffle=False, verbose=0, workers=2,
          use_multiprocessing=True)
    ref = model()
    ref.fit(big, target, batch_size=1024, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def run_script(body, timeout=120):
    script = textwrap.dedent(body)
    env = dict(os.environ, PYTHONPATH=LAMINA_PARENT)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


PRELUDE = """
import os, signal, sys, time
import numpy as np
import lamina as keras
"""


def test_script_without_main_guard_and_worker_calling_lamina():
    # No `if __name__ == "__main__":`; the forked workers call model.predict
    # themselves (the core must not wait for its parent's compute threads).
    result = run_script(PRELUDE + """
teacher = keras.Sequential([keras.Input((32,)), keras.layers.Dense(256, activation="relu"),
                            keras.layers.Dense(1)])
teacher.predict(np.ones((512, 32), "float32"), verbose=0)  # the parent's pool has run

class Labelled(keras.utils.PyDataset):
    def __init__(self):
        super().__init__(workers=2, use_multiprocessing=True)
    def __len__(self):
        return 4
    def __getitem__(self, i):
        x = np.random.default_rng(i).normal(size=(512, 32)).astype("float32")
        return x, teacher.predict(x, verbose=0)

student = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
student.compile("adam", "mse")
hist = student.fit(Labelled(), epochs=2, verbose=0)
print("OK", len(hist.history["loss"]))
""")
    assert result.returncode == 0, result.stderr
    assert "OK 2" in result.stdout


def test_sigkilled_worker_is_reported_not_waited_for():
    result = run_script(PRELUDE + """
parent = os.getpid()
class Fragile(keras.utils.PyDataset):
    def __len__(self):
        return 8
    def __getitem__(self, i):
        if i == 5 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        x = np.ones((4, 3), "float32")
        return x, x[:, :1]

m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
m.compile("sgd", "mse")
try:
    m.fit(Fragile(), workers=2, use_multiprocessing=True, shuffle=False, verbose=0)
except RuntimeError as e:
    print("RAISED", e)
import multiprocessing
print("CHILDREN", len(multiprocessing.active_children()))
""", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "RAISED A data worker process" in result.stdout
    assert "killed by signal SIGKILL" in result.stdout and "batch index 5" in result.stdout
    assert "CHILDREN 0" in result.stdout


def test_ctrl_c_while_waiting_for_a_slow_worker():
    result = run_script(PRELUDE + """
import threading
class Slow(keras.utils.PyDataset):
    def __len__(self):
        return 4
    def __getitem__(self, i):
        if i > 0:
            time.sleep(60)
        x = np.ones((4, 3), "float32")
        return x, x[:, :1]

m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
m.compile("sgd", "mse")
for kwargs in ({"workers": 2}, {"workers": 2, "use_multiprocessing": True}):
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    start = time.time()
    try:
        m.fit(Slow(), verbose=0, **kwargs)
    except KeyboardInterrupt:
        print("INTERRUPTED", kwargs, round(time.time() - start) < 30)
import multiprocessing
print("CHILDREN", len(multiprocessing.active_children()))
""", timeout=100)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("INTERRUPTED") == 2, result.stdout
    assert "True" in result.stdout and "False" not in result.stdout
    assert "CHILDREN 0" in result.stdout


def test_validation_steps_shorter_than_the_sequence_leaves_no_workers(no_leaks):
    x, y, _ = arrays()
    seq = ArraySequence(x, y)
    hist = model().fit(x, y, epochs=3, validation_data=seq, validation_steps=2, verbose=0,
                       workers=2, use_multiprocessing=True)
    assert len(hist.history["val_loss"]) == 3
    assert seq.epoch_ends == 0  # no validation pass was used up


def test_spawn_start_method():
    x, _, _ = arrays()
    m = model()
    out = m.predict(ArraySequence(x), verbose=0, workers=2, use_multiprocessing="spawn")
    np.testing.assert_allclose(out, m.predict(x, batch_size=8, verbose=0), rtol=1e-6)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_die_with_a_killed_trainer():
    import queue
    import signal
    import threading
    import time

    script = PRELUDE + """
class Slow(keras.utils.PyDataset):
    def __len__(self):
        return 8
    def __getitem__(self, i):
        if i > 0:  # batch 0 builds the model in the trainer itself
            os.write(1, f"WORKER {os.getpid()}\\n".encode())  # one atomic write per line
            time.sleep(60)
        x = np.ones((4, 3), "float32")
        return x, x[:, :1]

m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
m.compile("sgd", "mse")
m.fit(Slow(), workers=2, use_multiprocessing=True, verbose=0)
"""
    env = dict(os.environ, PYTHONPATH=LAMINA_PARENT)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    try:
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout],
                                  daemon=True)
        reader.start()
        pids = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                continue
            if line.startswith("WORKER"):
                pids.add(int(line.split()[1]))
        assert len(pids) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids), "worker processes outlived the trainer"
    finally:
        proc.kill()
        proc.wait()


def test_worker_processes_draw_different_random_numbers():
    class Noise(keras.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.random.rand(1, 4).astype("float32")  # a "random augmentation"

    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False,
                                                                kernel_initializer="ones")])
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        runs.append(m.predict(Noise(), verbose=0, workers=2, use_multiprocessing=True)[:, 0])
    # Forked from one state, the workers would repeat each other's draws.
    assert len(set(np.round(runs[0][1:], 6))) == 5
    np.testing.assert_array_equal(runs[0], runs[1])  # reproducible under set_random_seed


class NeedsTwoArguments(Exception):
    def __init__(self, code, detail):
        super().__init__(f"{code}: {detail}")


class UnrebuildableFailure(ArraySequence):
    def __getitem__(self, i):
        if i == 2:
            raise NeedsTwoArguments(7, "cannot rebuild me from args")
        return super().__getitem__(i)


def test_exception_that_cannot_be_rebuilt_still_says_what_happened(no_leaks):
    x, y, _ = arrays()
    with pytest.raises(RuntimeError, match="NeedsTwoArguments: 7: cannot rebuild me") as info:
        model().fit(UnrebuildableFailure(x, y), shuffle=False, verbose=0, workers=2,
                    use_multiprocessing=True)
    assert "in __getitem__" in "".join(traceback.format_exception(info.value))


def test_queue_bound_is_respected_by_threads():
    x = np.zeros((40, 4), "float32")
    seq = ArraySequence(x, x[:, :1], bs=2)
    ahead = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ahead.append(len(seq.loaded) - 1 - (batch + 1))  # minus the peek and the used

    model().fit(seq, verbose=0, workers=2, max_queue_size=3, callbacks=[Watch()])
    assert max(ahead) <= 3 and len(ahead) == 20


def test_dataset_without_super_init_warns_and_uses_defaults():
    class Bare(keras.utils.PyDataset):
        def __init__(self):  # forgot super().__init__()
            self.x = np.ones((8, 4), "float32")

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return self.x[:4], self.x[:4, :1]

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        model().fit(Bare(), verbose=0)
