"""`keras.utils`: the helpers Sequential scripts use."""

from typing import Any

from lamina.utils.file_utils import get_file
from lamina.utils.numerical_utils import normalize, to_categorical
from lamina.utils.progbar import Progbar
from lamina.utils.py_dataset import PyDataset, Sequence
from lamina.utils.rng_utils import set_random_seed
from lamina.utils.sequence_utils import pad_sequences
from lamina.utils.unsupported import module_getattr

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "model_to_dot",
    "normalize",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
]

# Resolved on first use: `lamina.saving` imports the layers, which import
# `lamina.utils`, so importing it here would be circular.
_LAZY = {
    "CustomObjectScope": "lamina.saving.object_registration",
    "custom_object_scope": "lamina.saving.object_registration",
    "get_custom_objects": "lamina.saving.object_registration",
    "get_registered_name": "lamina.saving.object_registration",
    "get_registered_object": "lamina.saving.object_registration",
    "register_keras_serializable": "lamina.saving.object_registration",
    "serialize_keras_object": "lamina.saving.serialization_lib",
    "deserialize_keras_object": "lamina.saving.serialization_lib",
    "plot_model": "lamina.utils.model_visualization",
    "model_to_dot": "lamina.utils.model_visualization",
}

_MISSING = {
    "image_dataset_from_directory": "Load the images into numpy arrays and use "
    "`keras.preprocessing.image.ImageDataGenerator().flow(x, y)`.",
    "text_dataset_from_directory": "Load the texts yourself and pad them with "
    "`keras.utils.pad_sequences`.",
    "timeseries_dataset_from_array": "Build the windows with numpy and pass arrays to `fit`.",
    "audio_dataset_from_directory": None,
    "load_img": "lamina reads no image files; load them with Pillow into numpy arrays.",
    "img_to_array": "lamina reads no image files; use `numpy.asarray(image)`.",
    "array_to_img": "lamina writes no image files; use Pillow's `Image.fromarray`.",
    "save_img": "lamina writes no image files; use Pillow.",
    "split_dataset": "Split numpy arrays by slicing, or use `validation_split` in `fit`.",
    "FeatureSpace": None,
    "multi_gpu_model": "lamina runs on the CPU.",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    module_getattr("keras.utils", name, _MISSING)
