"""Bidirectional: a recurrent layer run forwards and backwards, merged."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from lamina import _core
from lamina.layers.core.wrapper import OpCapture, Wrapper
from lamina.layers.layer import Layer, Shape

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _renamed_copy(layer: Layer, prefix: str, **overrides: Any) -> Any:
    """A fresh layer of `layer`'s config named `<prefix>_<name>`, as Keras
    makes the two directions."""
    from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

    config = serialize_keras_object(layer)
    name = layer.name[len(prefix) + 1:] if layer.name.startswith(prefix + "_") else layer.name
    config["config"]["name"] = f"{prefix}_{name}"
    config["config"].update(overrides)
    return deserialize_keras_object(config)


class Bidirectional(Wrapper):
    """Runs `layer` over the sequence and a copy of it (or `backward_layer`)
    over the reversed sequence, and merges the two outputs.

    Args:
        layer: a recurrent layer (SimpleRNN, LSTM, GRU).
        merge_mode: "concat" (default), "sum", "mul" or "ave". None (two
            outputs) cannot feed the next layer of a Sequential model.
        weights: initial weights, forward layer's then backward layer's.
        backward_layer: the layer for the reversed sequence
            (`go_backwards=True`); by default a copy of `layer`.

    Raises:
        ValueError: a non-layer argument, an unknown merge mode, or forward
            and backward layers that disagree on go_backwards,
            return_sequences, return_state or stateful (Keras's checks).
    """

    supports_masking = True

    def __init__(self, layer: Any, merge_mode: Optional[str] = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` instance. "
                f"Received: {backward_layer}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward")
        self.backward_layer: Any
        if backward_layer is None:
            self.backward_layer = _renamed_copy(layer, "backward", go_backwards=True)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                # Keras: masked steps of a returned sequence are zeros here.
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = self.forward_layer.stateful
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        if not self._trainable:
            self.trainable = False

    def _verify_layer_config(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            f, b = getattr(forward, attr), getattr(backward, attr)
            if f != b:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attr}", got "{f}" for forward layer and "{b}" for backward '
                    "layer")

    def _wrapped(self) -> List[Layer]:
        return [self.forward_layer, self.backward_layer]

    def build(self, input_shape: Shape) -> None:
        if self.merge_mode is None:
            raise ValueError(
                f"Layer '{self.name}': Bidirectional(merge_mode=None) outputs two tensors, but a "
                "Sequential model passes one tensor from layer to layer. Use merge_mode "
                "'concat', 'sum', 'mul' or 'ave'.")
        if self.return_state:
            raise ValueError(
                f"Layer '{self.name}': a recurrent layer with return_state=True outputs several "
                "tensors, but a Sequential model passes one tensor from layer to layer.")
        self.forward_layer._build_and_infer(input_shape)
        self.backward_layer._build_and_infer(input_shape)
        self._claim_weights()
        super().build(input_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        forward = tuple(self.forward_layer.compute_output_shape(input_shape))
        if self.merge_mode != "concat":
            return forward
        backward = tuple(self.backward_layer.compute_output_shape(input_shape))
        last = None if forward[-1] is None or backward[-1] is None else forward[-1] + backward[-1]
        return forward[:-1] + (last,)

    def _mask_rule(self) -> str:
        # Keras: the mask follows the returned sequence; a last state has none.
        return "keep" if self.return_sequences else "drop"

    def _add_to_plan(self, plan: Any) -> None:
        forward = OpCapture.of(self, self.forward_layer)
        backward = OpCapture.of(self, self.backward_layer)
        op = _core.ops.bidirectional(self.name, forward.op, backward.op, self.merge_mode,
                                     bool(self.return_sequences))
        plan.add(op, forward.weights + backward.weights)

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def _saving_children(self) -> List[Tuple[str, Layer]]:
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialize_keras_object(self.forward_layer),
            "backward_layer": serialize_keras_object(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any],
                    custom_objects: Optional[Dict[str, Any]] = None) -> Bidirectional:
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_keras_object(
                backward, custom_objects=custom_objects)
        return cls(**config)
