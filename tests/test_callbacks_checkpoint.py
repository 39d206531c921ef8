"""ModelCheckpoint and BackupAndRestore: file names, decisions, messages,
atomic writes, and resuming an interrupted fit with the same result."""

from __future__ import annotations

import json
import os
import re
from typing import Any, List

import numpy as np
import pytest

import lamina as keras
from lamina.callbacks import BackupAndRestore, Callback, ModelCheckpoint
from lamina.saving import file_io


def _data(n: int = 64, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return x, y


def _model(optimizer: Any = "adam", seed: int = 1) -> Any:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


class _FixedLogs(Callback):
    """Overwrites epoch metrics (placed before the checkpoint) to script decisions."""

    def __init__(self, key: str, values: List[float]) -> None:
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs[self.key] = self.values[epoch]


# -- ModelCheckpoint: paths ------------------------------------------------------------


def test_filepath_formatting_with_epoch_and_logs(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "sub" / "dir" / "w.{epoch:02d}-{val_loss:.2f}.keras")
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
              callbacks=[ModelCheckpoint(pattern)])
    names = sorted(os.listdir(tmp_path / "sub" / "dir"))
    assert len(names) == 3
    val = model.history.history["val_loss"]
    assert names == [f"w.{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(val)]
    loaded = keras.models.load_model(str(tmp_path / "sub" / "dir" / names[-1]))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_classic_hdf5_pattern_writes_legacy_h5(tmp_path: Any) -> None:
    import h5py

    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0,
              callbacks=[ModelCheckpoint(pattern, save_weights_only=True)])
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 2 and all(re.fullmatch(r"weights\.0[12]-\d\.\d\d\.hdf5", n)
                                   for n in names)
    with h5py.File(tmp_path / names[-1], "r") as f:
        assert "layer_names" in f.attrs  # tf.keras 2.x's legacy weights layout
    other = _model(seed=7)
    other.load_weights(str(tmp_path / names[-1]))
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_full_model_h5(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "m.h5")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path, monitor="loss")])
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_h5_with_save_weights_only(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "ck.weights.h5")
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(path, save_weights_only=True)])
    other = _model(seed=3)
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("path,weights_only", [
    ("model.weights.keras", True), ("model.keras", True), ("model.txt", False),
    ("model", False),
])
def test_suffix_rules(path: str, weights_only: bool) -> None:
    with pytest.raises(ValueError, match=re.escape(f"Received: filepath={path}")):
        ModelCheckpoint(path, save_weights_only=weights_only)


def test_bad_save_freq() -> None:
    with pytest.raises(ValueError, match="Unrecognized save_freq: month"):
        ModelCheckpoint("m.keras", save_freq="month")


def test_missing_key_error(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.keras")
    with pytest.raises(KeyError) as info:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(pattern)])
    assert info.value.args[0] == (
        f'Failed to format this callback filepath: "{pattern}". Reason: \'val_loss\'')


def test_directory_as_path(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    (tmp_path / "d.keras").mkdir()
    with pytest.raises(OSError, match="non-directory filepath"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "d.keras"), monitor="loss")])


# -- ModelCheckpoint: decisions and messages ---------------------------------------------


def test_save_best_only_messages(tmp_path: Any, capsys: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "best.{epoch}.keras")
    fixed = _FixedLogs("val_loss", [0.51234, 0.49876, 0.6, 0.3])
    model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y),
              callbacks=[fixed, ModelCheckpoint(path, save_best_only=True, verbose=1)])
    out = capsys.readouterr().out
    assert out == (
        "\nEpoch 1: val_loss improved from None to 0.51234, saving model to "
        f"{tmp_path}/best.1.keras\n"
        f"\nEpoch 1: finished saving model to {tmp_path}/best.1.keras\n"
        f"\nEpoch 2: val_loss improved from 0.51234 to 0.49876, saving model to "
        f"{tmp_path}/best.2.keras\n"
        f"\nEpoch 2: finished saving model to {tmp_path}/best.2.keras\n"
        "\nEpoch 3: val_loss did not improve from 0.49876\n"
        f"\nEpoch 4: val_loss improved from 0.49876 to 0.30000, saving model to "
        f"{tmp_path}/best.4.keras\n"
        f"\nEpoch 4: finished saving model to {tmp_path}/best.4.keras\n"
    )
    assert sorted(os.listdir(tmp_path)) == ["best.1.keras", "best.2.keras", "best.4.keras"]


def test_save_every_epoch_message(tmp_path: Any, capsys: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "m.keras")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path, verbose=1)])
    assert capsys.readouterr().out == (
        f"\nEpoch 1: saving model to {path}\n\nEpoch 1: finished saving model to {path}\n")


@pytest.mark.parametrize("monitor,mode,values,saved", [
    ("val_accuracy", "auto", [0.5, 0.7, 0.6], [1, 2]),   # accuracy is maximised
    ("val_loss", "auto", [0.5, 0.7, 0.4], [1, 3]),       # loss is minimised
    ("val_loss", "max", [0.5, 0.7, 0.4], [1, 2]),
    ("val_accuracy", "min", [0.5, 0.7, 0.4], [1, 3]),
])
def test_modes(tmp_path: Any, monitor: str, mode: str, values: List[float],
               saved: List[int]) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "m{epoch}.keras")
    model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
              callbacks=[_FixedLogs(monitor, values),
                         ModelCheckpoint(path, monitor=monitor, mode=mode,
                                         save_best_only=True)])
    assert sorted(os.listdir(tmp_path)) == [f"m{e}.keras" for e in saved]


def test_auto_mode_unknown_metric() -> None:
    x, y = _data()
    model = _model()
    cb = ModelCheckpoint("never.keras", monitor="foo", save_best_only=True)
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[cb])


def test_unknown_mode_warns() -> None:
    with pytest.warns(UserWarning, match="mode 'bigger' is unknown, fallback to auto mode"):
        cb = ModelCheckpoint("m.keras", mode="bigger")
    assert cb.mode == "auto"


def test_initial_value_threshold(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "m{epoch}.keras")
    model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
              callbacks=[_FixedLogs("val_loss", [0.5, 0.3, 0.2]),
                         ModelCheckpoint(path, save_best_only=True,
                                         initial_value_threshold=0.4)])
    assert sorted(os.listdir(tmp_path)) == ["m2.keras", "m3.keras"]


def test_missing_monitor_warns_and_saves(tmp_path: Any) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(path, save_best_only=True)])
    assert os.path.exists(path)


def test_save_freq_batches(tmp_path: Any) -> None:
    x, y = _data(n=80)  # 5 batches of 16 per epoch
    model = _model()
    path = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,
              callbacks=[ModelCheckpoint(path, save_weights_only=True, save_freq=3)])
    # Batches are counted across epochs: saves after 3, 6 and 9 batches.
    assert sorted(os.listdir(tmp_path)) == [
        "e1-b3.weights.h5", "e2-b1.weights.h5", "e2-b4.weights.h5"]


# -- atomic writes -------------------------------------------------------------------------


@pytest.mark.parametrize("point", file_io.HOOK_POINTS)
@pytest.mark.parametrize("name,weights_only", [
    ("ck.keras", False), ("ck.weights.h5", True), ("ck.hdf5", True), ("ck.h5", False)])
def test_crash_during_checkpoint_keeps_previous(tmp_path: Any, monkeypatch: Any, point: str,
                                                name: str, weights_only: bool) -> None:
    x, y = _data()
    model = _model()
    path = str(tmp_path / name)
    ckpt = ModelCheckpoint(path, monitor="loss", save_weights_only=weights_only)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ckpt])
    before = open(path, "rb").read()
    saved_weights = model.get_weights()

    def crash(at: str) -> None:
        if at == point:
            raise KeyboardInterrupt(f"killed at {at}")

    monkeypatch.setattr(file_io, "_fault_hook", crash)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ckpt])
    monkeypatch.setattr(file_io, "_fault_hook", None)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == [name]  # no temporary left behind
    other = _model(seed=5)
    if weights_only:
        other.load_weights(path)
    else:
        other = keras.models.load_model(path)
    for a, b in zip(other.get_weights(), saved_weights):
        np.testing.assert_array_equal(a, b)


# -- BackupAndRestore ------------------------------------------------------------------------


class _Interrupt(Callback):
    def __init__(self, at_epoch: int) -> None:
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.at_epoch:
            raise RuntimeError("Interrupting!")


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_resume_matches_uninterrupted(tmp_path: Any, optimizer: str) -> None:
    x, y = _data()
    reference = _model(optimizer)
    reference.fit(x, y, epochs=6, batch_size=16, shuffle=False, verbose=0)

    backup = str(tmp_path / "backup")
    model = _model(optimizer)
    with pytest.raises(RuntimeError, match="Interrupting!"):
        model.fit(x, y, epochs=6, batch_size=16, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup), _Interrupt(3)])
    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 3, "batch": 0}

    # A new process: fresh model object with different initial weights.
    resumed = _model(optimizer, seed=99)
    history = resumed.fit(x, y, epochs=6, batch_size=16, shuffle=False, verbose=0,
                          callbacks=[BackupAndRestore(backup)])
    assert history.epoch == [3, 4, 5]
    assert not os.path.exists(backup)  # deleted after a successful end
    assert resumed.optimizer.iterations == reference.optimizer.iterations
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The resume point is not sticky: a later fit starts where it is told.
    assert resumed.fit(x, y, epochs=1, verbose=0).epoch == [0]


def test_resume_with_batch_save_freq(tmp_path: Any) -> None:
    x, y = _data()
    backup = str(tmp_path / "b")
    model = _model()
    cb = BackupAndRestore(backup, save_freq=2, delete_checkpoint=False)
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[cb])
    assert os.path.exists(os.path.join(backup, "latest.weights.h5"))
    with open(os.path.join(backup, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 1, "batch": 3}  # last save: epoch 2, batch 4
    resumed = _model(seed=4)
    hist = resumed.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                       callbacks=[BackupAndRestore(backup)])
    assert hist.epoch == [1, 2]


def test_double_checkpoint_falls_back(tmp_path: Any) -> None:
    x, y = _data()
    backup = str(tmp_path / "b")
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=5, verbose=0, shuffle=False,
                  callbacks=[BackupAndRestore(backup, double_checkpoint=True), _Interrupt(3)])
    assert sorted(os.listdir(backup)) == [
        "latest.weights.h5", "latest.weights.h5.bkp",
        "training_metadata.json", "training_metadata.json.bkp"]
    with open(os.path.join(backup, "latest.weights.h5"), "wb") as f:
        f.write(b"garbage")
    resumed = _model(seed=8)
    hist = resumed.fit(x, y, epochs=5, verbose=0, shuffle=False,
                       callbacks=[BackupAndRestore(backup, double_checkpoint=True)])
    assert hist.epoch == [2, 3, 4]  # the previous backup: after epoch index 1


def test_crash_during_backup_keeps_previous(tmp_path: Any, monkeypatch: Any) -> None:
    x, y = _data()
    backup = str(tmp_path / "b")
    calls: List[str] = []

    class CrashSecondBackup(Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            if epoch == 1:
                def hook(at: str) -> None:
                    calls.append(at)
                    if at == "before_replace":
                        raise KeyboardInterrupt
                monkeypatch.setattr(file_io, "_fault_hook", hook)

    model = _model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, verbose=0, shuffle=False,
                  callbacks=[CrashSecondBackup(), BackupAndRestore(backup)])
    monkeypatch.setattr(file_io, "_fault_hook", None)
    assert calls and sorted(os.listdir(backup)) == [
        "latest.weights.h5", "training_metadata.json"]
    hist = _model(seed=2).fit(x, y, epochs=3, verbose=0, shuffle=False,
                              callbacks=[BackupAndRestore(backup)])
    assert hist.epoch == [1, 2]


def test_backup_arguments() -> None:
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="Received: save_freq=often"):
        BackupAndRestore("/tmp/x", save_freq="often")


# -- parity with Keras -----------------------------------------------------------------------


@pytest.mark.parity
def test_checkpoint_names_and_messages_match_keras(tmp_path: Any, capsys: Any,
                                                   keras_ref: Any) -> None:
    x, y = _data()
    outs = {}
    for lib, tag in ((keras_ref, "k"), (keras, "l")):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid")])
        model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])

        class Fixed(lib.callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                logs["val_accuracy"] = [0.5, 0.75, 0.625, 0.875][epoch]

        d = tmp_path / tag
        ck = lib.callbacks.ModelCheckpoint(str(d / "w{epoch:02d}-{val_accuracy:.3f}.keras"),
                                           monitor="val_accuracy", save_best_only=True,
                                           verbose=1)
        model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[Fixed(), ck])
        outs[tag] = (capsys.readouterr().out.replace(str(d), "D"), sorted(os.listdir(d)))
    assert outs["l"] == outs["k"]


@pytest.mark.parity
def test_backup_layout_matches_keras_and_resumes_keras_backup(tmp_path: Any,
                                                               keras_ref: Any) -> None:
    x, y = _data()
    layouts = {}
    for lib, tag in ((keras_ref, "k"), (keras, "l")):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")

        class Stop(lib.callbacks.Callback):
            def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
                if epoch == 2:
                    raise RuntimeError("Interrupting!")

        backup = str(tmp_path / tag)
        with pytest.raises(RuntimeError):
            model.fit(x, y, epochs=4, shuffle=False, verbose=0,
                      callbacks=[lib.callbacks.BackupAndRestore(backup), Stop()])
        with open(os.path.join(backup, "training_metadata.json")) as f:
            layouts[tag] = (sorted(os.listdir(backup)), json.load(f))
        if tag == "k":
            keras_weights = model.get_weights()
            keras_iterations = int(model.optimizer.iterations.numpy())
    assert layouts["l"] == layouts["k"]

    # lamina resumes the run Keras backed up, with Keras's weights and step count.
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    seen = {}

    class Peek(Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            seen.setdefault("weights", self.model.get_weights())
            seen.setdefault("iterations", self.model.optimizer.iterations)

    hist = model.fit(x, y, epochs=4, shuffle=False, verbose=0,
                     callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "k")), Peek()])
    assert hist.epoch == [2, 3]
    assert seen["iterations"] == keras_iterations
    for a, b in zip(seen["weights"], keras_weights):
        np.testing.assert_array_equal(a, b)
