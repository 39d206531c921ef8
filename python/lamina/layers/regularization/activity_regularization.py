"""ActivityRegularization: adds an L1/L2 penalty on its input to the loss."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core, regularizers
from lamina.layers.layer import Layer


class ActivityRegularization(Layer):
    """Passes its input through and adds `l1 * sum(|x|) + l2 * sum(x**2)`
    (divided by the batch size, as Keras 3 does) to the training loss.

    Args:
        l1: L1 regularization factor (positive float).
        l2: L2 regularization factor (positive float).

    Input shape:
        Arbitrary. Output shape: same as the input.
    """

    supports_masking = True

    _built_at_init = True  # as in Keras: no build_config in its config

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)  # from a config written by an older version
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2

    def _add_to_plan(self, plan: Any) -> None:
        # The engine puts the layer's activity regularizer on this op's output.
        plan.add(_core.ops.activity_regularization(self.name))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
