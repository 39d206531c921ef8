"""Sequential: a linear stack of layers, trained by one native plan."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from lamina.backend.variable import Variable
from lamina.layers.input_layer import InputLayer, KerasTensor
from lamina.layers.layer import Layer, Shape, note_trainable_change, standardize_shape
from lamina.trainers.generator_methods import GeneratorMethods
from lamina.trainers.trainer import Trainer
from lamina.utils import naming


class Sequential(Trainer, GeneratorMethods):
    """A model that applies its layers one after the other.

    Args:
        layers: optional list of layers (or a `keras.Input(...)` first).
        trainable: whether the model's weights are trained.
        name: defaults to `sequential`, `sequential_1`, ...
    """

    def __init__(
        self, layers: Any = None, trainable: bool = True, name: Optional[str] = None
    ) -> None:
        self.name = name if name is not None else naming.auto_name("Sequential")
        self.trainable = trainable
        self._input_layer: Optional[InputLayer] = None
        self._layers: List[Layer] = []
        self.built = False
        self._init_trainer()
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_build()

    # -- structure ----------------------------------------------------------

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Appends a layer (or a `keras.Input`) to the stack.

        Raises:
            ValueError: if `layer` is not a layer, if its name is taken, or if
                an input is added after other layers.
        """
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._layers:
                raise ValueError(
                    f"Sequential model '{self.name}' already has an input or layers: an InputLayer "
                    "can only be the first layer."
                )
            self._input_layer = layer
            self._invalidate()
            return
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})"
            )
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name."
            )
        if self._input_layer is None and not self._layers and layer._input_shape_arg is not None:
            self._input_layer = InputLayer(
                shape=layer._input_shape_arg, batch_size=layer._batch_size_arg
            )
        self._layers.append(layer)
        self._invalidate()
        if rebuild:
            self._maybe_build()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer.

        Raises:
            TypeError: if the model has no layers.
        """
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._invalidate()
        if rebuild:
            self._maybe_build()
        return layer

    def _invalidate(self) -> None:
        self.built = False
        self._plan = None

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        note_trainable_change()

    @property
    def layers(self) -> List[Layer]:
        """The layers, without the input layer."""
        return list(self._layers)

    def _maybe_build(self) -> None:
        if self._input_layer is not None and self._layers:
            self.build(self._input_layer.batch_shape)

    def build(self, input_shape: Any = None) -> None:
        """Builds every layer for inputs of `input_shape` (batch dim included).

        Raises:
            ValueError: if no shape is given and the model has no input.
        """
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument.")
            input_shape = self._input_layer.batch_shape
        shape = standardize_shape(input_shape, "input_shape")
        if len(shape) < 2:
            raise ValueError(
                f"`input_shape` must include the batch dimension, e.g. (None, 20). "
                f"Received: input_shape={tuple(input_shape)}"
            )
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=shape)
        for layer in self._layers:
            shape = layer._build_and_infer(shape)
        self.built = True

    def _ensure_built(self, x_shape: Tuple[int, ...]) -> None:
        if not self.built:
            if self._input_layer is None:
                self.build((None,) + tuple(x_shape[1:]))
            else:
                self.build(self._input_layer.batch_shape)

    def _input_per_sample(self) -> Tuple[int, ...]:
        assert self._input_layer is not None
        return tuple(int(d) for d in self._input_layer.shape)  # type: ignore[arg-type]

    def _check_input(self, x: np.ndarray) -> None:
        """Raises ValueError naming the model and both shapes if `x` cannot be
        fed, or naming the id and its place in `x` if a first Embedding layer
        would receive an id outside its range."""
        self._check_input_shape(x)
        check_ids = getattr(self._layers[0], "_check_ids", None) if self._layers else None
        if check_ids is not None:
            check_ids(x, "`x`")

    def _check_input_shape(self, x: np.ndarray) -> None:
        if self._input_layer is None:
            if not self._layers:
                raise ValueError(f"Sequential model '{self.name}' has no layers.")
            return
        expected = self._input_layer.shape
        got = x.shape[1:]
        if got == expected:  # the common case, decided without the loops below
            return
        if len(got) != len(expected):
            hint = ""
            if tuple(x.shape) == tuple(expected):
                hint = (" This looks like a single sample without its batch dimension: "
                        "use x[None] (or np.expand_dims(x, 0)).")
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={len(expected) + 1}, found ndim={x.ndim}. Full shape received: "
                f"{tuple(x.shape)}.{hint}"
            )
        if any(e is not None and e != g for e, g in zip(expected, got)):
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"shape={(None,) + tuple(expected)}, found shape={(None,) + got}"
            )

    @property
    def input_shape(self) -> Shape:
        if self._input_layer is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape.")
        return self._input_layer.batch_shape

    @property
    def output_shape(self) -> Shape:
        if not self.built or not self._layers:
            raise AttributeError(f"Sequential model '{self.name}' has not been built yet.")
        return self._layers[-1].output_shape

    @property
    def inputs(self) -> List[KerasTensor]:
        return [] if self._input_layer is None else [self._input_layer.output]

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """A layer by name or by index into `layers`.

        When both are given, `index` takes precedence (as the tf.keras 2.x
        documentation says; Keras raises instead).

        Raises:
            ValueError: for an unknown name, an index out of range, or neither.
        """
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise ValueError(f"`index` must be an integer. Received: index={index!r}")
            if index >= len(self._layers) or index < -len(self._layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self._layers)} layers."
                )
            return self._layers[index]
        if name is not None:
            for layer in self._layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in self._layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # -- weights --------------------------------------------------------------

    @property
    def weights(self) -> List[Variable]:
        return [w for layer in self._layers for w in layer.weights]

    @property
    def variables(self) -> List[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return []
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return self.weights
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    @property
    def trainable_variables(self) -> List[Variable]:
        return self.trainable_weights

    def _native_weights(self) -> Tuple[List[Variable], List[bool]]:
        """Weights in the plan's order (per layer, creation order) and whether
        each is updated by training."""
        weights, flags = [], []
        for layer in self._layers:
            # A wrapper's sublayers may be frozen one by one (Bidirectional's
            # forward_layer): the layer's trainable_weights say which train.
            trainable = {id(w) for w in layer.trainable_weights} if self.trainable else set()
            for w in layer._plan_weights():
                weights.append(w)
                flags.append(id(w) in trainable)
        return weights, flags

    def get_weights(self) -> List[np.ndarray]:
        """Copies of every weight, layer by layer."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Copies `weights` into the model, checking their number and shapes.

        Raises:
            ValueError: if the count or any shape differs.
        """
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on model '{self.name}' with a weight list "
                f"of length {len(weights)}, but the model was expecting {len(own)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for var, value in zip(own, arrays):
            if tuple(value.shape) != var.shape:
                layer = var.path.split("/")[0]
                raise ValueError(
                    f"Layer {layer} weight shape {var.shape} is not compatible with provided "
                    f"weight shape {tuple(value.shape)}."
                )
        for var, value in zip(own, arrays):
            var.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                "You tried to call `count_params` on a model that isn't built. You can build "
                "it manually via: `model.build(input_shape)`."
            )
        return int(sum(layer.count_params() for layer in self._layers))

    def reset_states(self) -> None:
        """Zeros the carried state of every stateful recurrent layer
        (tf.keras 2.x's `Model.reset_states`; Keras 3 dropped it, scripts
        still call it)."""
        for layer in self._layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    # -- summary and config ---------------------------------------------------

    def summary(
        self,
        line_length: Optional[int] = None,
        positions: Optional[Sequence[float]] = None,
        print_fn: Optional[Callable[..., Any]] = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Prints the layers, their output shapes and parameter counts."""
        from lamina.utils.summary_utils import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def get_config(self) -> Dict[str, Any]:
        """Keras 3's Sequential config: name, trainable, dtype policy, every
        layer's full entry (the InputLayer first) and `build_input_shape`."""
        from lamina.saving import serialization_lib

        layers = []
        if self._input_layer is not None:
            layers.append(serialization_lib.serialize_keras_object(self._input_layer))
        layers.extend(serialization_lib.serialize_keras_object(layer) for layer in self._layers)
        config: Dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {"module": "keras", "class_name": "DTypePolicy",
                      "config": {"name": "float32"}, "registered_name": None},
            "layers": layers,
        }
        if self._input_layer is not None:
            config["build_input_shape"] = self._input_layer.batch_shape
        return config

    @classmethod
    def from_config(
        cls, config: Any, custom_objects: Optional[Dict[str, Any]] = None
    ) -> Sequential:
        """Rebuilds a model from `get_config()`'s output, Keras 3's, or
        tf.keras 2.x's (`batch_input_shape` on the first layer, no `module`
        keys, or the old bare list of layers).

        Raises:
            ValueError: for a malformed config, a layer lamina does not
                implement, or an entry that carries code (see
                `lamina.saving.serialization_lib`).
        """
        from lamina.saving import object_registration, serialization_lib

        if isinstance(config, list):  # Keras <= 2.1: the config is the layer list
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError(
                "A Sequential model configuration must be a dictionary containing the 'name' "
                f"and 'layers' keys. Received: config={config}"
            )
        serialization_lib.refuse_code(config)
        dtype = serialization_lib.deserialize_keras_object(config.get("dtype"))
        if dtype not in (None, "float32"):
            raise ValueError(f"lamina computes in float32 only. Received: dtype={dtype!r}")
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        scope = dict(object_registration._scope_dict(), **(custom_objects or {}))
        with object_registration.CustomObjectScope(scope):
            for index, entry in enumerate(config["layers"]):
                model._add_from_config(entry, index, custom_objects)
        build_input_shape = config.get("build_input_shape")
        if model._input_layer is None and isinstance(build_input_shape, (list, tuple)):
            model.build(tuple(build_input_shape))
        else:
            model._maybe_build()
        return model

    def _add_from_config(
        self, entry: Any, index: int, custom_objects: Optional[Dict[str, Any]]
    ) -> None:
        """Adds the layer of one `layers` entry; a tf.keras 2.x first layer's
        `batch_input_shape` becomes an InputLayer, as Keras 3 loads it."""
        from lamina.saving import serialization_lib

        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
            raise ValueError(
                f"Entry {index} of the Sequential config's 'layers' must be a dict with "
                f"'class_name' and 'config'. Received: {entry!r}"
            )
        inner = dict(entry["config"])
        if entry.get("class_name") != "InputLayer":
            batch_shape = inner.pop("batch_input_shape", None)
            batch_shape = inner.pop("batch_shape", batch_shape)
            if batch_shape is not None and self._input_layer is None and not self._layers:
                self.add(InputLayer(batch_shape=tuple(batch_shape)), rebuild=False)
        layer = serialization_lib.deserialize_layer(
            dict(entry, config=inner), custom_objects=custom_objects
        )
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Entry {index} of the Sequential config's 'layers' is not a layer: {layer!r}"
            )
        self.add(layer, rebuild=False)

    def get_build_config(self) -> Optional[Dict[str, Any]]:
        """`{"input_shape": ...}` once the model is built (Keras's build_config)."""
        if not self.built or self._input_layer is None:
            return None
        return {"input_shape": self._input_layer.batch_shape}

    def build_from_config(self, config: Dict[str, Any]) -> None:
        """Builds the model from `get_build_config()`'s output."""
        if config and config.get("input_shape") is not None:
            self.build(tuple(config["input_shape"]))

    # -- saving -----------------------------------------------------------------

    def save(
        self, filepath: Any, overwrite: bool = True, zipped: Any = None, **kwargs: Any
    ) -> None:
        """Saves the model: `.keras` (Keras 3's zip) or `.h5`/`.hdf5` (legacy HDF5)."""
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Saves the weights: `.weights.h5` (Keras 3) or `.h5`/`.hdf5` (legacy)."""
        from lamina.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(
        self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False, **kwargs: Any
    ) -> None:
        """Loads weights saved by lamina or Keras (`.weights.h5`, `.keras`, legacy `.h5`)."""
        from lamina.saving import saving_api

        saving_api.load_weights(
            self, filepath, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs
        )

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as Keras 3's JSON."""
        from lamina.saving import serialization_lib

        return serialization_lib.model_to_json(self, **kwargs)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, built={self.built}>"

