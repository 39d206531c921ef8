"""Keras 3's `.keras` format: a zip holding `metadata.json`, `config.json`
and `model.weights.h5` (see `weights_h5` for the weights layout).

Members are stored uncompressed, in that order, as Keras writes them.
Saving builds the whole archive in memory and hands it to
`file_io.atomic_write`, so an interrupted save leaves any existing file
untouched. Loading checks the archive (`h5_safety.open_zip`) and the
weights file (`h5_safety.scan_h5`) before reading anything, and resolves the
config through `serialization_lib` (a closed registry: nothing named in the
file is imported).

The unzipped variant (`zipped=False`: a folder with the same three files)
is supported too.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile
from typing import Any, Dict, Optional

import numpy as np

from lamina.saving import h5_safety, weights_h5

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
KERAS_VERSION = "3.15.1"  # the format version written (the Keras lamina follows)

_WHAT = "`.keras` file"


# -- saving -------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays that slip into a config become plain JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable: {value!r}")


def _serialize(model: Any) -> Dict[str, str]:
    """The three members' text: config, metadata (weights are separate)."""
    from lamina.saving import serialization_lib

    config = serialization_lib.serialize_keras_object(model)
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    return {
        METADATA_FILENAME: json.dumps(metadata),
        CONFIG_FILENAME: json.dumps(config, default=_json_default),
    }


def _warn_if_unbuilt(model: Any) -> None:
    if not getattr(model, "built", False):
        warnings.warn(
            "You are saving a model that has not yet been built. It might not contain any "
            "weights yet. Consider building the model first by calling it on some data.",
            stacklevel=4,
        )


def archive_bytes(model: Any) -> bytes:
    """The complete `.keras` archive of `model`, in memory."""
    texts = _serialize(model)
    weights = weights_h5.state_to_bytes(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(METADATA_FILENAME, texts[METADATA_FILENAME])
        archive.writestr(CONFIG_FILENAME, texts[CONFIG_FILENAME])
        archive.writestr(WEIGHTS_FILENAME, weights)
    return buffer.getvalue()


def save_model(model: Any, filepath: Any) -> None:
    """Writes `model` as a `.keras` zip (architecture, weights, compile config
    and optimizer state).

    Args:
        model: a lamina model.
        filepath: a path ending in `.keras` (written atomically) or a
            writable binary file object.

    Raises:
        ValueError: if a path does not end in `.keras`.
    """
    from lamina.saving import file_io

    _warn_if_unbuilt(model)
    if not isinstance(filepath, (str, os.PathLike)):
        filepath.write(archive_bytes(model))
        return
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise ValueError(
            f"Invalid `filepath` argument: expected a `.keras` extension. Received: "
            f"filepath={path}"
        )
    data = archive_bytes(model)
    with file_io.atomic_write(path) as f:
        f.write(data)


def save_model_to_dir(model: Any, dirpath: Any) -> None:
    """Writes the three members as files in a folder (`zipped=False`), each
    one atomically.

    Raises:
        ValueError: if the path ends in `.keras`.
    """
    from lamina.saving import file_io

    path = os.fspath(dirpath)
    if path.endswith(".keras"):
        raise ValueError(
            "When using `zipped=False`, the `filepath` argument should not end in `.keras`. "
            f"Received: filepath={path}"
        )
    _warn_if_unbuilt(model)
    members = {name: text.encode() for name, text in _serialize(model).items()}
    members[WEIGHTS_FILENAME] = weights_h5.state_to_bytes(model)
    os.makedirs(path, exist_ok=True)
    for name, data in members.items():
        with file_io.atomic_write(os.path.join(path, name)) as f:
            f.write(data)


# -- loading ------------------------------------------------------------------------------


def _parse_config(raw: bytes) -> Dict[str, Any]:
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"The {_WHAT}'s {CONFIG_FILENAME} is not valid JSON: {e}") from e
    if not isinstance(config, dict):
        raise ValueError(
            f"The {_WHAT}'s {CONFIG_FILENAME} must hold a JSON object, not "
            f"{type(config).__name__}."
        )
    return config


def _model_from_config(config: Dict[str, Any], custom_objects: Optional[Dict[str, Any]],
                       compile: bool, safe_mode: bool) -> Any:
    """Deserializes the model; builds it and its optimizer as Keras does, so
    the weights and the optimizer state have somewhere to go."""
    from lamina.saving import serialization_lib

    if not compile:
        config = dict(config, compile_config=None)
    model = serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, safe_mode=safe_mode
    )
    build_config = config.get("build_config") or {}
    if not getattr(model, "built", False) and build_config.get("input_shape") is not None:
        model.build(tuple(build_config["input_shape"]))
    compile_config = config.get("compile_config")
    if compile and compile_config and not getattr(model, "compiled", False):
        model.compile_from_config(compile_config)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(model, "built", False) and not optimizer.built:
        optimizer.build(model.trainable_weights)
    return model


def _load_weights_member(archive: zipfile.ZipFile, model: Any, skip_mismatch: bool) -> None:
    if WEIGHTS_FILENAME not in archive.namelist():
        raise ValueError(f"The {_WHAT} has no {WEIGHTS_FILENAME}.")
    data = h5_safety.read_member(archive, WEIGHTS_FILENAME, what=_WHAT)
    weights_h5.read_state_from(io.BytesIO(data), model, skip_mismatch=skip_mismatch,
                               what=f"{WEIGHTS_FILENAME} of the {_WHAT}")


def _open(filepath: Any) -> zipfile.ZipFile:
    """Opens a `.keras` archive, with Keras's message for a missing file."""
    if isinstance(filepath, (str, os.PathLike)) and not os.path.exists(os.fspath(filepath)):
        raise ValueError(
            f"File not found: filepath={os.fspath(filepath)}. Please ensure the file is an "
            "accessible `.keras` zip file."
        )
    return h5_safety.open_zip(filepath, what=_WHAT)


def load_model(filepath: Any, custom_objects: Optional[Dict[str, Any]] = None,
               compile: bool = True, safe_mode: bool = True) -> Any:
    """Loads a `.keras` archive written by lamina or Keras 3.

    Args:
        filepath: a path or a readable, seekable binary file object.
        custom_objects: name -> class or function, for custom objects.
        compile: whether to compile the model (and restore its optimizer state).
        safe_mode: accepted for compatibility; lamina never runs code from a file.

    Returns:
        The model, compiled if it was saved compiled and `compile` is True.

    Raises:
        ValueError: for a missing, garbage, truncated or unsafe file, an
            unknown or code-carrying config entry, or weights that do not fit.
    """
    with _open(filepath) as archive:
        if CONFIG_FILENAME not in archive.namelist():
            raise ValueError(f"The {_WHAT} {_name(filepath)} has no {CONFIG_FILENAME}.")
        config = _parse_config(h5_safety.read_member(archive, CONFIG_FILENAME, what=_WHAT))
        model = _model_from_config(config, custom_objects, compile, safe_mode)
        _load_weights_member(archive, model, skip_mismatch=False)
    return model


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Loads the weights (and optimizer state) held in a `.keras` archive.

    Raises:
        ValueError: if the model is not built, the file is missing or unsafe,
            or the weights do not fit (unless `skip_mismatch`).
    """
    if not getattr(model, "built", False):
        raise ValueError(
            "You are loading weights into a model that has not yet been built. Try building "
            "the model first by calling it on some data or by using `build()`."
        )
    with _open(filepath) as archive:
        _load_weights_member(archive, model, skip_mismatch=skip_mismatch)


def is_model_dir(path: Any) -> bool:
    """Whether `path` is a folder written with `zipped=False`."""
    return isinstance(path, (str, os.PathLike)) and os.path.isdir(path) and os.path.isfile(
        os.path.join(path, CONFIG_FILENAME))


def load_model_from_dir(dirpath: Any, custom_objects: Optional[Dict[str, Any]] = None,
                        compile: bool = True, safe_mode: bool = True) -> Any:
    """Loads a folder written with `zipped=False` (see `load_model`)."""
    path = os.fspath(dirpath)
    with open(os.path.join(path, CONFIG_FILENAME), "rb") as f:
        config = _parse_config(f.read())
    model = _model_from_config(config, custom_objects, compile, safe_mode)
    weights = os.path.join(path, WEIGHTS_FILENAME)
    if not os.path.isfile(weights):
        raise ValueError(f"Expected a {WEIGHTS_FILENAME} file in {path}.")
    weights_h5.read_state_from(weights, model, what=f"{WEIGHTS_FILENAME} in {path}")
    return model


def _name(filepath: Any) -> str:
    if isinstance(filepath, (str, os.PathLike)):
        return os.fspath(filepath)
    return str(getattr(filepath, "name", "<file object>"))
