"""tf.keras 2.x's legacy HDF5 format (`.h5` / `.hdf5`): weights and full-model
files written and read by lamina, exchanged with real Keras 3 in both
directions, by position and by name, with split attributes, with and
without `:0` suffixes, and with damaged or unsafe files (each crafted here).
"""

from __future__ import annotations

import json
import warnings

import h5py
import numpy as np
import pytest

import lamina
from lamina.saving import file_io, legacy_h5
from lamina.saving.legacy import h5_attributes

RNG = np.random.default_rng(11)
X = RNG.random((16, 4), dtype=np.float32)
Y = RNG.integers(0, 3, 16)


def _model(dropout=0.1, names=("dense_a", "drop", "dense_b"), units=8, compile=True):
    model = lamina.Sequential([
        lamina.Input((4,)),
        lamina.layers.Dense(units, activation="relu", name=names[0]),
        lamina.layers.Dropout(dropout, name=names[1]),
        lamina.layers.Dense(3, activation="softmax", name=names[2]),
    ])
    if compile:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def _keras_model(keras, names=("dense_a", "drop", "dense_b")):
    return keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu", name=names[0]),
        keras.layers.Dropout(0.1, name=names[1]),
        keras.layers.Dense(3, activation="softmax", name=names[2]),
    ])


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])


def _predict(model):
    return np.asarray(model.predict(X, verbose=0))


def _attrs_strings(obj, name):
    return h5_attributes.load_name_list(obj, name)


# -- lamina round trips and layout ----------------------------------------------------------


@pytest.mark.parametrize("ext", [".h5", ".hdf5"])
def test_weights_round_trip_and_tf2_layout(tmp_path, ext):
    model = _model()
    _randomize(model)
    path = tmp_path / f"w{ext}"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert _attrs_strings(f, "layer_names") == ["dense_a", "drop", "dense_b"]
        assert _attrs_strings(f["dense_a"], "weight_names") == [
            "dense_a/kernel:0", "dense_a/bias:0"]
        assert _attrs_strings(f["drop"], "weight_names") == []
        assert f["dense_a/dense_a/kernel:0"].shape == (4, 8)
        assert f.attrs["backend"] in (b"tensorflow", "tensorflow")
        assert "top_level_model_weights" in f
    other = _model()
    other.load_weights(str(path))
    np.testing.assert_array_equal(_predict(other), _predict(model))


def test_weights_load_is_by_position_not_name(tmp_path):
    model = _model()
    _randomize(model)
    model.save_weights(tmp_path / "w.h5")
    renamed = _model(names=("x", "y", "z"))
    renamed.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(_predict(renamed), _predict(model))


def test_by_name_loads_matching_layers_only(tmp_path):
    model = _model()
    _randomize(model, seed=1)
    model.save_weights(tmp_path / "w.h5")
    other = _model(names=("dense_a", "drop", "other"))
    before = other.get_layer("other").get_weights()
    other.load_weights(tmp_path / "w.h5", by_name=True)
    for got, want in zip(other.get_layer("dense_a").get_weights(),
                         model.get_layer("dense_a").get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(other.get_layer("other").get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_by_name_shape_mismatch_raises_and_leaves_model_untouched(tmp_path):
    model = _model()
    _randomize(model, seed=2)
    model.save_weights(tmp_path / "w.h5")
    # dense_b is listed after dense_a: a failure there must not have loaded dense_a.
    narrow = lamina.Sequential([lamina.Input((4,)),
                                lamina.layers.Dense(8, activation="relu", name="dense_a"),
                                lamina.layers.Dense(2, name="dense_b")])
    before = narrow.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #2 \(named dense_b\)"):
        narrow.load_weights(tmp_path / "w.h5", by_name=True)
    for got, want in zip(narrow.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_by_name_skip_mismatch_warns_and_skips_whole_layer(tmp_path):
    model = _model()
    _randomize(model, seed=3)
    model.save_weights(tmp_path / "w.h5")
    narrow = lamina.Sequential([lamina.Input((4,)),
                                lamina.layers.Dense(8, activation="relu", name="dense_a"),
                                lamina.layers.Dense(2, name="dense_b")])
    before_b = narrow.get_layer("dense_b").get_weights()
    with pytest.warns(UserWarning, match="Skipping loading weights for layer #2"):
        narrow.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(narrow.get_layer("dense_a").get_weights()[0],
                                  model.get_layer("dense_a").get_weights()[0])
    for got, want in zip(narrow.get_layer("dense_b").get_weights(), before_b):
        np.testing.assert_array_equal(got, want)


def test_by_name_weight_count_mismatch(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    no_bias = lamina.Sequential([lamina.Input((4,)),
                                 lamina.layers.Dense(8, use_bias=False, name="dense_a")])
    with pytest.raises(ValueError, match="Weight count mismatch for layer #0"):
        no_bias.load_weights(tmp_path / "w.h5", by_name=True)
    with pytest.warns(UserWarning, match="mismatch in number of weights"):
        no_bias.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)


def test_topological_mismatches(tmp_path):
    model = _model()
    _randomize(model, seed=4)
    model.save_weights(tmp_path / "w.h5")
    short = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(8)])
    with pytest.raises(ValueError, match="Layer count mismatch .* Model expected 1 layers, "
                                         "found 2 saved layers"):
        short.load_weights(tmp_path / "w.h5")
    wide = _model(units=5)
    before = wide.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #0 .*expects shape \(4, 5\)"):
        wide.load_weights(tmp_path / "w.h5")
    for got, want in zip(wide.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    with pytest.warns(UserWarning) as caught:
        wide.load_weights(tmp_path / "w.h5", skip_mismatch=True)
    assert [str(w.message).split(" (")[0] for w in caught] == [
        "Skipping loading weights for layer #0", "Skipping loading weights for layer #1"]
    # Every layer mismatches here (dense_b's kernel is (5, 3) vs (8, 3)): nothing loaded.
    for got, want in zip(wide.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_unbuilt_model_is_refused(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    deferred = lamina.Sequential([lamina.layers.Dense(8), lamina.layers.Dense(3)])
    with pytest.raises(ValueError, match="not been built"):
        deferred.load_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="not been built"):
        deferred.save_weights(tmp_path / "u.h5")


def test_unbuilt_model_saves_and_loads_as_full_model(tmp_path):
    deferred = lamina.Sequential([lamina.layers.Dense(8, name="d1"), lamina.layers.Dense(3)])
    deferred.save(tmp_path / "m.h5", include_optimizer=False)
    loaded = lamina.models.load_model(tmp_path / "m.h5")
    assert [layer.name for layer in loaded.layers] == ["d1", deferred.layers[1].name]
    assert not loaded.built


def test_topological_count_mismatch_is_never_skipped(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    no_bias = lamina.Sequential([lamina.Input((4,)),
                                 lamina.layers.Dense(8, use_bias=False, name="dense_a"),
                                 lamina.layers.Dense(3, name="dense_b")])
    with pytest.raises(ValueError, match="Weight count mismatch for layer #0"):
        no_bias.load_weights(tmp_path / "w.h5", skip_mismatch=True)


def _long_name_model(count=140, length=480):
    layers = [lamina.Input((2,))]
    for i in range(count):
        layers.append(lamina.layers.Dense(2, name=f"{i:04d}_" + "n" * (length - 5)))
    return lamina.Sequential(layers)


def test_large_attributes_are_split_and_read_back(tmp_path):
    model = _long_name_model()
    _randomize(model, seed=5)
    model.save_weights(tmp_path / "big.h5")
    with h5py.File(tmp_path / "big.h5", "r") as f:
        assert "layer_names" not in f.attrs
        assert "layer_names0" in f.attrs and "layer_names1" in f.attrs
        assert all(f.attrs[k].nbytes <= h5_attributes.HEADER_LIMIT_BYTES
                   for k in f.attrs if k.startswith("layer_names"))
    other = _long_name_model()
    other.load_weights(tmp_path / "big.h5")
    for got, want in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    other.load_weights(tmp_path / "big.h5", by_name=True)


def _write_by_hand(path, layers, suffix, split=False, vlen=False):
    """A weights file as another writer would make it: `layers` is
    [(layer name, [(weight name, array)])]."""
    def strings(values):
        if vlen:
            return np.array(values, dtype=h5py.string_dtype())
        return np.array([v.encode() for v in values]) if values else np.zeros((0,))

    with h5py.File(path, "w") as f:
        names = [name for name, _ in layers]
        if split:
            f.attrs["layer_names0"] = strings(names[:1])
            f.attrs["layer_names1"] = strings(names[1:])
        else:
            f.attrs["layer_names"] = strings(names)
        for name, weights in layers:
            group = f.create_group(name)
            weight_names = [w + suffix for w, _ in weights]
            if split and len(weight_names) > 1:
                group.attrs["weight_names0"] = strings(weight_names[:1])
                group.attrs["weight_names1"] = strings(weight_names[1:])
            else:
                group.attrs["weight_names"] = strings(weight_names)
            for weight_name, value in zip(weight_names, [v for _, v in weights]):
                group.create_dataset(weight_name, data=value)


@pytest.mark.parametrize("suffix,split,vlen", [
    (":0", False, False), ("", False, True), ("", True, False), (":0", True, True)])
def test_reads_hand_written_files(tmp_path, suffix, split, vlen):
    model = _model()
    rng = np.random.default_rng(6)
    values = [rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()]
    _write_by_hand(tmp_path / "w.h5", [
        ("dense_a", [("seq/dense_a/kernel", values[0]), ("seq/dense_a/bias", values[1])]),
        ("drop", []),
        ("dense_b", [("dense_b/kernel", values[2]), ("dense_b/bias", values[3])]),
    ], suffix, split=split, vlen=vlen)
    model.load_weights(tmp_path / "w.h5")
    for got, want in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, want)


def test_full_model_round_trip_resumes_training_exactly(tmp_path):
    model = _model(dropout=0.0)
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = lamina.models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(_predict(loaded), _predict(model))
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    assert loaded.metrics_names == model.metrics_names
    model.train_on_batch(X[:8], Y[:8])
    loaded.train_on_batch(X[:8], Y[:8])
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_full_model_config_is_tf2_shaped(tmp_path):
    model = _model()
    model.save(tmp_path / "m.hdf5")
    with h5py.File(tmp_path / "m.hdf5", "r") as f:
        config = json.loads(h5_attributes.load_text(f, "model_config"))
        training = json.loads(h5_attributes.load_text(f, "training_config"))
        assert "model_weights" in f
        assert _attrs_strings(f["model_weights"], "layer_names") == ["dense_a", "drop", "dense_b"]
    assert "module" not in json.dumps(config) and "registered_name" not in json.dumps(config)
    assert config["class_name"] == "Sequential"
    first, dense = config["config"]["layers"][:2]
    assert first["class_name"] == "InputLayer"
    assert first["config"]["batch_input_shape"] == [None, 4]
    assert dense["config"]["dtype"] == "float32"
    assert dense["config"]["kernel_initializer"] == {"class_name": "GlorotUniform",
                                                     "config": {"seed": None}}
    assert training["loss"] == "sparse_categorical_crossentropy"
    assert training["metrics"] == ["accuracy"]
    assert training["optimizer_config"]["class_name"] == "Adam"
    assert "weight_decay" not in training["optimizer_config"]["config"]


def test_include_optimizer_false_and_compile_false(tmp_path, caplog):
    model = _model()
    model.save(tmp_path / "m.h5", include_optimizer=False)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    loaded = lamina.models.load_model(tmp_path / "m.h5")
    assert not loaded.compiled
    model.save(tmp_path / "c.h5")
    assert not lamina.models.load_model(tmp_path / "c.h5", compile=False).compiled


def test_loss_alias_is_written_by_its_full_name(tmp_path):
    model = _model(compile=False)
    model.compile(optimizer=lamina.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        training = json.loads(h5_attributes.load_text(f, "training_config"))
    assert training["loss"] == "mean_squared_error"
    loaded = lamina.models.load_model(tmp_path / "m.h5")
    assert loaded.optimizer.learning_rate == pytest.approx(0.05)
    assert loaded.optimizer.momentum == pytest.approx(0.9)


def test_reads_a_tf2_shaped_full_model_file(tmp_path):
    """A file as tf.keras 2.x writes it (config text as tf-keras 2.21 wrote it)."""
    source = _model(compile=False)
    _randomize(source, seed=7)
    source.save_weights(tmp_path / "w.h5")
    layer = {"name": "dense_a", "trainable": True, "dtype": "float32",
             "batch_input_shape": [None, 4], "units": 8, "activation": "relu",
             "use_bias": True,
             "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                    "config": {"seed": None}, "registered_name": None},
             "bias_initializer": {"class_name": "Zeros", "config": {}},
             "kernel_regularizer": None, "bias_regularizer": None,
             "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4],
                                                "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "dense_a_input"}},
        {"class_name": "Dense", "config": layer},
        {"class_name": "Dropout", "config": {"name": "drop", "trainable": True,
                                             "dtype": "float32", "rate": 0.1,
                                             "noise_shape": None, "seed": None}},
        {"class_name": "Dense", "config": dict(layer, name="dense_b", units=3,
                                               activation="softmax")},
    ]}}
    config["config"]["layers"][3]["config"].pop("batch_input_shape")
    training = {
        "loss": {"class_name": "SparseCategoricalCrossentropy",
                 "config": {"reduction": "auto", "name": "sparse_categorical_crossentropy",
                            "from_logits": False, "ignore_class": None}},
        "metrics": [[{"class_name": "MeanMetricWrapper",
                      "config": {"name": "accuracy", "dtype": "float32",
                                 "fn": "sparse_categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
            "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
            "learning_rate": 0.0025, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
            "amsgrad": False}}}
    with h5py.File(tmp_path / "w.h5", "r") as src, h5py.File(tmp_path / "m.h5", "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["training_config"] = json.dumps(training).encode()
        src.copy(src["/"], f, "model_weights")
        for key, value in src.attrs.items():
            f["model_weights"].attrs[key] = value
    loaded = lamina.models.load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(_predict(loaded), _predict(source))
    assert loaded.optimizer.learning_rate == pytest.approx(0.0025)
    assert loaded.metrics_names == ["loss", "accuracy"]
    loaded.fit(X, Y, epochs=1, verbose=0)


def test_custom_layers_by_registered_name_or_custom_objects(tmp_path):
    @lamina.saving.register_keras_serializable("LegacyH5Test")
    class RegisteredDense(lamina.layers.Dense):
        pass

    class PlainDense(lamina.layers.Dense):
        pass

    model = lamina.Sequential([lamina.Input((4,)), RegisteredDense(3, name="mine")])
    model.save(tmp_path / "r.h5")
    with h5py.File(tmp_path / "r.h5", "r") as f:
        config = json.loads(h5_attributes.load_text(f, "model_config"))
    assert config["config"]["layers"][1]["class_name"] == "LegacyH5Test>RegisteredDense"
    assert type(lamina.models.load_model(tmp_path / "r.h5").layers[0]) is RegisteredDense

    model = lamina.Sequential([lamina.Input((4,)), PlainDense(3, name="plain")])
    _randomize(model, seed=14)
    model.save(tmp_path / "p.h5")
    with pytest.raises(ValueError, match="PlainDense"):
        lamina.models.load_model(tmp_path / "p.h5")
    loaded = lamina.models.load_model(tmp_path / "p.h5", custom_objects={"PlainDense": PlainDense})
    assert type(loaded.layers[0]) is PlainDense
    np.testing.assert_array_equal(_predict(loaded), _predict(model))


# -- refusals and damaged files -------------------------------------------------------------


def test_weights_file_is_not_a_model(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="No model config found"):
        lamina.models.load_model(tmp_path / "w.h5")


def test_full_model_file_weights_load_with_load_weights(tmp_path):
    model = _model()
    _randomize(model, seed=8)
    model.save(tmp_path / "m.h5")
    other = _model()
    other.load_weights(tmp_path / "m.h5")
    np.testing.assert_array_equal(_predict(other), _predict(model))


def test_lambda_layer_in_config_is_refused(tmp_path):
    model = _model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        config = json.loads(h5_attributes.load_text(f, "model_config"))
        config["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
            "name": "evil", "function": ["4wEAAAAAAAAA", None, None],
            "function_type": "lambda", "module": "os"}})
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="Lambda"):
        lamina.models.load_model(tmp_path / "m.h5")


def test_missing_and_garbage_files(tmp_path):
    model = _model()
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "absent.h5")
    (tmp_path / "junk.h5").write_bytes(b"not an hdf5 file at all" * 10)
    with pytest.raises(ValueError, match="not an HDF5 file"):
        model.load_weights(tmp_path / "junk.h5")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        lamina.models.load_model(tmp_path / "junk.h5")
    model.save(tmp_path / "m.h5")
    data = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError):
        lamina.models.load_model(tmp_path / "cut.h5")


def test_external_link_is_refused(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_group("g")
    with h5py.File(tmp_path / "w.h5", "r+") as f:
        del f["dense_b"]
        f["dense_b"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/g")
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(tmp_path / "w.h5")


def test_soft_link_dataset_is_refused(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r+") as f:
        del f["dense_a/dense_a/bias:0"]
        f["dense_a/dense_a/bias:0"] = h5py.SoftLink("/dense_b/dense_b/bias:0")
    with pytest.raises(ValueError, match="SoftLink"):
        model.load_weights(tmp_path / "w.h5")


def test_external_storage_dataset_is_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(32, dtype=np.float32).tobytes())
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r+") as f:
        del f["dense_a/dense_a/kernel:0"]
        f["dense_a/dense_a"].create_dataset("kernel:0", shape=(4, 8), dtype=np.float32,
                                            external=[(str(secret), 0, 128)])
    with pytest.raises(ValueError, match="external"):
        model.load_weights(tmp_path / "w.h5")


def test_shape_bomb_is_refused_before_reading(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r+") as f:
        del f["dense_b/dense_b/bias:0"]
        f["dense_b/dense_b"].create_dataset("bias:0", shape=(1 << 31,), dtype=np.float32,
                                            chunks=(1 << 16,), compression="gzip")
    with pytest.raises(ValueError, match="bomb"):
        model.load_weights(tmp_path / "w.h5")


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    model = _model()
    _randomize(model, seed=9)
    path = tmp_path / "w.h5"
    model.save_weights(path)
    before = path.read_bytes()
    _randomize(model, seed=10)

    def crash(point):
        if point == "before_replace":
            raise OSError("simulated crash")

    monkeypatch.setattr(file_io, "_fault_hook", crash)
    with pytest.raises(OSError, match="simulated crash"):
        model.save_weights(path)
    with pytest.raises(OSError, match="simulated crash"):
        model.save(tmp_path / "w.h5")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.h5"]


def test_bad_layer_name_is_refused_on_save(tmp_path):
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2, name="a/b")])
    with pytest.raises(ValueError, match="contain no '/'"):
        legacy_h5.save_weights(model, tmp_path / "w.h5")


# -- exchange with real Keras 3 -------------------------------------------------------------


@pytest.mark.parity
def test_keras_loads_lamina_weights(tmp_path, keras_ref):
    model = _model()
    _randomize(model, seed=12)
    model.save_weights(tmp_path / "w.h5")
    kmodel = _keras_model(keras_ref)
    kmodel.load_weights(str(tmp_path / "w.h5"))
    np.testing.assert_allclose(kmodel.predict(X, verbose=0), _predict(model), rtol=0, atol=1e-6)
    renamed = _keras_model(keras_ref, names=("dense_a", "drop", "zzz"))
    renamed.load_weights(str(tmp_path / "w.h5"), by_name=True)
    np.testing.assert_array_equal(renamed.layers[0].get_weights()[0],
                                  model.get_layer("dense_a").get_weights()[0])


@pytest.mark.parity
def test_keras_loads_lamina_full_model(tmp_path, keras_ref):
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    kmodel = keras_ref.models.load_model(str(tmp_path / "m.h5"))
    np.testing.assert_allclose(kmodel.predict(X, verbose=0), _predict(model), rtol=0, atol=1e-6)
    assert [layer.name for layer in kmodel.layers] == ["dense_a", "drop", "dense_b"]
    assert type(kmodel.optimizer).__name__ == "Adam"
    assert int(kmodel.optimizer.iterations.numpy()) == 4
    assert getattr(kmodel.loss, "__name__", kmodel.loss) == "sparse_categorical_crossentropy"


@pytest.mark.parity
def test_keras_loads_lamina_split_attributes(tmp_path, keras_ref):
    model = _long_name_model(count=140)
    _randomize(model, seed=13)
    model.save_weights(tmp_path / "big.h5")
    kmodel = keras_ref.Sequential([keras_ref.Input((2,))] + [
        keras_ref.layers.Dense(2, name=layer.name) for layer in model.layers])
    kmodel.load_weights(str(tmp_path / "big.h5"))
    for got, want in zip(kmodel.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parity
def test_lamina_loads_keras_legacy_weights(tmp_path, keras_ref):
    from keras.src.legacy.saving import legacy_h5_format

    kmodel = _keras_model(keras_ref)
    with h5py.File(tmp_path / "k.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, kmodel)
    model = _model()
    model.load_weights(tmp_path / "k.h5")
    np.testing.assert_allclose(_predict(model), kmodel.predict(X, verbose=0), rtol=0, atol=1e-6)
    other = _model()
    other.load_weights(tmp_path / "k.h5", by_name=True)
    np.testing.assert_allclose(_predict(other), kmodel.predict(X, verbose=0), rtol=0, atol=1e-6)


@pytest.mark.parity
def test_lamina_loads_keras_split_attributes(tmp_path, keras_ref):
    from keras.src.legacy.saving import legacy_h5_format

    names = [f"{i:04d}_" + "n" * 475 for i in range(140)]
    kmodel = keras_ref.Sequential([keras_ref.Input((2,))] + [
        keras_ref.layers.Dense(2, name=name) for name in names])
    with h5py.File(tmp_path / "k.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, kmodel)
        assert "layer_names" not in f.attrs and "layer_names1" in f.attrs
    model = _long_name_model(count=140)
    model.load_weights(tmp_path / "k.h5", by_name=True)
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parity
def test_lamina_loads_keras_full_model(tmp_path, keras_ref):
    kmodel = _keras_model(keras_ref)
    kmodel.compile(optimizer=keras_ref.optimizers.Adam(0.002),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    kmodel.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmodel.save(str(tmp_path / "k.h5"))
    model = lamina.models.load_model(tmp_path / "k.h5")
    np.testing.assert_allclose(_predict(model), kmodel.predict(X, verbose=0), rtol=0, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["dense_a", "drop", "dense_b"]
    assert model.optimizer.learning_rate == pytest.approx(0.002)
    assert model.optimizer.iterations == 2
    assert model.metrics_names == ["loss", "accuracy"]
    model.fit(X, Y, epochs=1, verbose=0)
