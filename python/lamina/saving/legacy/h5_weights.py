"""Layer weights in tf.keras 2.x's HDF5 layout, written and read.

Layout of a weights group (the file root for `save_weights("w.h5")`, the
`model_weights` group of a full-model file)::

    attrs: layer_names (every layer, weightless ones too, in model order),
           backend, keras_version
    <layer name>/                      attr weight_names, e.g. [dense/kernel:0, ...]
    <layer name>/<weight name>         one dataset per weight ("/" nests groups)
    top_level_model_weights/           the model's own weights (none in a Sequential)

A layer's weights are listed trainable first, then non-trainable
(tf.keras's `_legacy_weights`). Weight names are only labels: readers find
each dataset through `weight_names` and match a layer's weights by position,
so `:0` suffixes (tf.keras) or their absence (Keras 3) make no difference.

Loading checks everything (counts, then every shape against the model's)
before reading any array and assigns nothing until all of it fits, so a
failed load leaves the model as it was -- Keras assigns layer by layer and
can leave a model half loaded.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina.saving import h5_safety
from lamina.saving.legacy.h5_attributes import has_name_list, load_name_list, save_name_list

# The tf.keras release whose layout lamina writes. Readers only use this
# attribute to spot Keras 1 files (which need kernel conversions).
LEGACY_KERAS_VERSION = "2.15.0"
BACKEND = "tensorflow"
TOP_LEVEL_GROUP = "top_level_model_weights"

# (the model's variables, the arrays to put in them) for one layer.
_Assignment = Tuple[List[Any], List[np.ndarray]]


def legacy_weights(layer: Any) -> List[Any]:
    """A layer's weights in the saved order: trainable, then non-trainable."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


# -- writing ----------------------------------------------------------------------------


def _check_group_name(name: str) -> None:
    """HDF5 reads "/" as a path separator and "." as the group itself."""
    if not name or "/" in name or name == ".":
        raise ValueError(
            f"Cannot save layer '{name}' to a legacy HDF5 file: a layer name must be "
            "non-empty and contain no '/'. Rename the layer."
        )


def _write_subset(group: Any, weights: List[Any]) -> None:
    names = [f"{w.path}:0" for w in weights]
    if len(set(names)) != len(names):
        raise ValueError(
            f"Cannot save weights of '{group.name}' to HDF5: two weights share a name in "
            f"{names}."
        )
    save_name_list(group, "weight_names", names)
    for name, weight in zip(names, weights):
        value = np.asarray(weight.numpy())
        group.create_dataset(name, data=value)


def write_weights(group: Any, model: Any) -> None:
    """Writes `model`'s layer weights into `group` in tf.keras 2.x's layout.

    Args:
        group: an open, writable `h5py.Group` (or `h5py.File`).
        model: a built lamina model.

    Raises:
        ValueError: if a layer's name cannot be an HDF5 group name.
    """
    layers = list(model.layers)
    for layer in layers:
        _check_group_name(layer.name)
    save_name_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = LEGACY_KERAS_VERSION.encode("utf8")
    # Groups in name order, as tf.keras creates them; `layer_names` keeps model order.
    for layer in sorted(layers, key=lambda item: item.name):
        _write_subset(group.create_group(layer.name), legacy_weights(layer))
    _write_subset(group.create_group(TOP_LEVEL_GROUP), [])


# -- reading ----------------------------------------------------------------------------


def weights_root(h5file: Any) -> Any:
    """The group holding layer weights: the root of a weights file, or
    `model_weights` of a full-model file (as Keras's `load_weights` picks).

    Raises:
        ValueError: if the file has neither.
    """
    if has_name_list(h5file, "layer_names"):
        return h5file
    if "model_weights" in h5file:
        return h5_safety.get_group(h5file, "model_weights")
    if "layers" in h5file or "_layer_checkpoint_dependencies" in h5file:
        raise ValueError(
            "This HDF5 file uses Keras 3's weights layout (`layers/...`), not the legacy "
            "one: save or name it `*.weights.h5` to load it with `load_weights`."
        )
    raise ValueError(
        "This HDF5 file holds no Keras weights: it has neither a `layer_names` attribute "
        "nor a `model_weights` group."
    )


def _saved_layers(group: Any) -> List[Tuple[str, Any, List[str]]]:
    """(layer name, its group, its weight names) for every saved layer."""
    out = []
    for name in load_name_list(group, "layer_names"):
        try:
            layer_group = h5_safety.get_group(group, name)
        except KeyError:
            raise ValueError(
                f"Invalid HDF5 weights: the file lists layer '{name}' but has no group "
                "for it."
            ) from None
        out.append((name, layer_group, load_name_list(layer_group, "weight_names")))
    return out


def _dataset(group: Any, weight_name: str) -> Any:
    """The dataset for `weight_name`, tolerating a missing or extra `:0`."""
    candidates = [weight_name]
    candidates.append(weight_name[:-2] if weight_name.endswith(":0") else weight_name + ":0")
    for candidate in candidates:
        try:
            return h5_safety.get_dataset(group, candidate)
        except KeyError:
            continue
    raise ValueError(
        f"Invalid HDF5 weights: '{group.name}' lists weight '{weight_name}' but holds no "
        "dataset of that name."
    )


def _shape_mismatch(
    variables: List[Any], group: Any, weight_names: List[str]
) -> Optional[str]:
    """Describes the first weight whose saved shape differs, or None."""
    for var, weight_name in zip(variables, weight_names):
        saved = tuple(_dataset(group, weight_name).shape)
        if saved != tuple(var.shape):
            return (
                f"weight {var.path}. Weight expects shape {tuple(var.shape)}. Received "
                f"saved weight with shape {saved}"
            )
    return None


def _read_values(group: Any, weight_names: List[str]) -> List[np.ndarray]:
    return [h5_safety.read_array(group, _relative(group, _dataset(group, name)))
            for name in weight_names]


def _relative(group: Any, dataset: Any) -> str:
    """The path of `dataset` relative to `group`."""
    return str(dataset.name)[len(str(group.name).rstrip("/")) + 1:]


def _plan_layer(
    layer_label: str,
    variables: List[Any],
    group: Any,
    weight_names: List[str],
    skip_mismatch: bool,
    skip_count_mismatch: bool = True,
) -> Optional[_Assignment]:
    """Checks one layer's saved weights against its variables.

    Args:
        skip_mismatch: warn and skip the layer if its shapes differ.
        skip_count_mismatch: with `skip_mismatch`, also skip (rather than
            raise) if the number of weights differs.

    Returns:
        The assignment to make, or None if it is skipped.

    Raises:
        ValueError: for a count or shape mismatch that is not skipped.
    """
    if len(weight_names) != len(variables):
        message = (
            f"Weight count mismatch for {layer_label}. Layer expects {len(variables)} "
            f"weight(s). Received {len(weight_names)} saved weight(s)"
        )
        if skip_mismatch and skip_count_mismatch:
            warnings.warn(f"Skipping loading of weights for {layer_label} due to mismatch "
                          f"in number of weights. {message}", stacklevel=4)
            return None
        raise ValueError(message)
    mismatch = _shape_mismatch(variables, group, weight_names)
    if mismatch is not None:
        if skip_mismatch:
            # tf.keras 2.x skips the whole layer: never half a layer.
            warnings.warn(f"Skipping loading weights for {layer_label} due to mismatch in "
                          f"shape for {mismatch}", stacklevel=4)
            return None
        raise ValueError(f"Shape mismatch in {layer_label} for {mismatch}")
    return variables, _read_values(group, weight_names)


def _plan_top_level(group: Any, model: Any, skip_mismatch: bool) -> Optional[_Assignment]:
    if TOP_LEVEL_GROUP not in group:
        return None
    top = h5_safety.get_group(group, TOP_LEVEL_GROUP)
    names = load_name_list(top, "weight_names")
    # A Sequential owns no weights of its own; only its layers do.
    return _plan_layer("the top-level model", [], top, names, skip_mismatch) if names else None


def has_saved_weights(group: Any) -> bool:
    """Whether any saved layer (or the top-level model) has weights."""
    if any(names for _, _, names in _saved_layers(group)):
        return True
    if TOP_LEVEL_GROUP in group:
        return bool(load_name_list(h5_safety.get_group(group, TOP_LEVEL_GROUP), "weight_names"))
    return False


def _assign(plan: List[_Assignment]) -> None:
    for variables, values in plan:
        for var, value in zip(variables, values):
            var.assign(value)


def _require_built(model: Any) -> None:
    if not getattr(model, "built", False):
        raise ValueError(
            f"Cannot load weights into model '{model.name}': it has not been built yet, so "
            "its layers have no weights. Build it first (`model.build(input_shape)`, or "
            "start it with `keras.Input(shape)`)."
        )


def load_weights_topological(group: Any, model: Any, skip_mismatch: bool = False) -> None:
    """Loads layer weights by position: the model's layers that have weights,
    in order, against the saved layers that have weights, in order.

    Args:
        group: the weights group (see `weights_root`), already safety-scanned.
        model: a built lamina model.
        skip_mismatch: warn and skip a layer whose weight shapes differ,
            instead of raising. Layer and weight counts must still agree.

    Raises:
        ValueError: if the model is not built, the layer or weight counts
            differ, or a shape differs (without `skip_mismatch`).
    """
    _require_built(model)
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    saved = [entry for entry in _saved_layers(group) if entry[2]]
    if len(saved) != len(layers):
        raise ValueError(
            "Layer count mismatch when loading weights from file. Model expected "
            f"{len(layers)} layers, found {len(saved)} saved layers."
        )
    plan: List[_Assignment] = []
    for k, (layer, (name, layer_group, weight_names)) in enumerate(zip(layers, saved)):
        label = f"layer #{k} (named {layer.name} in the current model, {name} in the save file)"
        # By position, counts must agree even with skip_mismatch (as in Keras).
        step = _plan_layer(label, legacy_weights(layer), layer_group, weight_names,
                           skip_mismatch, skip_count_mismatch=False)
        if step is not None:
            plan.append(step)
    top = _plan_top_level(group, model, skip_mismatch)
    if top is not None:
        plan.append(top)
    _assign(plan)


def load_weights_by_name(group: Any, model: Any, skip_mismatch: bool = False) -> None:
    """Loads weights into the layers whose names match saved layers; other
    layers (in the model or in the file) are left alone.

    Args:
        group: the weights group (see `weights_root`), already safety-scanned.
        model: a built lamina model.
        skip_mismatch: warn and skip a layer whose weight count or shapes
            differ, instead of raising.

    Raises:
        ValueError: if the model is not built, or a matched layer's weight
            count or shapes differ (without `skip_mismatch`).
    """
    _require_built(model)
    index: Dict[str, Any] = {layer.name: layer for layer in model.layers}
    plan: List[_Assignment] = []
    for k, (name, layer_group, weight_names) in enumerate(_saved_layers(group)):
        layer = index.get(name)
        if layer is None:
            continue
        step = _plan_layer(f"layer #{k} (named {layer.name})", legacy_weights(layer),
                           layer_group, weight_names, skip_mismatch)
        if step is not None:
            plan.append(step)
    top = _plan_top_level(group, model, skip_mismatch)
    if top is not None:
        plan.append(top)
    _assign(plan)
