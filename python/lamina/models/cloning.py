"""`keras.models.clone_model`: the same architecture with fresh weights."""

from __future__ import annotations

from typing import Any, Callable, Optional

from lamina.layers.input_layer import InputLayer, KerasTensor
from lamina.layers.layer import Layer
from lamina.models.sequential import Sequential


def _clone_layer(layer: Layer) -> Layer:
    """A new, unbuilt layer with `layer`'s config (so new weights)."""
    from lamina.saving import serialization_lib

    config = serialization_lib.serialize_keras_object(layer)
    config.pop("build_config", None)  # the clone is built by its model
    clone = serialization_lib.deserialize_layer(config)
    if not isinstance(clone, Layer):
        raise ValueError(f"Cloning layer '{layer.name}' gave {clone!r}, not a layer.")
    return clone


def clone_model(
    model: Any,
    input_tensors: Any = None,
    clone_function: Optional[Callable[[Layer], Layer]] = None,
    call_function: Any = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Sequential:
    """A copy of a Sequential model with newly initialized weights.

    The copy has the same config (layer names included) and, if the model was
    compiled, is compiled the same way with a new optimizer; no weights or
    optimizer state are shared or copied.

    Args:
        model: a `Sequential` model.
        input_tensors: optional `keras.Input(...)` (or a one-element list of
            it) to use as the copy's input instead of the model's own.
        clone_function: `fn(layer) -> layer` applied to each layer; defaults
            to rebuilding the layer from its config.
        call_function: Functional models only in Keras; must be None here.
        recursive: accepted for compatibility (a Sequential model of lamina
            holds no nested models).
        **kwargs: none are accepted.

    Returns:
        The new model.

    Raises:
        ValueError: for a model that is not Sequential, a bad
            `input_tensors` or `clone_function`, or unexpected arguments.
    """
    del recursive
    kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if not isinstance(model, Sequential):
        raise ValueError(
            "Expected `model` argument to be a `Sequential` model instance (lamina has no "
            f"Functional models). Received: model={model}"
        )
    if call_function is not None:
        raise ValueError("`call_function` applies to Functional models only; lamina models are "
                         "Sequential.")
    clone_function = clone_function or _clone_layer
    if not callable(clone_function):
        raise ValueError(
            "Expected `clone_function` argument to be a callable. "
            f"Received: clone_function={clone_function}"
        )
    new_layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(
                "Argument `input_tensors` must be a KerasTensor (from `keras.Input`). "
                f"Received invalid value: input_tensors={input_tensors}"
            )
        first: Any = input_tensors
    elif model._input_layer is not None:
        source = model._input_layer
        first = InputLayer(batch_shape=source.batch_shape, name=source.name)
    else:
        first = None
    layers = ([first] if first is not None else []) + new_layers
    clone = Sequential(layers, name=model.name, trainable=model.trainable)
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone
