"""Keras 3's `.keras` and `.weights.h5` formats: round trips, exchange with
real Keras in both directions, exact training resumption, error texts, and
refusal of unsafe or damaged files (each crafted here).
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina
from lamina.saving import file_io, h5_safety, saving_api

RNG = np.random.default_rng(7)
X = RNG.random((32, 6), dtype=np.float32)
Y_CLASS = RNG.integers(0, 3, 32)
Y_REG = RNG.random((32, 2), dtype=np.float32)


def _lamina_model(optimizer="adam", loss="sparse_categorical_crossentropy", out=3,
                  metrics=("accuracy",), dropout=0.2):
    """Dense-Dropout-Dense-Dense; resumption tests pass dropout=0.0, since the
    dropout masks' random stream is not part of a saved model (nor in Keras)."""
    model = lamina.Sequential([
        lamina.Input((6,)),
        lamina.layers.Dense(8, activation="relu"),
        lamina.layers.Dropout(dropout),
        lamina.layers.Dense(5, activation="tanh"),
        lamina.layers.Dense(out, activation="softmax" if out == 3 else None),
    ])
    if optimizer is not None:
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def _keras_model(keras, out=3, dropout=0.2):
    return keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(5, activation="tanh"),
        keras.layers.Dense(out, activation="softmax" if out == 3 else None),
    ])


def _h5_tree(path_or_file):
    """{path: (shape, dtype)} of every dataset; groups as None."""
    out = {}
    with h5py.File(path_or_file, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(
            name, (obj.shape, obj.dtype.kind) if isinstance(obj, h5py.Dataset) else None))
    return out


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


# -- round trips within lamina ---------------------------------------------------------


def test_keras_zip_members_and_layout(tmp_path):
    model = _lamina_model()
    model.fit(X, Y_CLASS, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        meta = json.loads(z.read("metadata.json"))
        assert meta["keras_version"] == "3.15.1" and "@" in meta["date_saved"]
        config = json.loads(z.read("config.json"))
        assert config["class_name"] == "Sequential"
        tree = _h5_tree(io.BytesIO(z.read("model.weights.h5")))
    assert tree["layers/dense/vars/0"] == ((6, 8), "f")
    assert tree["layers/dense_1/vars/1"] == ((5,), "f")
    assert tree["layers/dense_2/vars/0"] == ((5, 3), "f")
    assert "layers/dropout/vars" in tree and "vars" in tree
    # iteration (int64), learning_rate, then m and v per weight: 2 + 2 * 6.
    assert tree["optimizer/vars/0"] == ((), "i")
    assert tree["optimizer/vars/1"] == ((), "f")
    assert tree["optimizer/vars/13"] == ((3,), "f") and "optimizer/vars/14" not in tree


def test_layer_groups_named_by_class_not_layer_name(tmp_path):
    model = lamina.Sequential([lamina.Input((6,)), lamina.layers.Dense(4, name="first"),
                               lamina.layers.Dense(2, name="second")])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    tree = _h5_tree(path)
    assert "layers/dense/vars/0" in tree and "layers/dense_1/vars/0" in tree
    with h5py.File(path) as f:
        assert f["layers/dense/vars"].attrs["name"] == "first"


def test_keras_roundtrip_predictions_and_compile(tmp_path):
    model = _lamina_model()
    model.fit(X, Y_CLASS, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    assert _max_diff(loaded.optimizer.variables, model.optimizer.variables) == 0.0
    uncompiled = lamina.models.load_model(path, compile=False)
    assert not uncompiled.compiled
    np.testing.assert_allclose(uncompiled.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)


def test_file_objects_and_unzipped_folder(tmp_path):
    model = _lamina_model()
    model.train_on_batch(X[:8], Y_CLASS[:8])
    buffer = io.BytesIO()
    lamina.saving.save_model(model, buffer)
    buffer.seek(0)
    loaded = lamina.saving.load_model(buffer)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)
    folder = tmp_path / "m_dir"
    model.save(folder, zipped=False)
    assert sorted(os.listdir(folder)) == ["config.json", "metadata.json", "model.weights.h5"]
    again = lamina.models.load_model(folder)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)
    with pytest.raises(ValueError, match="should not end in `.keras`"):
        model.save(tmp_path / "x.keras", zipped=False)


def test_save_and_load_weights_files(tmp_path):
    model = _lamina_model()
    model.fit(X, Y_CLASS, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "m.keras")
    for source in ("w.weights.h5", "m.keras"):
        fresh = _lamina_model()
        fresh.load_weights(tmp_path / source)
        np.testing.assert_allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0),
                                   atol=1e-6)
        assert fresh.optimizer.iterations == model.optimizer.iterations
        assert _max_diff(fresh.optimizer.variables, model.optimizer.variables) == 0.0


def test_reads_older_layouts(tmp_path):
    """TF 2.13 wrote `_layer_checkpoint_dependencies`; older Keras 3 wrote no
    `vars` group for objects without variables."""
    model = _lamina_model()
    model.fit(X, Y_CLASS, epochs=1, verbose=0)
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as f:
        f.move("layers", "_layer_checkpoint_dependencies")
        del f["_layer_checkpoint_dependencies/dropout/vars"]
        del f["vars"]
    fresh = _lamina_model()
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)


def test_load_weights_mismatch_raises_or_warns(tmp_path):
    model = _lamina_model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = lamina.Sequential([lamina.Input((6,)), lamina.layers.Dense(8),
                               lamina.layers.Dense(7)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="could not be loaded"):
        other.load_weights(tmp_path / "w.weights.h5")
    # all-or-nothing per layer: the mismatched layer is untouched
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[2])
    with pytest.warns(UserWarning, match="could not be loaded"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    unbuilt = lamina.Sequential([lamina.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


# -- resuming training exactly ----------------------------------------------------------


@pytest.mark.parametrize("optimizer", [
    lambda: lamina.optimizers.Adam(learning_rate=0.01),
    lambda: lamina.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    lambda: lamina.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    lambda: lamina.optimizers.RMSprop(learning_rate=0.01, momentum=0.5),
    lambda: lamina.optimizers.Adam(
        learning_rate=lamina.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)),
])
def test_training_resumes_exactly_after_save_and_load(tmp_path, optimizer):
    def make():
        lamina.utils.set_random_seed(3)
        return _lamina_model(optimizer=optimizer(), loss="mse", out=2, metrics=(), dropout=0.0)

    straight = make()
    interrupted = make()
    for i in range(3):
        batch = slice(8 * i, 8 * i + 8)
        straight.train_on_batch(X[batch], Y_REG[batch])
        interrupted.train_on_batch(X[batch], Y_REG[batch])
    interrupted.save(tmp_path / "ckpt.keras")
    resumed = lamina.models.load_model(tmp_path / "ckpt.keras")
    for i in range(3, 4):
        batch = slice(8 * i, 8 * i + 8)
        straight.train_on_batch(X[batch], Y_REG[batch])
        resumed.train_on_batch(X[batch], Y_REG[batch])
    assert _max_diff(resumed.get_weights(), straight.get_weights()) == 0.0
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 4


def test_resume_after_load_weights_into_fresh_compiled_model(tmp_path):
    lamina.utils.set_random_seed(5)
    model = _lamina_model(optimizer=lamina.optimizers.Adam(0.02), loss="mse", out=2, metrics=(),
                          dropout=0.0)
    model.train_on_batch(X[:8], Y_REG[:8])
    model.save_weights(tmp_path / "w.weights.h5")
    fresh = _lamina_model(optimizer=lamina.optimizers.Adam(0.02), loss="mse", out=2, metrics=(),
                          dropout=0.0)
    fresh.load_weights(tmp_path / "w.weights.h5")  # builds the optimizer to take its state
    model.train_on_batch(X[8:16], Y_REG[8:16])
    fresh.train_on_batch(X[8:16], Y_REG[8:16])
    assert _max_diff(fresh.get_weights(), model.get_weights()) == 0.0


# -- exchange with real Keras -----------------------------------------------------------


@pytest.mark.parity
def test_lamina_keras_file_loads_in_keras(tmp_path, keras_ref):
    model = _lamina_model(optimizer=lamina.optimizers.Adam(0.005))
    model.fit(X, Y_CLASS, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "lamina.keras")
    loaded = keras_ref.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               atol=1e-6)
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.learning_rate.numpy() == pytest.approx(0.005)
    assert int(loaded.optimizer.iterations.numpy()) == 8
    assert _max_diff([v.numpy() for v in loaded.optimizer.variables],
                     [v.numpy() for v in model.optimizer.variables]) == 0.0
    assert loaded.get_compile_config()["loss"] == "sparse_categorical_crossentropy"
    plain = _lamina_model(optimizer=None)
    plain.save(tmp_path / "plain.keras")
    reloaded = keras_ref.models.load_model(tmp_path / "plain.keras")
    assert getattr(reloaded, "optimizer", None) is None
    np.testing.assert_allclose(reloaded.predict(X, verbose=0), plain.predict(X, verbose=0),
                               atol=1e-6)


@pytest.mark.parity
@pytest.mark.parametrize("kind", ["adam", "sgd_momentum"])
def test_keras_keras_file_loads_in_lamina(tmp_path, keras_ref, kind):
    keras = keras_ref
    keras.utils.set_random_seed(1)
    kmodel = _keras_model(keras, dropout=0.0)  # so the next step is deterministic
    opt = (keras.optimizers.Adam(0.003) if kind == "adam"
           else keras.optimizers.SGD(0.05, momentum=0.9))
    kmodel.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    kmodel.fit(X, Y_CLASS, epochs=2, batch_size=8, verbose=0)
    kmodel.save(tmp_path / "keras.keras")
    model = lamina.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(model.predict(X, verbose=0), kmodel.predict(X, verbose=0),
                               atol=1e-6)
    assert type(model.optimizer).__name__ == type(kmodel.optimizer).__name__
    assert model.optimizer.get_config() == pytest.approx(kmodel.optimizer.get_config())
    assert model.loss == "sparse_categorical_crossentropy"
    assert model.metrics_names == ["loss", "accuracy"]
    assert model.optimizer.iterations == 8
    assert _max_diff([v.numpy() for v in model.optimizer.variables],
                     [v.numpy() for v in kmodel.optimizer.variables]) == 0.0
    # the next step continues Keras's run (float32 kernels agree to rounding)
    kmodel.train_on_batch(X[:8], Y_CLASS[:8])
    model.train_on_batch(X[:8], Y_CLASS[:8])
    assert _max_diff(model.get_weights(), kmodel.get_weights()) < 1e-5


@pytest.mark.parity
@pytest.mark.parametrize("kind", ["adam", "sgd_momentum"])
def test_optimizer_layout_matches_keras(tmp_path, keras_ref, kind):
    keras = keras_ref
    kmodel = _keras_model(keras, out=2)
    lmodel = _lamina_model(optimizer=None, out=2)
    if kind == "adam":
        kmodel.compile(optimizer=keras.optimizers.Adam(), loss="mse")
        lmodel.compile(optimizer=lamina.optimizers.Adam(), loss="mse")
    else:
        kmodel.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss="mse")
        lmodel.compile(optimizer=lamina.optimizers.SGD(momentum=0.9), loss="mse")
    kmodel.train_on_batch(X[:8], Y_REG[:8])
    lmodel.train_on_batch(X[:8], Y_REG[:8])
    kmodel.save_weights(tmp_path / "k.weights.h5")
    lmodel.save_weights(tmp_path / "l.weights.h5")
    assert _h5_tree(tmp_path / "l.weights.h5") == _h5_tree(tmp_path / "k.weights.h5")
    with h5py.File(tmp_path / "l.weights.h5") as lf, h5py.File(tmp_path / "k.weights.h5") as kf:
        assert lf["optimizer/vars"].attrs["name"] == lmodel.optimizer.name
        assert kf["optimizer/vars"].attrs["name"] == kmodel.optimizer.name
        assert lf["optimizer/vars/0"].dtype == kf["optimizer/vars/0"].dtype


@pytest.mark.parity
def test_weights_h5_both_directions(tmp_path, keras_ref):
    keras = keras_ref
    kmodel = _keras_model(keras)
    kmodel.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    kmodel.fit(X, Y_CLASS, epochs=1, batch_size=8, verbose=0)
    kmodel.save_weights(tmp_path / "k.weights.h5")
    lmodel = _lamina_model()
    lmodel.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(lmodel.predict(X, verbose=0), kmodel.predict(X, verbose=0),
                               atol=1e-6)
    assert lmodel.optimizer.iterations == 4
    assert _max_diff([v.numpy() for v in lmodel.optimizer.variables],
                     [v.numpy() for v in kmodel.optimizer.variables]) == 0.0

    lmodel.fit(X, Y_CLASS, epochs=1, batch_size=8, verbose=0)
    lmodel.save_weights(tmp_path / "l.weights.h5")
    kmodel.load_weights(tmp_path / "l.weights.h5")
    np.testing.assert_allclose(kmodel.predict(X, verbose=0), lmodel.predict(X, verbose=0),
                               atol=1e-6)
    assert int(kmodel.optimizer.iterations.numpy()) == 8
    # Keras's `.keras` file too, weights only
    kmodel.save(tmp_path / "k.keras")
    other = _lamina_model(optimizer=None)
    other.load_weights(tmp_path / "k.keras")
    np.testing.assert_allclose(other.predict(X, verbose=0), kmodel.predict(X, verbose=0),
                               atol=1e-6)


# -- the public surface: extensions, overwrite, atomic writes ---------------------------


def test_bad_extensions_give_keras_texts(tmp_path):
    model = _lamina_model()
    with pytest.raises(ValueError, match="Invalid filepath extension for saving"):
        model.save(tmp_path / "m.txt")
    with pytest.raises(ValueError, match=r"The filename must end in `.weights.h5`"):
        model.save_weights(tmp_path / "w.ckpt")
    with pytest.raises(ValueError, match="File format not supported: filepath=.*m.pb"):
        lamina.models.load_model(str(tmp_path / "m.pb"))
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "w.ckpt")
    with pytest.raises(ValueError, match="not supported"):
        model.save(tmp_path / "m.keras", bogus=1)
    with pytest.raises(ValueError, match="`by_name` only supports"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)
    with pytest.raises(ValueError, match="File not found: filepath="):
        lamina.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.weights.h5")


@pytest.mark.parametrize("answer", ["y", "n", None])
def test_overwrite_false_asks_first(tmp_path, monkeypatch, answer):
    model = _lamina_model()
    for name, save in (("m.keras", model.save), ("w.weights.h5", model.save_weights)):
        path = tmp_path / name
        path.write_bytes(b"old")

        def reply(prompt, _answer=answer):
            assert "already exists - overwrite? [y/n]" in prompt
            if _answer is None:
                raise EOFError  # no terminal: the file is kept
            return _answer

        monkeypatch.setattr("builtins.input", reply)
        save(path, overwrite=False)
        assert (path.read_bytes() == b"old") == (answer != "y")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("must not ask"))
    model.save(tmp_path / "new.keras", overwrite=False)  # nothing to overwrite
    assert zipfile.is_zipfile(tmp_path / "new.keras")


@pytest.mark.parametrize("point", file_io.HOOK_POINTS)
def test_interrupted_saves_leave_the_old_file(tmp_path, monkeypatch, point):
    model = _lamina_model()
    for name, save in (("m.keras", model.save), ("w.weights.h5", model.save_weights)):
        path = tmp_path / name
        path.write_bytes(b"previous content")

        def crash(at, _point=point):
            if at == _point:
                raise KeyboardInterrupt(at)

        monkeypatch.setattr(file_io, "_fault_hook", crash)
        with pytest.raises(KeyboardInterrupt):
            save(path)
        monkeypatch.setattr(file_io, "_fault_hook", None)
        assert path.read_bytes() == b"previous content"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_every_write_goes_through_atomic_write(tmp_path, monkeypatch):
    model = _lamina_model()
    written = []
    real = file_io.atomic_write

    def spy(path):
        written.append(os.path.basename(os.fspath(path)))
        return real(path)

    monkeypatch.setattr(file_io, "atomic_write", spy)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "d", zipped=False)
    assert written == ["m.keras", "w.weights.h5", "metadata.json", "config.json",
                       "model.weights.h5"]


# -- unsafe and damaged files -------------------------------------------------------------


def _weights_file(tmp_path, name="w.weights.h5"):
    model = lamina.Sequential([lamina.Input((6,)), lamina.layers.Dense(3)])
    path = tmp_path / name
    model.save_weights(path)
    return model, path


def _refused(model, path, match):
    with pytest.raises(ValueError, match=match):
        model.load_weights(path)


def test_refuses_soft_and_external_links(tmp_path):
    model, path = _weights_file(tmp_path)
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["data"] = np.ones((6, 3), np.float32)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(secret), "/data")
    _refused(model, path, "ExternalLink")
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense/vars/1")
    _refused(model, path, "SoftLink")
    with h5py.File(path, "a") as f:  # a link on a group, anywhere in the file
        del f["layers/dense/vars/0"]
        f["elsewhere"] = h5py.SoftLink("/layers")
    _refused(model, path, "'/elsewhere' is a SoftLink")


def test_refuses_external_and_virtual_datasets(tmp_path):
    model, path = _weights_file(tmp_path)
    raw = tmp_path / "raw.bin"
    np.ones((6, 3), np.float32).tofile(raw)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f.create_dataset("layers/dense/vars/0", shape=(6, 3), dtype="f4",
                         external=[(str(raw), 0, h5py.h5f.UNLIMITED)])
    _refused(model, path, "external file")
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["data"] = np.ones((6, 3), np.float32)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        layout = h5py.VirtualLayout(shape=(6, 3), dtype="f4")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(6, 3))
        f["layers/dense/vars"].create_virtual_dataset("0", layout)
    _refused(model, path, "virtual dataset")


def test_refuses_shape_bombs(tmp_path):
    model, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as f:
        f.create_dataset("layers/dense/vars/bomb", shape=(1 << 36,), dtype="f4",
                         chunks=(1 << 16,), compression="gzip", fillvalue=0.0)
    _refused(model, path, "declares shape .* but stores only 0 bytes")
    # many medium datasets that add up (each below the per-dataset floor)
    _, path2 = _weights_file(tmp_path, "w2.weights.h5")
    with h5py.File(path2, "a") as f:
        for i in range(8):
            f.create_dataset(f"padding/d{i}", shape=(60 << 18,), dtype="f4",
                             chunks=(1 << 16,), compression="gzip", fillvalue=0.0)
    _refused(model, path2, "declare .* bytes in all")


def test_refuses_unsafe_weights_inside_a_keras_zip(tmp_path):
    model = _lamina_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        members = {name: z.read(name) for name in z.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        f["layers/dense/extra"] = h5py.ExternalLink("/etc/passwd", "/")
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="ExternalLink"):
        lamina.models.load_model(tmp_path / "bad.keras")


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt", "assets/../../x",
                                    "assets\\..\\x", "C:/x"])
def test_refuses_zip_path_traversal(tmp_path, member):
    model = _lamina_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras", "a") as z:
        z.writestr(zipfile.ZipInfo(member), b"x")
    with pytest.raises(ValueError, match="path traversal"):
        lamina.models.load_model(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="path traversal"):
        model.load_weights(tmp_path / "m.keras")


def test_refuses_zip_decompression_bomb(tmp_path):
    model = _lamina_model()
    model.save(tmp_path / "m.keras")
    zeros = bytes(h5_safety.ZIP_MEMBER_BOMB_FLOOR_BYTES + (1 << 20))
    with zipfile.ZipFile(tmp_path / "m.keras", "a", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=1) as z:
        z.writestr("assets/blob.bin", zeros)
        info = z.getinfo("assets/blob.bin")
        assert info.file_size > 100 * info.compress_size
    with pytest.raises(ValueError, match="decompression bomb"):
        lamina.models.load_model(tmp_path / "m.keras")


def test_refuses_duplicate_zip_members(tmp_path):
    model = _lamina_model()
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(tmp_path / "m.keras", "a") as z:
            z.writestr("config.json", b'{"class_name": "Sequential", "config": {}}')
    with pytest.raises(ValueError, match="two members named 'config.json'"):
        lamina.models.load_model(tmp_path / "m.keras")


def test_garbage_and_truncated_files_give_clear_errors(tmp_path):
    model = _lamina_model()
    model.save(tmp_path / "good.keras")
    model.save_weights(tmp_path / "good.weights.h5")
    good_zip = (tmp_path / "good.keras").read_bytes()
    good_h5 = (tmp_path / "good.weights.h5").read_bytes()
    cases = {
        "garbage.keras": os.urandom(4096),
        "empty.keras": b"",
        "truncated.keras": good_zip[: len(good_zip) // 2],
        "garbage.weights.h5": os.urandom(4096),
        "truncated.weights.h5": good_h5[: len(good_h5) // 2],
        "tiny.weights.h5": good_h5[:8],
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        loader = lamina.models.load_model if name.endswith(".keras") else model.load_weights
        with pytest.raises(ValueError) as info:
            loader(path)
        message = str(info.value)
        assert "File not found" not in message, name
        assert name in message or "truncated" in message, (name, message)
    # a zip whose weights member was cut short (its CRC no longer matches)
    with zipfile.ZipFile(tmp_path / "good.keras") as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(tmp_path / "cut.keras", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = bytearray((tmp_path / "cut.keras").read_bytes())
    start = raw.find(b"\x89HDF")
    raw[start + 600: start + 700] = bytes(100)
    (tmp_path / "cut.keras").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupt"):
        lamina.models.load_model(tmp_path / "cut.keras")
    # config.json that is not JSON
    with zipfile.ZipFile(tmp_path / "nojson.keras", "w") as z:
        z.writestr("config.json", b"\x00{not json")
        z.writestr("model.weights.h5", members["model.weights.h5"])
    with pytest.raises(ValueError, match="not valid JSON"):
        lamina.models.load_model(tmp_path / "nojson.keras")


def test_h5py_is_imported_lazily():
    import subprocess
    import sys

    code = "import sys, lamina; lamina.saving.save_model; print('h5py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=dict(os.environ))
    assert out.stdout.strip() == "False"


def test_saving_namespace_exports():
    for name in ("save_model", "load_model", "register_keras_serializable",
                 "get_custom_objects", "custom_object_scope", "serialize_keras_object",
                 "deserialize_keras_object", "get_registered_name", "get_registered_object"):
        assert callable(getattr(lamina.saving, name)), name
    for name in ("load_model", "save_model", "model_from_json", "clone_model"):
        assert callable(getattr(lamina.models, name)), name
    assert saving_api.load_model is lamina.models.load_model
