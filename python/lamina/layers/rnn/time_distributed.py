"""TimeDistributed: applies a layer to every temporal slice of its input."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from lamina import _core
from lamina.layers.core.wrapper import OpCapture, Wrapper
from lamina.layers.layer import Layer, Shape


class TimeDistributed(Wrapper):
    """Applies `layer` to each step of a `(batch, timesteps, ...)` input.

    The wrapped layer sees `(batch * timesteps, ...)` at once, so its weights
    are shared across steps. A mask at the input is passed on unchanged.

    Args:
        layer: a `lamina.layers.Layer` instance of one native op.

    Raises:
        ValueError: `layer` is not a layer; an input of rank < 3; a layer
            whose output depends on the whole batch (BatchNormalization:
            Keras computes its statistics step by step).
    """

    supports_masking = True

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        if not self._trainable:
            self.trainable = False

    def _wrapped(self) -> List[Layer]:
        return [self.layer]

    def _child_input_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {tuple(input_shape)}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape: Shape) -> None:
        if type(self.layer).__name__ == "BatchNormalization":
            raise ValueError(
                f"Layer '{self.name}': TimeDistributed(BatchNormalization) is not supported by "
                "lamina (Keras normalises each timestep with its own batch statistics).")
        self.layer._build_and_infer(self._child_input_shape(input_shape))
        self._claim_weights()
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        child = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def _add_to_plan(self, plan: Any) -> None:
        capture = OpCapture.of(self, self.layer)
        plan.add(_core.ops.time_distributed(self.name, capture.op), capture.weights)

    def _saving_children(self) -> List[Tuple[str, Layer]]:
        return [("layer", self.layer)]

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any],
                    custom_objects: Optional[Dict[str, Any]] = None) -> TimeDistributed:
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
