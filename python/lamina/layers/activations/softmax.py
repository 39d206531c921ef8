"""Softmax layer."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core
from lamina.layers.layer import Layer, Shape


class Softmax(Layer):
    """Softmax over the last axis. Runs the native softmax kernel (and, as
    the model's last layer, lets a crossentropy loss read its logits).

    Args:
        axis: int, the axis to normalise; only the last axis (-1, or its
            positive index) is supported by lamina.

    Raises:
        ValueError: when built, if `axis` is not the last axis.
    """

    _built_at_init = True

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rank = len(input_shape)
        if self.axis not in (-1, rank - 1, [-1], (-1,)) or rank < 2:
            raise ValueError(
                f"Softmax layer '{self.name}': lamina supports the softmax over the last axis "
                f"only. Received: axis={self.axis} for input_shape={tuple(input_shape)}; "
                "use Permute to move the axis last.")
        return tuple(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.activation(self.name, "softmax", {}))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
