"""Flatten: collapses every axis but the batch axis."""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.layer import Layer, Shape


class Flatten(Layer):
    """Flattens the input; does not affect the batch size.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Input shape:
        `(batch_size, ...)`. Output shape: `(batch_size, prod(...))`.
    """

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format}"
            )
        if data_format == "channels_first":
            raise ValueError(
                "Flatten(data_format='channels_first') is not supported by lamina yet."
            )
        self.data_format = data_format or "channels_last"

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(int(d or 0) for d in rest)
        return (input_shape[0], size)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.flatten(self.name))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
