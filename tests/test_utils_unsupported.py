"""Keras features lamina lacks fail with a message naming the feature --
as an attribute (hasattr stays False) and in `from ... import` -- and custom
layers with a Python `call` are refused when made."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as keras
from lamina.utils.unsupported import (
    NotSupportedAttributeError,
    NotSupportedError,
    NotSupportedImportError,
)


@pytest.mark.parametrize("module,name,hint", [
    (keras, "Model", "Functional API"),
    (keras.models, "Model", "Sequential"),
    (keras.layers, "Conv2DNotYet", "lamina has: Activation, ActivityRegularization"),
    (keras.layers, "Lambda", "never runs Python code"),
    (keras.layers, "Concatenate", "Functional API"),
    (keras.ops, "stop_gradient_like", "no automatic differentiation"),
    (keras.utils, "image_dataset_from_directory", "ImageDataGenerator"),
    (keras.preprocessing.text, "Tokenizer", "pad_sequences"),
    (keras, "mixed_precision", "float32"),
])
def test_attribute_access_names_the_feature(module, name, hint):
    with pytest.raises(NotSupportedAttributeError) as info:
        getattr(module, name)
    assert f".{name}` is not supported by lamina yet" in str(info.value)
    assert hint in str(info.value)
    assert isinstance(info.value, (AttributeError, NotImplementedError, NotSupportedError))
    assert not hasattr(module, name)
    assert getattr(module, name, "default") == "default"


def test_from_import_keeps_the_message():
    with pytest.raises(NotSupportedImportError, match="`keras.layers.LSTMNotYet` is not supported"):
        from lamina.layers import LSTMNotYet  # noqa: F401
    with pytest.raises(ImportError, match="Functional API"):
        from lamina import Model  # noqa: F401


def test_private_names_are_plain_attribute_errors():
    with pytest.raises(AttributeError) as info:
        keras.layers.__wrapped__  # noqa: B018
    assert not isinstance(info.value, NotSupportedError)


def test_existing_names_are_untouched():
    from lamina.layers import Dense  # noqa: F401

    assert keras.models.load_model is not None and keras.utils.plot_model is not None


def test_custom_layer_with_python_call_is_refused_when_made():
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="`Doubler.call`.*not supported by lamina yet"):
        Doubler()


def test_subclass_without_call_still_works():
    class MyDense(keras.layers.Dense):
        pass

    model = keras.Sequential([keras.Input((2,)), MyDense(1)])
    assert model.predict(np.ones((1, 2)), verbose=0).shape == (1, 1)
