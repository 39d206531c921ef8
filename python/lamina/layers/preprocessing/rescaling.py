"""Rescaling: `x * scale + offset` inside a model."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from lamina import _core
from lamina.layers.layer import Layer, Shape


def _coefficients(value: Any, name: str, layer: str, last: int) -> List[float]:
    """A scalar, or one value per entry of the last axis (any leading 1s)."""
    arr = np.asarray(value, dtype=np.float32)
    if arr.size == 1:
        return [float(arr.reshape(-1)[0])]
    if arr.shape[-1] == last and arr.size == last:
        return [float(v) for v in arr.reshape(-1)]
    raise ValueError(
        f"Rescaling layer '{layer}': `{name}` must be a scalar or hold one value per entry of "
        f"the last axis ({last}). Received: {name} of shape {arr.shape}")


class Rescaling(Layer):
    """Multiplies its input by `scale` and adds `offset`, e.g.
    `Rescaling(1 / 255)` for pixels in [0, 1].

    Args:
        scale: float, or one value per channel (last axis).
        offset: float, or one value per channel (default 0.0).

    Raises:
        ValueError: when built, if `scale`/`offset` do not broadcast over the
            last axis.
    """

    supports_masking = True

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        last = int(input_shape[-1] or 0) if len(input_shape) > 1 else 1
        _coefficients(self.scale, "scale", self.name, last)
        _coefficients(self.offset, "offset", self.name, last)
        return tuple(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        shape = self.output_shape
        last = int(shape[-1] or 0) if len(shape) > 1 else 1
        plan.add(_core.ops.rescaling(self.name,
                                     _coefficients(self.scale, "scale", self.name, last),
                                     _coefficients(self.offset, "offset", self.name, last)))

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({"scale": serialize_keras_object(self.scale),
                       "offset": serialize_keras_object(self.offset)})
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Layer:
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        for key in ("scale", "offset"):
            if key in config:
                config[key] = deserialize_keras_object(config[key])
        return super().from_config(config)
