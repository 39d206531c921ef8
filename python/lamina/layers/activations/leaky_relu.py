"""LeakyReLU layer."""

from __future__ import annotations

import warnings
from typing import Any, Dict

from lamina import _core
from lamina.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit: `x` for `x > 0`, `negative_slope * x`
    otherwise. Runs the native leaky_relu activation kernel.

    Args:
        negative_slope: float >= 0 (default 0.3). tf.keras 2.x's `alpha=`
            is accepted with a deprecation warning, as in Keras 3.

    Raises:
        ValueError: for a negative or None slope.
    """

    supports_masking = True

    _built_at_init = True

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.activation(self.name, "leaky_relu",
                                      {"negative_slope": float(self.negative_slope)}))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
