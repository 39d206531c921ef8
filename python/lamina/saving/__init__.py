"""`keras.saving`: saving and loading models in Keras's own formats.

`.keras` zips and `.weights.h5` files (Keras 3), legacy `.h5`/`.hdf5`
(tf.keras 2.x), and Keras 3's JSON configs. Loading resolves class names
against lamina's own classes plus registered and custom objects only, and
refuses unsafe files (see `h5_safety`). h5py is imported only when a file
is read or written.
"""

from lamina.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from lamina.saving.saving_api import load_model, load_weights, save_model, save_weights
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
