"""ReLU layer: Keras's relu with max_value, negative_slope and threshold."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit: `min(x, max_value)` for `x >= threshold`,
    `negative_slope * (x - threshold)` otherwise. Runs the same native
    activation kernel as `Activation("relu")`.

    Args:
        max_value: float >= 0 or None (no clip).
        negative_slope: float >= 0.
        threshold: float >= 0.

    Raises:
        ValueError: for a negative (or None) argument, as Keras does.
    """

    supports_masking = True

    _built_at_init = True

    def __init__(self, max_value: Optional[float] = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be None or a negative "
                             f"value. Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def _add_to_plan(self, plan: Any) -> None:
        params = {"negative_slope": float(self.negative_slope),
                  "threshold": float(self.threshold)}
        if self.max_value is not None:
            params["max_value"] = float(self.max_value)
        plan.add(_core.ops.activation(self.name, "relu", params))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
