"""Keras 3's weights layout in HDF5: `model.weights.h5` inside a `.keras`
zip, and standalone `.weights.h5` files (the two are identical).

Layout (Keras's `saving_lib._save_state`, checked against files Keras 3.15
writes)::

    /vars                               the model's own variables (none), attr name
    /layers/<snake_class>[_N]/vars/<i>  each layer's variables, trainable first
    /optimizer/vars/<i>                 iteration, learning_rate, then the slots

A layer's group is named after its class in snake case, made unique per
container (`dense`, `dense_1`), never after `layer.name`, so two models of
the same architecture exchange weights whatever their layers are called.
Every `vars` group carries the object's `.name` as attribute `name` and is
written even when empty, as recent Keras does; readers accept files without
them (older Keras only wrote non-empty groups) and TF 2.13's
`_layer_checkpoint_dependencies` instead of `layers`.

Loading checks a whole layer (count and shapes) before assigning any of its
weights, collects the failures as Keras does, and raises one ValueError
listing them (or warns, with `skip_mismatch`).
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina.saving import h5_safety
from lamina.utils.naming import to_snake_case

_LEGACY_LAYERS_KEY = "_layer_checkpoint_dependencies"  # TF 2.13's name for `layers`


# -- what is saved ---------------------------------------------------------------------


def layer_variables(layer: Any) -> List[Any]:
    """A layer's variables in Keras's saved order: trainable ones, then the
    others, each in creation order (independent of `layer.trainable`)."""
    own = list(getattr(layer, "_weights", layer.weights))
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _layer_children(layer: Any) -> List[Tuple[str, Any]]:
    """Nested saveables of a layer, `(attribute, layer or list)` in Keras's
    walking order; a layer that wraps others declares `_saving_children()`.
    A layer is saved at `<path>/<attribute>` (TimeDistributed's `layer`), a
    list as a container of class-named entries."""
    hook = getattr(layer, "_saving_children", None)
    return list(hook()) if callable(hook) else []


def _unique_names(objects: List[Any]) -> List[str]:
    """Per-container names: snake-case class names, repeats suffixed `_1`, `_2`."""
    used: Dict[str, int] = {}
    names = []
    for obj in objects:
        base = to_snake_case(type(obj).__name__)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names


# -- writing ----------------------------------------------------------------------------


def _write_vars(h5: Any, path: str, name: Optional[str], values: Dict[str, Any]) -> None:
    group = h5.create_group(f"{path}/vars" if path else "vars")
    if name is not None:
        group.attrs["name"] = name
    for key, value in values.items():
        group.create_dataset(key, data=np.asarray(value))


def _numbered(values: List[Any]) -> Dict[str, Any]:
    return {str(i): value for i, value in enumerate(values)}


def _write_layer(h5: Any, path: str, layer: Any) -> None:
    custom = getattr(layer, "save_own_variables", None)
    if callable(custom):
        # A layer with a state of its own (Keras's hook): it fills the store.
        store: Dict[str, Any] = {}
        custom(store)
    else:
        store = _numbered([v.numpy() for v in layer_variables(layer)])
    _write_vars(h5, path, layer.name, store)
    for attr, child in _layer_children(layer):
        if isinstance(child, list):
            _write_container(h5, f"{path}/{attr}", child)
        else:
            _write_layer(h5, f"{path}/{attr}", child)


def _write_container(h5: Any, path: str, layers: List[Any]) -> None:
    if not layers:
        return
    for name, layer in zip(_unique_names(layers), layers):
        _write_layer(h5, f"{path}/{name}", layer)


def write_state(model: Any, h5: Any) -> None:
    """Writes the model's weights (and its optimizer's state, when compiled)
    into an HDF5 file opened for writing.

    Args:
        model: a lamina model.
        h5: an `h5py.File` in write mode.
    """
    _write_vars(h5, "", model.name, {})
    _write_container(h5, "layers", list(model.layers))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        values = [np.asarray(v.numpy()) for v in optimizer.variables]
        _write_vars(h5, "optimizer", optimizer.name, _numbered(values))


def state_to_bytes(model: Any) -> bytes:
    """The model's `model.weights.h5`, in memory."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_state(model, h5)
    return buffer.getvalue()


# -- reading ----------------------------------------------------------------------------


class _Store:
    """The variables of one saved object: `<path>/vars/<i>`, empty if absent."""

    def __init__(self, h5: Any, path: str) -> None:
        self.path = path or "/"
        self.group: Any = None
        for candidate in _candidate_paths(h5, path):
            if _has(h5, candidate):
                group = h5_safety.get_group(h5, candidate) if candidate else h5
                if "vars" in group:
                    self.group = h5_safety.get_group(group, "vars")
                    break

    def __len__(self) -> int:
        return len(self.keys())

    def keys(self) -> List[str]:
        return [] if self.group is None else list(self.group.keys())

    def __contains__(self, key: Any) -> bool:
        return str(key) in self.keys()

    def __getitem__(self, key: Any) -> np.ndarray:
        """The variable stored as `key` (an index or Keras's string key)."""
        if self.group is None or str(key) not in self.group:
            raise ValueError(f"The weights file has no variable {key} under '{self.path}'.")
        return h5_safety.read_array(self.group, str(key))


def _candidate_paths(h5: Any, path: str) -> List[str]:
    paths = [path]
    if path.startswith("layers") and _LEGACY_LAYERS_KEY in h5:
        paths.append(_LEGACY_LAYERS_KEY + path[len("layers"):])
    return paths


def _has(h5: Any, path: str) -> bool:
    return not path or path in h5


class _Failures:
    """Objects that could not be loaded, reported together as Keras does."""

    def __init__(self) -> None:
        self.items: List[Tuple[str, Exception]] = []

    def report(self, warn_only: bool) -> None:
        if not self.items:
            return
        first, error = self.items[0]
        message = (
            f"A total of {len(self.items)} objects could not be loaded. Example error message "
            f"for object {first}:\n\n{error}\n\nList of objects that could not be loaded:\n"
            f"{[name for name, _ in self.items]}"
        )
        if warn_only:
            warnings.warn(message, stacklevel=4)
        else:
            raise ValueError(message)


def _assign_all(owner: str, variables: List[Any], store: _Store) -> None:
    """Checks the count and every shape, then assigns (all or nothing)."""
    if len(store) != len(variables):
        raise ValueError(
            f"Layer '{owner}' expected {len(variables)} variables, but received "
            f"{len(store)} variables during loading. Expected: {[v.name for v in variables]}"
        )
    values = [store[i] for i in range(len(variables))]
    for var, value in zip(variables, values):
        if tuple(value.shape) != tuple(var.shape):
            raise ValueError(
                f"The shape of the saved variable '{var.name}' of layer '{owner}' is "
                f"{tuple(value.shape)}, but the layer's variable has shape {tuple(var.shape)}."
            )
    for var, value in zip(variables, values):
        var.assign(value)


def _read_layer(h5: Any, path: str, layer: Any, failures: _Failures) -> None:
    try:
        custom = getattr(layer, "load_own_variables", None)
        store = _Store(h5, path)
        if callable(custom):
            custom(store)
        else:
            _assign_all(layer.name, layer_variables(layer), store)
    except (ValueError, KeyError) as e:
        failures.items.append((f"<{type(layer).__name__} name={layer.name}>", e))
    for attr, child in _layer_children(layer):
        if isinstance(child, list):
            _read_container(h5, f"{path}/{attr}", child, failures)
        else:
            _read_layer(h5, f"{path}/{attr}", child, failures)


def _read_container(h5: Any, path: str, layers: List[Any], failures: _Failures) -> None:
    for name, layer in zip(_unique_names(layers), layers):
        _read_layer(h5, f"{path}/{name}", layer, failures)


def _read_optimizer(h5: Any, model: Any) -> None:
    """Restores the optimizer's iteration count, learning rate and slots.

    The optimizer is built first when the file has its slots and the model
    is built (Keras builds it on `compile_from_config`; lamina also does it
    on `load_weights`, so a compiled model resumes training exactly). A count
    mismatch skips the state with Keras's warning.
    """
    optimizer = model.optimizer
    store = _Store(h5, "optimizer")
    if len(store) == 0:
        return
    if not optimizer.built and getattr(model, "built", False) and len(store) > len(
            optimizer.variables):
        optimizer.build(model.trainable_weights)
    variables = list(optimizer.variables)
    if len(store) != len(variables):
        message = (
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(variables)} variables whereas the saved optimizer has {len(store)} "
            "variables. "
        )
        if not optimizer.built:
            message += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(message, stacklevel=3)
        return
    values = [store[i] for i in range(len(variables))]
    for var, value in zip(variables, values):
        if tuple(value.shape) != tuple(var.shape):
            raise ValueError(
                f"The saved state of optimizer '{optimizer.name}' does not fit this model: "
                f"variable {var.name} has shape {tuple(var.shape)}, the file has "
                f"{tuple(value.shape)}."
            )
    for var, value in zip(variables, values):
        if var.name == "learning_rate":
            # `variables` shows the rate as a fresh Variable: set the optimizer's own.
            optimizer.learning_rate = float(value)
        else:
            var.assign(value)


def read_state(model: Any, h5: Any, skip_mismatch: bool = False) -> None:
    """Loads weights (and optimizer state, if the model is compiled) from an
    open, already scanned HDF5 file in Keras 3's layout.

    Args:
        model: a built lamina model.
        h5: an `h5py.File` checked with `h5_safety.scan_h5`.
        skip_mismatch: warn about objects that do not fit instead of raising.

    Raises:
        ValueError: listing every object that could not be loaded (unless
            `skip_mismatch`).
    """
    failures = _Failures()
    _read_container(h5, "layers", list(model.layers), failures)
    if getattr(model, "optimizer", None) is not None:
        try:
            _read_optimizer(h5, model)
        except (ValueError, KeyError) as e:
            failures.items.append((f"<optimizer name={model.optimizer.name}>", e))
    failures.report(warn_only=skip_mismatch)


def read_state_from(source: Any, model: Any, skip_mismatch: bool = False,
                    what: str = "weights file") -> None:
    """Opens `source` (a path or file object), scans it, and loads it.

    Raises:
        FileNotFoundError: for a missing path.
        ValueError: for garbage, unsafe content, or weights that do not fit.
    """
    h5 = h5_safety.open_h5(source, what=what)
    try:
        try:
            h5_safety.scan_h5(h5)
        except (OSError, RuntimeError) as e:
            # h5py reports a damaged object table while walking it.
            raise ValueError(
                f"The {what} could not be read; it is probably truncated or corrupted. "
                f"(h5py: {e})"
            ) from e
        read_state(model, h5, skip_mismatch=skip_mismatch)
    finally:
        h5.close()


# -- `.weights.h5` files ----------------------------------------------------------------


def _require_built(model: Any, action: str) -> None:
    if not getattr(model, "built", False):
        raise ValueError(
            f"You are {action} a model that has not yet been built. Try building the model "
            "first by calling it on some data or by using `build()`."
        )


def save_weights(model: Any, filepath: Any) -> None:
    """Writes `model`'s weights and optimizer state to a `.weights.h5` file,
    atomically.

    Raises:
        ValueError: if the model is not built.
    """
    from lamina.saving import file_io

    _require_built(model, "saving")
    data = state_to_bytes(model)
    with file_io.atomic_write(os.fspath(filepath)) as f:
        f.write(data)


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Loads a `.weights.h5` file written by lamina or Keras 3.

    Raises:
        ValueError: if the model is not built, the file is not a safe HDF5
            file, or the weights do not fit (unless `skip_mismatch`).
        FileNotFoundError: if the file does not exist.
    """
    _require_built(model, "loading weights into")
    read_state_from(filepath, model, skip_mismatch=skip_mismatch)
