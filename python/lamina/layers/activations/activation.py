"""Activation: applies an activation function element-wise (softmax and
log_softmax over the last axis)."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core, activations
from lamina.layers.layer import Layer


class Activation(Layer):
    """Applies `activation` to its input.

    Args:
        activation: an activation name, e.g. `"relu"` or `"softmax"`, or a
            `lamina.activations` function.

    Input shape:
        Arbitrary. Output shape: same as the input.
    """

    supports_masking = True

    _built_at_init = True  # as in Keras: no build_config in its config

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def _add_to_plan(self, plan: Any) -> None:
        activation, activation_params = activations.plan_spec(self.activation)
        plan.add(_core.ops.activation(self.name, activation, activation_params))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
