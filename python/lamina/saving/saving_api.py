"""`keras.saving.save_model` / `load_model` / `save_weights` / `load_weights`:
the public entry points, dispatching on the file's extension.

- `.keras` -> Keras 3's zip (`keras_zip`); `zipped=False` -> the same as a folder.
- `.weights.h5` -> Keras 3's weights file (`weights_h5`).
- `.h5` / `.hdf5` -> tf.keras 2.x's legacy HDF5 (`legacy_h5`), for whole
  models and for weights (tf.keras 2.x semantics: Keras 3 refuses
  `save_weights("w.h5")`, lamina writes the legacy layout).
- anything else -> Keras 3's ValueError, word for word.

`overwrite=False` on an existing file asks on the terminal as Keras does; where
there is no terminal to answer (EOF on stdin) the file is kept.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

from lamina.saving import keras_zip, weights_h5

_LEGACY_EXTENSIONS = (".h5", ".hdf5")


def _path_str(filepath: Any) -> str:
    try:
        return os.fspath(filepath)
    except TypeError:
        return str(filepath)


def _is_path(filepath: Any) -> bool:
    return isinstance(filepath, (str, os.PathLike))


def _ask_to_proceed_with_overwrite(filepath: str) -> bool:
    """Keras's prompt; False (keep the file) when no answer can be read.

    Returns:
        Whether to overwrite.
    """
    try:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
        while answer not in ("y", "n"):
            answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    except EOFError:
        # Keras would crash here in a non-interactive run; keeping the
        # existing file is the safe reading of overwrite=False.
        logging.getLogger("lamina").warning(
            "%s already exists and overwrite=False: the file was kept.", filepath)
        return False
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def _may_write(filepath: Any, overwrite: bool) -> bool:
    if overwrite or not _is_path(filepath) or not os.path.exists(filepath):
        return True
    return _ask_to_proceed_with_overwrite(_path_str(filepath))


def save_model(model: Any, filepath: Any, overwrite: bool = True, zipped: Optional[bool] = None,
               **kwargs: Any) -> None:
    """Saves a model as a `.keras` zip (or a legacy `.h5` file).

    Args:
        model: the model.
        filepath: a path (`str` or `pathlib.Path`) ending in `.keras`, `.h5` or
            `.hdf5`; or a writable binary file object (`.keras` format).
        overwrite: whether to replace an existing file without asking.
        zipped: False writes the `.keras` members into a folder instead.
        **kwargs: `include_optimizer` (legacy `.h5` only, default True) and the
            deprecated `save_format` (`"keras"` or `"h5"`/`"hdf5"`).

    Raises:
        ValueError: for an unsupported extension or argument (Keras 3's texts).
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    path = _path_str(filepath)
    if save_format:
        if not path.endswith((".keras",) + _LEGACY_EXTENSIONS) and str(save_format).lower() \
                not in ("h5", "hdf5"):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Please remove this "
                "argument and pass a file path with either `.keras` or `.h5` extension."
                f"Received: save_format={save_format}"
            )
        logging.getLogger("lamina").warning(
            "The `save_format` argument is deprecated in Keras 3. We recommend removing this "
            "argument as it can be inferred from the file path. Received: save_format=%s",
            save_format)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    legacy = path.endswith(_LEGACY_EXTENSIONS) or str(save_format).lower() in ("h5", "hdf5")
    if legacy:
        logging.getLogger("lamina").warning(
            "You are saving your model as an HDF5 file via `model.save()` or "
            "`keras.saving.save_model(model)`. This file format is considered legacy. We "
            "recommend using instead the native Keras format, e.g. "
            "`model.save('my_model.keras')` or `keras.saving.save_model(model, "
            "'my_model.keras')`. ")
    if zipped is None:
        zipped = True
    if not _may_write(filepath, overwrite):
        return
    if not _is_path(filepath):
        keras_zip.save_model(model, filepath)  # a file object: always the zip format
        return
    if zipped and path.endswith(".keras"):
        keras_zip.save_model(model, filepath)
        return
    if not zipped:
        keras_zip.save_model_to_dir(model, filepath)
        return
    if legacy:
        from lamina.saving import legacy_h5

        legacy_h5.save_model(model, filepath, include_optimizer=include_optimizer)
        return
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
        "native Keras format (recommended) or a `.h5` extension. Use `model.export(filepath)` "
        "if you want to export a SavedModel for use with TFLite/TFServing/etc. Received: "
        f"filepath={path}."
    )


def _is_hdf5(path: str) -> bool:
    """tf.keras 2.x sniffed HDF5 content whatever the extension."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == b"\x89HDF\r\n\x1a\n"
    except OSError:
        return False


def load_model(filepath: Any, custom_objects: Optional[Dict[str, Any]] = None,
               compile: bool = True, safe_mode: bool = True) -> Any:
    """Loads a model saved by lamina or Keras (`.keras`, a `zipped=False`
    folder, or legacy `.h5`/`.hdf5`).

    Args:
        filepath: a path or a readable binary file object (`.keras` content).
        custom_objects: name -> class or function for custom objects.
        compile: whether to compile the loaded model and restore its
            optimizer state.
        safe_mode: accepted for compatibility: lamina never executes code
            from a file, whatever its value.

    Returns:
        The model.

    Raises:
        ValueError: for a missing, unsupported, garbage or unsafe file (Keras
            3's texts where Keras has one).
    """
    if not _is_path(filepath):
        return keras_zip.load_model(filepath, custom_objects, compile, safe_mode)
    path = _path_str(filepath)
    if path.endswith(".keras"):
        return keras_zip.load_model(path, custom_objects, compile, safe_mode)
    if keras_zip.is_model_dir(path):
        return keras_zip.load_model_from_dir(path, custom_objects, compile, safe_mode)
    if path.endswith(_LEGACY_EXTENSIONS) or (os.path.isfile(path) and _is_hdf5(path)):
        from lamina.saving import legacy_h5

        return legacy_h5.load_model(path, custom_objects=custom_objects, compile=compile,
                                    safe_mode=safe_mode)
    raise ValueError(
        f"File format not supported: filepath={path}. Keras 3 only supports V3 `.keras` files, "
        "legacy H5 format files (`.h5` extension). Note that the legacy SavedModel format is "
        "not supported by `load_model()` in Keras 3. In order to reload a TensorFlow "
        "SavedModel as an inference-only layer in Keras 3, use `keras.layers.TFSMLayer("
        f"{path}, call_endpoint='serving_default')` (note that your `call_endpoint` might have "
        "a different name)."
    )


def save_weights(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """Saves the weights (and optimizer state) to `.weights.h5`, or to a
    legacy `.h5`/`.hdf5` file.

    Args:
        model: the model.
        filepath: a path ending in `.weights.h5`, `.h5` or `.hdf5`.
        overwrite: whether to replace an existing file without asking.
        **kwargs: `max_shard_size` is not supported; tf.keras 2.x's
            `save_format="h5"` and `options=None` are accepted.

    Raises:
        ValueError: for another extension (Keras 3's text) or argument.
    """
    path = _path_str(filepath)
    if kwargs.pop("max_shard_size", None) is not None:
        raise ValueError("`max_shard_size` (sharded `.weights.json` files) is not supported by "
                         "lamina yet.")
    save_format = kwargs.pop("save_format", None)
    kwargs.pop("options", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    legacy = not path.endswith(".weights.h5") and (
        path.endswith(_LEGACY_EXTENSIONS) or str(save_format).lower() in ("h5", "hdf5"))
    if not path.endswith(".weights.h5") and not legacy:
        raise ValueError(
            f"The filename must end in `.weights.h5`. Received: filepath={path}"
        )
    if not _may_write(filepath, overwrite):
        return
    if legacy:
        from lamina.saving import legacy_h5

        legacy_h5.save_weights(model, filepath)
        return
    weights_h5.save_weights(model, filepath)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False,
                 by_name: bool = False, **kwargs: Any) -> None:
    """Loads weights from `.weights.h5`, `.keras` or legacy `.h5`/`.hdf5`.

    Args:
        model: a built model.
        filepath: the file.
        skip_mismatch: warn about (instead of refusing) weights that do not fit.
        by_name: legacy `.h5` only: match layers by name instead of order.
        **kwargs: tf.keras 2.x's `options=None` is accepted.

    Raises:
        ValueError: for an unsupported extension or argument, a missing,
            garbage or unsafe file, or weights that do not fit.
    """
    kwargs.pop("options", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = _path_str(filepath)
    if path.endswith(".keras"):
        if by_name:
            raise ValueError(
                f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: "
                f"{path}"
            )
        keras_zip.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif path.endswith(".weights.h5"):
        if by_name:
            raise ValueError(
                f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: "
                f"{path}"
            )
        weights_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif path.endswith(_LEGACY_EXTENSIONS):
        from lamina.saving import legacy_h5

        legacy_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)
    else:
        raise ValueError(
            f"File format not supported: filepath={path}. Keras 3 only supports V3 `.keras` "
            "files, `.weights.h5` files, legacy H5 format files (`.h5` extension), or Orbax "
            "checkpoints."
        )
