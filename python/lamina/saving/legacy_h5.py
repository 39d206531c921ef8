"""tf.keras 2.x's legacy HDF5 format: `.h5` / `.hdf5` weights and full models.

Weights file (`model.save_weights("w.h5")`): the root holds `layer_names`,
`backend`, `keras_version` and one group per layer (see
`legacy.h5_weights`). Full-model file (`model.save("m.h5")`)::

    attrs: keras_version, backend, model_config (JSON), training_config (JSON)
    model_weights/        the weights layout above
    optimizer_weights/    the optimizer's variables (see `legacy.optimizer_weights`)

Files written here load in Keras 3 (`load_weights`, `keras.models.load_model`)
and in tf.keras 2.x. Files written by either load here, by position or
`by_name`. Every write is atomic (`file_io.atomic_write`): the file is built
in memory, then replaces the target in one rename. Every read goes through
`h5_safety`: the whole file is scanned (no links, external or virtual
datasets, or shape bombs) before any array is read, and classes in a config
are resolved only against lamina's own and the caller's custom objects.
"""

from __future__ import annotations

import io
import json
import logging
import os
from typing import Any, Dict, Optional

import numpy as np

from lamina.saving import file_io, h5_safety
from lamina.saving.legacy import _compat, h5_weights, legacy_config, optimizer_weights
from lamina.saving.legacy.h5_attributes import load_text

_log = logging.getLogger("lamina")


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays in configs, as Keras's `get_json_type` writes them."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Cannot serialize {value!r} (of type {type(value).__name__}) to JSON.")


def _json_attr(value: Any) -> bytes:
    return json.dumps(value, default=_json_default).encode("utf8")


def _require_built(model: Any) -> None:
    if not getattr(model, "built", False):
        raise ValueError(
            f"Cannot save the weights of model '{model.name}': it has not been built yet. "
            "Build it first by calling it on data, with `model.build(input_shape)`, or by "
            "starting it with `keras.Input(shape)`."
        )


def _write(filepath: Any, fill: Any) -> None:
    """Builds an HDF5 file in memory with `fill(h5file)`, then writes it
    atomically to `filepath`."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        fill(h5file)
    with file_io.atomic_write(os.fspath(filepath)) as f:
        f.write(buffer.getvalue())


def save_weights(model: Any, filepath: Any) -> None:
    """Writes `model`'s weights to a legacy `.h5`/`.hdf5` file.

    Args:
        model: a built lamina model.
        filepath: the target path.

    Raises:
        ValueError: if the model is not built or a layer name cannot be stored.
    """
    _require_built(model)
    _write(filepath, lambda h5file: h5_weights.write_weights(h5file, model))


def save_model(model: Any, filepath: Any, include_optimizer: bool = True) -> None:
    """Writes a legacy full-model file: config, weights, and (if compiled and
    `include_optimizer`) the training config and optimizer state.

    Args:
        model: a lamina model.
        filepath: the target path.
        include_optimizer: whether to save the training config and the
            optimizer's state.

    Raises:
        ValueError: if a layer name cannot be stored, or the config cannot
            be written as JSON.
    """
    config = legacy_config.model_config(model)
    training = legacy_config.training_config(model) if include_optimizer else None

    def fill(h5file: Any) -> None:
        h5file.attrs["keras_version"] = h5_weights.LEGACY_KERAS_VERSION.encode("utf8")
        h5file.attrs["backend"] = h5_weights.BACKEND.encode("utf8")
        h5file.attrs["model_config"] = _json_attr(config)
        if training is not None:
            h5file.attrs["training_config"] = _json_attr(training)
        h5_weights.write_weights(h5file.create_group("model_weights"), model)
        if training is not None:
            optimizer_weights.write_optimizer_weights(h5file, model.optimizer)

    _write(filepath, fill)


def _open(filepath: Any, what: str) -> Any:
    """Opens and scans an HDF5 file; the caller closes it."""
    import h5py

    if isinstance(filepath, h5py.File):
        h5_safety.scan_h5(filepath)
        return filepath
    h5file = h5_safety.open_h5(filepath, what=what)
    try:
        h5_safety.scan_h5(h5file)
    except Exception:
        h5file.close()
        raise
    return h5file


def _close(h5file: Any, filepath: Any) -> None:
    if h5file is not filepath:
        h5file.close()


def load_weights(
    model: Any, filepath: Any, skip_mismatch: bool = False, by_name: bool = False
) -> None:
    """Loads a legacy weights file (or the weights of a legacy full-model file).

    Args:
        model: a built lamina model.
        filepath: a path, a binary file object or an open `h5py.File`.
        skip_mismatch: warn and skip layers whose weights do not fit, instead
            of raising (by position, the layer counts must still agree).
        by_name: match layers by name instead of by position.

    Raises:
        FileNotFoundError: if the path does not exist.
        ValueError: for a garbage or unsafe file, an unbuilt model, or weights
            that do not fit (without `skip_mismatch`).
    """
    h5file = _open(filepath, "weights file")
    try:
        group = h5_weights.weights_root(h5file)
        if by_name:
            h5_weights.load_weights_by_name(group, model, skip_mismatch=skip_mismatch)
        else:
            h5_weights.load_weights_topological(group, model, skip_mismatch=skip_mismatch)
    finally:
        _close(h5file, filepath)


def _json_from_attr(h5file: Any, name: str, filepath: Any) -> Any:
    text = load_text(h5file, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError(
            f"The `{name}` attribute of {filepath} is not valid JSON ({e}); the file is "
            "corrupted."
        ) from None


def load_model(
    filepath: Any,
    custom_objects: Optional[Dict[str, Any]] = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """Loads a legacy full-model file written by lamina, Keras 3 or tf.keras 2.x.

    Args:
        filepath: a path, a binary file object or an open `h5py.File`.
        custom_objects: name -> class or function for custom objects.
        compile: whether to compile the model from the file's training config
            and restore the optimizer's state.
        safe_mode: accepted for compatibility; lamina never runs code from a
            file (Lambda layers are always refused).

    Returns:
        The model (compiled if the file has a training config and `compile`).

    Raises:
        FileNotFoundError: if the path does not exist.
        ValueError: for a garbage or unsafe file, a file without a model
            config (a weights-only file), an unknown or code-carrying class,
            or weights that do not fit the model.
    """
    h5file = _open(filepath, "HDF5 model file")
    try:
        config = _json_from_attr(h5file, "model_config", filepath)
        if config is None:
            raise ValueError(
                f"No model config found in the file at {filepath}. It may hold only weights: "
                "build the model in code and use `model.load_weights()`."
            )
        objects = _compat.all_custom_objects(custom_objects)
        model = _compat.model_from_config(config, objects, safe_mode)
        if "model_weights" in h5file:
            weights = h5_safety.get_group(h5file, "model_weights")
            # A model saved before it was built has no weights to load.
            if getattr(model, "built", False) or h5_weights.has_saved_weights(weights):
                h5_weights.load_weights_topological(weights, model)
        if not compile:
            return model
        training = _json_from_attr(h5file, "training_config", filepath)
        if training is None:
            _log.warning(
                "No training configuration found in the save file, so the model was *not* "
                "compiled. Compile it manually."
            )
            return model
        model.compile(**legacy_config.compile_args(training, objects))
        optimizer_weights.read_optimizer_weights(h5file, model)
        return model
    finally:
        _close(h5file, filepath)
