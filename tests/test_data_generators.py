"""fit / evaluate / predict (and the tf.keras *_generator methods) on
generators, iterators, re-iterables and Sequence / PyDataset: the same
numbers as the same batches given as arrays, epoch hooks, ordering,
shuffling, class weights, validation and the run-dry rules."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from data_sources import (
    BS,
    ArraySequence,
    BatchIterator,
    N,
    ReIterable,
    arrays,
    batches,
    model,
)

import lamina as keras

MODES = {
    "main": {"workers": 0},
    "threads": {"workers": 2},
    "processes": {"workers": 2, "use_multiprocessing": True},
}


def reference_fit(epochs=2, **fit_kwargs):
    x, y, _ = arrays()
    m = model()
    h = m.fit(x, y, batch_size=BS, epochs=epochs, shuffle=False, verbose=0, **fit_kwargs)
    return m, h


def assert_same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)


SOURCES = {
    "generator": lambda x, y: batches(x, y, repeat=2),
    "iterator": lambda x, y: _two_pass_iterator(x, y),
    "reiterable": ReIterable,
    "sequence": ArraySequence,
}


def _two_pass_iterator(x, y):
    first, second = BatchIterator(x, y), BatchIterator(x, y)
    return iter([*first, *second])


@pytest.mark.filterwarnings("ignore:use_multiprocessing=True with a Python generator")
@pytest.mark.parametrize("kind", list(SOURCES))
@pytest.mark.parametrize("mode", list(MODES))
def test_fit_evaluate_predict_match_arrays(kind, mode):
    x, y, _ = arrays()
    ref, ref_hist = reference_fit(epochs=2)
    m = model()
    steps = N // BS if kind in ("generator", "iterator") else None
    hist = m.fit(SOURCES[kind](x, y), steps_per_epoch=steps, epochs=2, shuffle=False, verbose=0,
                 **MODES[mode])
    assert_same_weights(ref, m)
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-5)
    expected_loss = ref.evaluate(x, y, batch_size=BS, verbose=0)
    got = m.evaluate(SOURCES[kind](x, y), steps=steps, verbose=0, **MODES[mode])
    np.testing.assert_allclose(got, expected_loss, rtol=1e-5)
    expected = ref.predict(x, batch_size=BS, verbose=0)
    if kind == "sequence":
        data = ArraySequence(x, delay=0.002)  # x only; completion order jumbled
    else:
        data = SOURCES[kind](x, y)
    out = m.predict(data, steps=steps, verbose=0, **MODES[mode])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["main", "processes"])
def test_sample_weight_and_class_weight_from_batches(mode):
    x, y, sw = arrays()
    ref = model()
    ref.fit(x, y, sample_weight=sw, batch_size=BS, epochs=1, shuffle=False, verbose=0)
    m = model()
    m.fit(ArraySequence(x, y, sw), epochs=1, shuffle=False, verbose=0, **MODES[mode])
    assert_same_weights(ref, m)
    # class_weight on generator batches: the same as the per-sample weights it implies.
    labels = (x[:, 0] > 0).astype("float32")[:, None]
    cw = {0: 0.5, 1: 3.0}
    ref = model()
    ref.fit(x, labels, sample_weight=np.where(labels[:, 0] > 0, 3.0, 0.5), batch_size=BS,
            shuffle=False, verbose=0)
    m = model()
    m.fit(batches(x, labels), steps_per_epoch=N // BS, class_weight=cw, verbose=0)
    assert_same_weights(ref, m)


def test_sequence_epoch_hooks_and_steps_wrap_around():
    x, y, _ = arrays()
    seq = ArraySequence(x, y)
    model().fit(seq, epochs=3, verbose=0)
    assert (seq.epoch_begins, seq.epoch_ends) == (3, 3)
    # steps_per_epoch past the end continues with the next pass (6 batches a pass).
    seq = ArraySequence(x, y)
    hist = model().fit(seq, steps_per_epoch=4, epochs=3, shuffle=False, verbose=0)
    assert len(hist.history["loss"]) == 3
    assert seq.epoch_ends == 2  # 12 batches = two whole passes
    assert seq.loaded[1:] == list(range(6)) * 2  # loaded[0] built the model


def test_sequence_shuffle_orders_batches():
    x, y, _ = arrays()
    seq = ArraySequence(x, y)
    model().fit(seq, epochs=4, shuffle=True, verbose=0)
    passes = [seq.loaded[1 + 6 * e: 7 + 6 * e] for e in range(4)]
    assert all(sorted(p) == list(range(6)) for p in passes)
    assert any(p != list(range(6)) for p in passes)
    seq = ArraySequence(x, y)
    model().fit(seq, epochs=2, shuffle=False, verbose=0)
    assert seq.loaded[1:] == list(range(6)) * 2


@pytest.mark.parametrize("mode", list(MODES))
def test_ordered_delivery_with_jumbled_completion(mode):
    x = np.repeat(np.arange(24, dtype="float32")[:, None], 4, axis=1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False,
                                                                kernel_initializer="ones")])
    out = m.predict(ArraySequence(x, bs=2, delay=0.003), verbose=0, max_queue_size=4,
                    **MODES[mode])
    np.testing.assert_allclose(out[:, 0], np.arange(24) * 4.0)


def test_on_epoch_end_state_reaches_worker_processes():
    class Stateful(keras.utils.Sequence):
        def __init__(self):
            super().__init__(workers=2, use_multiprocessing=True)
            self.value = 1.0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2, 4), self.value, "float32")

        def on_epoch_end(self):
            self.value += 1.0

    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False,
                                                                kernel_initializer="ones")])
    seq = Stateful()
    first, second = m.predict(seq, verbose=0), m.predict(seq, verbose=0)
    np.testing.assert_allclose(first, 4.0)
    np.testing.assert_allclose(second, 8.0)


def test_where_batches_load():
    x, y, _ = arrays()
    seq = ArraySequence(x, y)  # Keras 3 default workers=1: the calling thread
    model().fit(seq, verbose=0)
    assert seq.threads == {threading.current_thread().name}
    seq = ArraySequence(x, y, workers=2)  # Keras 3 style: on the dataset
    model().fit(seq, verbose=0)
    assert any(t.startswith("lamina-data") for t in seq.threads)
    seq = ArraySequence(x, y)  # tf.keras style: given to fit
    model().fit(seq, verbose=0, workers=3)
    assert any(t.startswith("lamina-data") for t in seq.threads)


def test_generator_that_runs_dry():
    x, y, _ = arrays()
    m = model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # 6 batches for steps_per_epoch=4 x 3 epochs: 4, then 2 (warned), then stop.
        hist = m.fit(batches(x, y), steps_per_epoch=4, epochs=3, verbose=0)
    messages = [str(w.message) for w in caught if "ran out of data" in str(w.message)]
    assert len(hist.history["loss"]) == 2 and hist.epoch == [0, 1]
    assert len(messages) == 2
    assert "after 2 of the 4 steps" in messages[0]
    assert "training stops" in messages[1] and "6 batches in all" in messages[1]
    # Without steps_per_epoch a finite generator makes one epoch, then fit stops.
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model().fit(batches(x, y), epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 1


def test_exhausted_validation_generator_records_no_made_up_values():
    x, y, _ = arrays()
    with pytest.warns(UserWarning, match=r"no batch is left for this pass \(the data yielded "
                                         r"6 batches in all\)"):
        hist = model().fit(x, y, epochs=3, validation_data=batches(x, y), verbose=0)
    assert len(hist.history["loss"]) == 3 and len(hist.history["val_loss"]) == 1


def test_validation_from_generator_and_sequence():
    x, y, _ = arrays()
    vx, vy, _ = arrays(seed=1)
    for val in (ArraySequence(vx, vy), lambda: batches(vx, vy, repeat=2)):
        m = model()
        data = val() if callable(val) and not isinstance(val, ArraySequence) else val
        steps = N // BS if not isinstance(data, ArraySequence) else None
        hist = m.fit(x, y, batch_size=BS, epochs=2, shuffle=False, validation_data=data,
                     validation_steps=steps, verbose=0)
        ref, _ = reference_fit(epochs=2)
        np.testing.assert_allclose(hist.history["val_loss"][-1],
                                   ref.evaluate(vx, vy, batch_size=BS, verbose=0), rtol=1e-5)
    seq = ArraySequence(vx, vy)
    model().fit(x, y, epochs=2, validation_data=seq, verbose=0)
    assert seq.epoch_ends == 2


def test_argument_errors():
    x, y, _ = arrays()
    for method in ("fit", "evaluate", "predict"):
        with pytest.raises(ValueError, match="must yield at least one batch. Received an empty"):
            getattr(model(), method)((b for b in []), verbose=0)
    with pytest.raises(ValueError, match="Argument `validation_split` is only supported for "
                                         "tensors or NumPy arrays"):
        model().fit(batches(x, y), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="providing `x` as a PyDataset, `y` should not be"):
        model().fit(ArraySequence(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="no targets"):
        model().fit(batches(x), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`workers` must be an integer >= 0"):
        model().fit(ArraySequence(x, y), workers=-1, verbose=0)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4|"
                                         "incompatible|shape"):
        model().fit(batches(x[:, :3], y), steps_per_epoch=2, verbose=0)


def test_unpicklable_dataset_with_spawn_names_the_attribute():
    x, y, _ = arrays()
    seq = ArraySequence(x, y)
    seq.lock = threading.Lock()
    with pytest.raises(TypeError, match="attribute `lock`"):
        model().fit(seq, workers=2, use_multiprocessing="spawn", verbose=0)


def test_generator_with_processes_runs_in_a_thread_with_a_warning():
    x, y, _ = arrays()
    ref, _ = reference_fit(epochs=1)
    m = model()
    with pytest.warns(UserWarning, match="replay its own copy") as record:
        m.fit(batches(x, y), steps_per_epoch=N // BS, workers=2, use_multiprocessing=True,
              verbose=0)
    assert record[0].filename == __file__  # attributed to the caller's line
    assert_same_weights(ref, m)


def test_generator_methods(capsys):
    x, y, _ = arrays()
    ref, ref_hist = reference_fit(epochs=2)
    m = model()
    with pytest.warns(UserWarning, match=r"`Model.fit_generator` is deprecated"):
        hist = m.fit_generator(ArraySequence(x, y), epochs=2, shuffle=False)
    assert "Epoch 2/2" in capsys.readouterr().out  # verbose=1 by default
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-5)
    with pytest.warns(UserWarning, match=r"`Model.evaluate_generator` is deprecated"):
        loss = m.evaluate_generator(batches(x, y), steps=N // BS, workers=2)
    with pytest.warns(UserWarning, match=r"`Model.predict_generator` is deprecated"):
        out = m.predict_generator(ArraySequence(x), workers=2, use_multiprocessing=True)
    assert capsys.readouterr().out == ""  # verbose=0 by default for these two
    np.testing.assert_allclose(loss, ref.evaluate(x, y, batch_size=BS, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(out, ref.predict(x, batch_size=BS, verbose=0), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("mode", list(MODES))
def test_endless_py_dataset_with_steps(mode):
    x, y, _ = arrays()

    class Endless(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.inner = ArraySequence(x, y)

        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            return self.inner[i % len(self.inner)]

    ref, ref_hist = reference_fit(epochs=2)
    m = model()
    hist = m.fit(Endless(), steps_per_epoch=N // BS, epochs=2, verbose=0, **MODES[mode])
    assert hist.params["steps"] == N // BS
    assert_same_weights(ref, m)
