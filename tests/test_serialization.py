"""Configs in Keras 3's shape: equality with real Keras, round trips both ways,
tf.keras 2.x configs, custom objects, and refusal of code-carrying entries."""

from __future__ import annotations

import copy
import json
import sys
import warnings

import numpy as np
import pytest

import lamina
from lamina.models.cloning import clone_model
from lamina.saving import object_registration, serialization_lib

L = lamina.layers


def _norm(config):
    """JSON-normalized (tuples become lists), as a file would hold it."""
    return json.loads(json.dumps(config))


def _lamina_model(k, compiled=True):
    """The same model written against lamina or Keras (`k` is the module)."""
    model = k.Sequential(
        [
            k.Input((4,), name="inp"),
            k.layers.Dense(8, activation="relu", name="d1"),
            k.layers.Dropout(0.25, seed=7, name="drop"),
            k.layers.Flatten(name="flat"),
            k.layers.Activation("tanh", name="act"),
            k.layers.Dense(3, activation="softmax", name="d2",
                           kernel_initializer=k.initializers.RandomNormal(stddev=0.1, seed=3),
                           bias_initializer="ones"),
        ],
        name="net",
    )
    if compiled:
        model.compile(optimizer=k.optimizers.Adam(learning_rate=0.01, name="opt"),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _predict_both(lamina_model, keras_model, rows=5, features=4):
    x = np.random.default_rng(0).normal(size=(rows, features)).astype(np.float32)
    ours = np.asarray(lamina_model.predict(x, verbose=0))
    theirs = np.asarray(keras_model.predict(x, verbose=0))
    return ours, theirs


# -- equality with Keras's own configs ----------------------------------------------------


@pytest.mark.parity
def test_config_equals_keras_compiled_model(keras_ref):
    ours = serialization_lib.serialize_keras_object(_lamina_model(lamina))
    theirs = keras_ref.saving.serialize_keras_object(_lamina_model(keras_ref))
    assert _norm(ours) == _norm(theirs)
    assert _norm(_lamina_model(lamina).get_config()) == _norm(_lamina_model(keras_ref).get_config())


@pytest.mark.parity
def test_config_equals_keras_for_compile_variants(keras_ref):
    def build(k):
        model = k.Sequential([k.Input((3,), name="i"), k.layers.Dense(2, name="d")], name="m")
        model.compile(
            optimizer=k.optimizers.SGD(0.1, momentum=0.9, name="sgd_opt"),
            loss=k.losses.MeanSquaredError(),
            metrics=[k.metrics.MeanAbsoluteError(), "mse", k.metrics.mean_absolute_error],
        )
        return model

    ours = serialization_lib.serialize_keras_object(build(lamina))
    theirs = keras_ref.saving.serialize_keras_object(build(keras_ref))
    assert _norm(ours["compile_config"]) == _norm(theirs["compile_config"])
    assert _norm(ours) == _norm(theirs)


@pytest.mark.parity
def test_config_equals_keras_unbuilt_and_built_by_shape(keras_ref):
    def unbuilt(k):
        return k.Sequential([k.layers.Dense(2, name="d", kernel_initializer="he_normal")],
                            name="u")

    ours = serialization_lib.serialize_keras_object(unbuilt(lamina))
    theirs = keras_ref.saving.serialize_keras_object(unbuilt(keras_ref))
    assert "build_config" not in ours and ours["compile_config"] == {}
    assert _norm(ours) == _norm(theirs)

    def by_shape(k):
        model = k.Sequential([k.layers.Dense(2, name="d")], name="b")
        model.build((None, 5))
        return model

    ours = _norm(serialization_lib.serialize_keras_object(by_shape(lamina)))
    theirs = _norm(keras_ref.saving.serialize_keras_object(by_shape(keras_ref)))
    for config in (ours, theirs):  # the auto-named input layer depends on global counters
        config["config"]["layers"][0]["config"].pop("name")
    assert ours == theirs


@pytest.mark.parity
def test_initializer_configs_equal_keras(keras_ref):
    names = ["zeros", "ones", "random_uniform", "random_normal", "truncated_normal",
             "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
             "lecun_uniform", "lecun_normal"]
    for name in names:
        ours = serialization_lib.serialize_keras_object(lamina.initializers.get(name))
        theirs = keras_ref.saving.serialize_keras_object(keras_ref.initializers.get(name))
        assert json.dumps(ours) == json.dumps(theirs), name  # key order too
    ours = serialization_lib.serialize_keras_object(lamina.initializers.Constant(0.5))
    theirs = keras_ref.saving.serialize_keras_object(keras_ref.initializers.Constant(0.5))
    assert ours == theirs


# -- round trips with real Keras ----------------------------------------------------------


@pytest.mark.parity
def test_keras_loads_lamina_config_and_predicts_the_same(keras_ref):
    ours = _lamina_model(lamina)
    theirs = keras_ref.Sequential.from_config(ours.get_config())
    theirs.set_weights(ours.get_weights())
    a, b = _predict_both(ours, theirs)
    np.testing.assert_allclose(a, b, atol=1e-6)
    # The full serialized form (with compile_config) too.
    full = serialization_lib.serialize_keras_object(ours)
    again = keras_ref.saving.deserialize_keras_object(full)
    assert again.compiled and type(again.optimizer).__name__ == "Adam"
    assert _norm(again.get_config()) == _norm(ours.get_config())


@pytest.mark.parity
def test_lamina_loads_keras_config_and_predicts_the_same(keras_ref):
    theirs = _lamina_model(keras_ref)
    ours = lamina.Sequential.from_config(theirs.get_config())
    assert [layer.name for layer in ours.layers] == ["d1", "drop", "flat", "act", "d2"]
    ours.set_weights(theirs.get_weights())
    a, b = _predict_both(ours, theirs)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert _norm(ours.get_config()) == _norm(theirs.get_config())
    full = serialization_lib.deserialize_keras_object(
        keras_ref.saving.serialize_keras_object(theirs)
    )
    assert full.compiled and isinstance(full.optimizer, lamina.optimizers.Adam)
    assert full.optimizer.get_config() == theirs.optimizer.get_config() | {"name": "opt"}
    assert _norm(serialization_lib.serialize_keras_object(full)) == _norm(
        keras_ref.saving.serialize_keras_object(theirs)
    )


@pytest.mark.parity
def test_json_round_trips_with_keras(keras_ref):
    ours = _lamina_model(lamina)
    text = ours.to_json()
    theirs = keras_ref.models.model_from_json(text)
    assert json.loads(theirs.to_json()) == json.loads(text)

    keras_model = _lamina_model(keras_ref)
    back = lamina.models.model_from_json(keras_model.to_json())
    assert back.compiled
    assert json.loads(back.to_json()) == json.loads(keras_model.to_json())
    back.set_weights(keras_model.get_weights())
    a, b = _predict_both(back, keras_model)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_json_round_trip_within_lamina():
    model = _lamina_model(lamina)
    again = serialization_lib.model_from_json(serialization_lib.model_to_json(model))
    assert again.to_json() == model.to_json()
    assert again.compiled and again.optimizer is not model.optimizer
    x = np.ones((2, 4), np.float32)
    y = np.array([0, 2])
    again.fit(x, y, epochs=1, verbose=0)  # compiled from the config, it trains


def test_model_from_json_rejects_non_json():
    with pytest.raises(ValueError, match="JSON"):
        serialization_lib.model_from_json("{not json")


# -- tf.keras 2.x configs -------------------------------------------------------------------

TF2_CONFIG = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential_7",
        "layers": [
            {"class_name": "InputLayer", "config": {
                "batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                "ragged": False, "name": "dense_input"}},
            {"class_name": "Dense", "config": {
                "name": "dense", "trainable": True, "batch_input_shape": [None, 4],
                "dtype": "float32", "units": 6, "activation": "relu", "use_bias": True,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": None, "bias_regularizer": None,
                "activity_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None}},
            {"class_name": "Dropout", "config": {
                "name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5,
                "noise_shape": None, "seed": None}},
            {"class_name": "Dense", "config": {
                "name": "dense_1", "trainable": True, "dtype": "float32", "units": 2,
                "activation": "softmax", "use_bias": True,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": None, "bias_regularizer": None,
                "activity_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None}},
        ],
    },
    "keras_version": "2.15.0",
    "backend": "tensorflow",
}

# Keras 2.2.4: no InputLayer entry; the first layer carries batch_input_shape.
K224_LAYERS = [
    {"class_name": "Dense", "config": {
        "name": "dense_1", "trainable": True, "batch_input_shape": [None, 4],
        "dtype": "float32", "units": 6, "activation": "tanh", "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {
            "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}},
    {"class_name": "Activation", "config": {
        "name": "activation_1", "trainable": True, "activation": "sigmoid"}},
]


def test_tf2_config_loads():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loading an old config is not the user's mistake
        model = serialization_lib.deserialize_keras_object(copy.deepcopy(TF2_CONFIG))
    assert model.name == "sequential_7" and model.built
    assert model._input_layer.name == "dense_input"
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    # Written back in Keras 3's shape.
    config = _norm(model.get_config())
    assert config["layers"][1]["module"] == "keras.layers"
    assert "batch_input_shape" not in config["layers"][1]["config"]


def test_tf2_json_string_loads():
    model = lamina.models.model_from_json(json.dumps(TF2_CONFIG))
    assert model.count_params() == 4 * 6 + 6 + 6 * 2 + 2


def test_keras_224_config_without_input_layer_loads():
    config = {"class_name": "Sequential",
              "config": {"name": "sequential_1", "layers": copy.deepcopy(K224_LAYERS)}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = serialization_lib.deserialize_keras_object(config)
    assert model.built and model.input_shape == (None, 4)
    assert [layer.name for layer in model.layers] == ["dense_1", "activation_1"]
    assert model.layers[0].kernel_initializer.get_config()["distribution"] == "uniform"


def test_ancient_list_form_loads():
    model = lamina.Sequential.from_config(copy.deepcopy(K224_LAYERS))
    assert model.built and model.output_shape == (None, 6)


def test_build_input_shape_builds_a_model_without_input_layer():
    layers = [{"class_name": "Dense", "config": {"name": "d", "units": 3}}]
    model = lamina.Sequential.from_config({"name": "s", "layers": layers,
                                           "build_input_shape": [None, 7]})
    assert model.built and model.input_shape == (None, 7)


@pytest.mark.parity
@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")
def test_tf2_config_loads_like_keras(keras_ref):
    ours = serialization_lib.deserialize_keras_object(copy.deepcopy(TF2_CONFIG))
    theirs = keras_ref.Sequential.from_config(copy.deepcopy(TF2_CONFIG["config"]))
    theirs.set_weights(ours.get_weights())
    a, b = _predict_both(ours, theirs)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_mixed_precision_policy_is_refused():
    config = {"name": "m", "layers": [], "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                   "config": {"name": "mixed_float16"},
                                                   "registered_name": None}}
    with pytest.raises(ValueError, match="float32"):
        lamina.Sequential.from_config(config)


def test_malformed_sequential_config():
    with pytest.raises(ValueError, match="'name' and 'layers'"):
        lamina.Sequential.from_config({"name": "x"})


# -- custom objects --------------------------------------------------------------------------


@object_registration.register_keras_serializable(package="TestPkg")
class ScaledDense(L.Dense):
    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(units, **kwargs)
        self.scale = scale

    def get_config(self):
        return dict(super().get_config(), scale=self.scale)


class UnregisteredDense(L.Dense):
    pass


@object_registration.register_keras_serializable(package="TestPkg")
class HalfOnes(lamina.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        return np.full(shape, 0.5, np.float32)


@object_registration.register_keras_serializable()
def twice_mae(y_true, y_pred):
    return 2 * np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)), axis=-1)


def test_registry_api():
    assert object_registration.get_registered_name(ScaledDense) == "TestPkg>ScaledDense"
    assert object_registration.get_registered_name(UnregisteredDense) == "UnregisteredDense"
    assert object_registration.get_registered_object("TestPkg>ScaledDense") is ScaledDense
    assert object_registration.get_custom_objects()["Custom>twice_mae"] is twice_mae
    assert object_registration.get_registered_object("nope") is None
    assert object_registration.get_registered_object("x", custom_objects={"x": 1}) == 1
    with pytest.raises(ValueError, match="get_config"):
        object_registration.register_keras_serializable()(type("NoConfig", (), {}))
    assert lamina.saving.register_keras_serializable is \
        object_registration.register_keras_serializable


def test_registered_custom_layer_and_initializer_round_trip():
    model = lamina.Sequential([lamina.Input((3,)),
                               ScaledDense(2, scale=3.0, name="sd", kernel_initializer=HalfOnes())])
    config = serialization_lib.serialize_keras_object(model)
    entry = config["config"]["layers"][1]
    assert entry["class_name"] == "ScaledDense"
    assert entry["registered_name"] == "TestPkg>ScaledDense"
    assert entry["module"] == __name__
    assert entry["config"]["kernel_initializer"]["registered_name"] == "TestPkg>HalfOnes"
    again = serialization_lib.deserialize_keras_object(_norm(config))
    layer = again.layers[0]
    assert type(layer) is ScaledDense and layer.scale == 3.0
    np.testing.assert_array_equal(layer.kernel.numpy(), np.full((3, 2), 0.5, np.float32))


def test_unregistered_custom_class_needs_custom_objects():
    model = lamina.Sequential([lamina.Input((3,)), UnregisteredDense(2, name="ud")])
    config = _norm(serialization_lib.serialize_keras_object(model))
    with pytest.raises(TypeError, match="Could not locate class 'UnregisteredDense'"):
        serialization_lib.deserialize_keras_object(config)
    again = serialization_lib.deserialize_keras_object(
        config, custom_objects={"UnregisteredDense": UnregisteredDense})
    assert type(again.layers[0]) is UnregisteredDense
    with object_registration.custom_object_scope({"UnregisteredDense": UnregisteredDense}):
        assert type(lamina.Sequential.from_config(config["config"]).layers[0]) \
            is UnregisteredDense
        assert type(lamina.models.model_from_json(json.dumps(config)).layers[0]) \
            is UnregisteredDense
    # The scope is gone afterwards.
    with pytest.raises(TypeError):
        lamina.Sequential.from_config(config["config"])
    assert type(lamina.Sequential.from_config(
        config["config"], custom_objects={"UnregisteredDense": UnregisteredDense}
    ).layers[0]) is UnregisteredDense


def test_custom_objects_in_tf2_config_by_class_name():
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "UnregisteredDense", "config": {
            "name": "u", "units": 2, "batch_input_shape": [None, 3]}}]}}
    model = serialization_lib.deserialize_keras_object(
        config, custom_objects={"UnregisteredDense": UnregisteredDense})
    assert type(model.layers[0]) is UnregisteredDense and model.input_shape == (None, 3)


def test_registered_metric_function_in_compile_config():
    model = lamina.Sequential([lamina.Input((3,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=[twice_mae])
    compile_config = model.get_compile_config()
    assert compile_config["metrics"] == [{"module": "builtins", "class_name": "function",
                                          "config": "Custom>twice_mae",
                                          "registered_name": "function"}]
    again = serialization_lib.deserialize_keras_object(
        _norm(serialization_lib.serialize_keras_object(model)))
    assert again.compiled
    history = again.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
    assert "twice_mae" in history.history


@pytest.mark.parity
def test_registered_metric_compile_config_equals_keras(keras_ref):
    keras_ref.saving.register_keras_serializable()(twice_mae)
    theirs = keras_ref.Sequential([keras_ref.Input((3,), name="i"),
                                   keras_ref.layers.Dense(2, name="d")], name="m")
    theirs.compile(optimizer=keras_ref.optimizers.SGD(name="s"), loss="mse", metrics=[twice_mae])
    ours = lamina.Sequential([lamina.Input((3,), name="i"), L.Dense(2, name="d")], name="m")
    ours.compile(optimizer=lamina.optimizers.SGD(name="s"), loss="mse", metrics=[twice_mae])
    assert _norm(ours.get_compile_config()) == _norm(theirs.get_compile_config())


def test_function_saved_by_bare_name_finds_registered_one():
    # Keras <= 3.6 wrote registered functions by their bare name.
    config = {"module": "builtins", "class_name": "function", "config": "twice_mae",
              "registered_name": "function"}
    assert serialization_lib.deserialize_keras_object(config) is twice_mae


def test_builtin_function_and_loss_configs_resolve():
    fn = serialization_lib.deserialize_keras_object(
        {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
         "registered_name": "function"}, kind="losses")
    assert fn is lamina.losses.mean_squared_error
    loss = serialization_lib.deserialize_keras_object(
        {"module": "keras.losses", "class_name": "MeanSquaredError",
         "config": {"name": "mse", "reduction": "sum_over_batch_size"}, "registered_name": None})
    assert isinstance(loss, lamina.losses.MeanSquaredError)
    metric = serialization_lib.deserialize_keras_object(
        {"module": "keras.metrics", "class_name": "MeanSquaredError",
         "config": {"name": "m", "dtype": "float32"}, "registered_name": None})
    assert isinstance(metric, lamina.metrics.MeanSquaredError)


def test_plain_values_and_special_encodings():
    value = {"a": [1, 2.5, "x", None, True], "arr": np.arange(3, dtype=np.int32),
             "b": b"bytes", "s": slice(1, None, 2), "e": Ellipsis}
    config = serialization_lib.serialize_keras_object(value)
    assert config["arr"]["class_name"] == "__numpy__"
    back = serialization_lib.deserialize_keras_object(_norm(config))
    np.testing.assert_array_equal(back["arr"], np.arange(3))
    assert back["a"] == [1, 2.5, "x", None, True] and back["b"] == b"bytes"
    assert back["s"] == slice(1, None, 2) and back["e"] is Ellipsis


# -- refusals --------------------------------------------------------------------------------


def _wrap_layer(entry):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "evil_model", "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                 "config": {"batch_shape": [None, 2], "name": "i"}}, entry]}}


KERAS3_LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                 "config": {"name": "sneaky", "function": {
                     "class_name": "__lambda__",
                     "config": {"value": ["4wEAAAAAAAAAAAAAAAEAAAADAAAA", None, None]}}}}
LEGACY_LAMBDA = {"class_name": "Lambda", "config": {
    "name": "old_sneaky", "trainable": True, "dtype": "float32",
    "function": ["4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAfABkARQAUwA=", None, None],
    "function_type": "lambda", "module": "__main__", "output_shape": None,
    "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}


@pytest.mark.parametrize("safe_mode", [True, False])
def test_keras3_lambda_layer_is_refused_naming_it(safe_mode):
    with pytest.raises(ValueError, match=r"'sneaky' \(class_name 'Lambda'\).*layers\[1\]"):
        serialization_lib.deserialize_keras_object(_wrap_layer(KERAS3_LAMBDA),
                                                   safe_mode=safe_mode)


def test_legacy_lambda_layer_is_refused_naming_it():
    with pytest.raises(ValueError, match="'old_sneaky'.*Python code"):
        lamina.Sequential.from_config(_wrap_layer(copy.deepcopy(LEGACY_LAMBDA))["config"])
    with pytest.raises(ValueError, match="old_sneaky"):
        lamina.models.model_from_json(json.dumps(_wrap_layer(LEGACY_LAMBDA)))


def test_lambda_hidden_anywhere_is_refused():
    compiled = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                "config": {"name": "m", "layers": []},
                "compile_config": {"optimizer": "sgd", "loss": {
                    "class_name": "__lambda__", "config": {"value": ["AAAA", None, None]}}}}
    with pytest.raises(ValueError, match=r"compile_config\.loss"):
        serialization_lib.deserialize_keras_object(compiled)
    marshalled = {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                                    "function": ["AAAA", None, None]}}
    with pytest.raises(ValueError, match="marshalled"):
        serialization_lib.deserialize_keras_object(marshalled)


def test_tfsm_layer_is_refused():
    entry = {"module": "keras.layers", "class_name": "TFSMLayer", "registered_name": None,
             "config": {"name": "external", "filepath": "/tmp/saved_model"}}
    with pytest.raises(ValueError, match="'external'.*TFSMLayer"):
        serialization_lib.deserialize_keras_object(_wrap_layer(entry))


def test_module_named_in_config_is_never_imported():
    module = "lamina_test_module_that_must_not_be_imported"
    entry = {"module": module, "class_name": "Payload", "registered_name": "X>Payload",
             "config": {"name": "p"}}
    with pytest.raises(TypeError, match="never imports"):
        serialization_lib.deserialize_keras_object(_wrap_layer(entry))
    assert module not in sys.modules
    # A function named by module and name is not looked up there either.
    with pytest.raises(TypeError, match="Could not locate function 'system'"):
        serialization_lib.deserialize_keras_object(
            {"module": "os", "class_name": "function", "config": "system",
             "registered_name": "function"})


def test_non_modeling_keras_apis_are_unknown():
    with pytest.raises(ValueError, match="get_file"):
        serialization_lib.deserialize_keras_object(
            {"module": "keras.utils", "class_name": "get_file",
             "config": {"origin": "http://example.invalid"}, "registered_name": None})


def test_unknown_keras_layer_gives_clear_error():
    entry = {"module": "keras.layers", "class_name": "Conv3D", "registered_name": None,
             "config": {"name": "c", "filters": 2}}
    with pytest.raises(ValueError, match=r"layer 'Conv3D'.*does not implement.*'Dense'"):
        serialization_lib.deserialize_keras_object(_wrap_layer(entry))
    with pytest.raises(ValueError, match="Sequential models only"):
        serialization_lib.deserialize_keras_object(
            {"module": "keras", "class_name": "Functional", "config": {}, "registered_name": None})


def test_unsupported_layer_argument_names_the_layer():
    entry = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "config": {"name": "reg", "units": 2, "lora_rank": 2}}
    with pytest.raises(ValueError, match="Dense 'reg'.*lora_rank"):
        serialization_lib.deserialize_keras_object(_wrap_layer(entry))


def test_lambda_is_never_serialized():
    with pytest.raises(ValueError, match="lambda"):
        serialization_lib.serialize_keras_object(lambda y, p: y)


def test_object_without_get_config_is_not_serializable():
    with pytest.raises(TypeError, match="get_config"):
        serialization_lib.serialize_keras_object(object())


# -- clone_model -----------------------------------------------------------------------------


def test_clone_model_has_same_config_and_new_weights():
    model = _lamina_model(lamina)
    model.layers[0].kernel.assign(np.full((4, 8), 0.25, np.float32))
    clone = clone_model(model)
    assert clone is not model
    assert _norm(serialization_lib.serialize_keras_object(clone)) == _norm(
        serialization_lib.serialize_keras_object(model))
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert not np.array_equal(clone.layers[0].kernel.numpy(), model.layers[0].kernel.numpy())
    clone.layers[0].kernel.assign(np.zeros((4, 8), np.float32))
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), np.full((4, 8), 0.25))
    assert lamina.models.clone_model(model).name == model.name


def test_clone_model_options():
    model = lamina.Sequential([L.Dense(2, name="d")], name="deferred")
    clone = clone_model(model)
    assert not clone.built and not clone.compiled
    inp = lamina.Input((5,), name="new_in")
    clone = clone_model(model, input_tensors=[inp])
    assert clone.input_shape == (None, 5)
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return L.Dense(3, name=layer.name + "_x")

    clone = clone_model(model, clone_function=clone_function)
    assert seen == ["d"] and clone.layers[0].name == "d_x"
    with pytest.raises(ValueError, match="Sequential"):
        clone_model("not a model")
    with pytest.raises(ValueError, match="Unexpected keyword"):
        clone_model(model, bogus=1)
