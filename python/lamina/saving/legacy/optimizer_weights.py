"""The `optimizer_weights` group of a legacy full-model file.

Written as Keras 3 writes it: attr `weight_names` and one dataset per
optimizer variable, in `optimizer.variables` order (iteration, learning
rate, then the slots interleaved per weight), which is the order Keras 3's
`optimizer.set_weights` expects. tf.keras 2.x lists the same slots in the
same order but without a learning-rate entry; lamina reads that form too.

Foreign optimizer state whose count or shapes do not line up is skipped
with a warning and the optimizer starts fresh, as Keras does: the model's
weights are what matters, and a guessed mapping would resume wrongly.
"""

from __future__ import annotations

import warnings
from typing import Any, List

import numpy as np

from lamina.saving import h5_safety
from lamina.saving.legacy.h5_attributes import load_name_list, save_name_list

GROUP = "optimizer_weights"


def write_optimizer_weights(h5file: Any, optimizer: Any) -> None:
    """Writes `optimizer`'s state into `optimizer_weights` (nothing if the
    optimizer has not been built by a training step yet).

    Args:
        h5file: the open, writable `h5py.File`.
        optimizer: a lamina optimizer.
    """
    if optimizer is None or not optimizer.built:
        return
    variables = list(optimizer.variables)
    names = [f"{v.path}:0" for v in variables]
    group = h5file.create_group(GROUP)
    save_name_list(group, "weight_names", names)
    for name, var in zip(names, variables):
        group.create_dataset(name, data=np.asarray(var.numpy()))


def _is_learning_rate(name: str) -> bool:
    base = name[:-2] if name.endswith(":0") else name
    return base.rsplit("/", 1)[-1] in ("learning_rate", "lr")


def _skip(optimizer: Any, reason: str) -> None:
    warnings.warn(
        f"Error in loading the saved optimizer state ({reason}). As a result, optimizer "
        f"'{optimizer.name}' starts from a freshly initialized state.",
        stacklevel=4,
    )


def read_optimizer_weights(h5file: Any, model: Any) -> None:
    """Restores the compiled model's optimizer state from `optimizer_weights`.

    Args:
        h5file: the open, safety-scanned `h5py.File`.
        model: a built model compiled with its optimizer.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or GROUP not in h5file:
        return
    group = h5_safety.get_group(h5file, GROUP)
    names = load_name_list(group, "weight_names")
    if not names:
        return
    if not optimizer.built:
        optimizer.build(model.trainable_weights)
    variables: List[Any] = list(optimizer.variables)
    has_rate = any(v.name == "learning_rate" for v in variables)
    if has_rate and not any(_is_learning_rate(n) for n in names):
        # tf.keras 2.x keeps no learning-rate variable: the config has it.
        variables = [v for v in variables if v.name != "learning_rate"]
    if len(variables) != len(names):
        _skip(optimizer, f"the file has {len(names)} optimizer variables, the optimizer "
                         f"has {len(variables)}")
        return
    datasets = []
    for var, name in zip(variables, names):
        try:
            dataset = h5_safety.get_dataset(group, name)
        except KeyError:
            _skip(optimizer, f"'{name}' is listed but missing")
            return
        if tuple(dataset.shape) != tuple(var.shape):
            _skip(optimizer, f"'{name}' has shape {tuple(dataset.shape)}, the optimizer's "
                             f"{var.name} has {tuple(var.shape)}")
            return
        datasets.append(dataset)
    values = [h5_safety.read_array(group, str(d.name)[len(group.name) + 1:]) for d in datasets]
    for var, value in zip(variables, values):
        if var.name == "learning_rate":
            # `variables` shows the rate as a copy: set the optimizer's own.
            optimizer.learning_rate = float(value)
        else:
            var.assign(value)
