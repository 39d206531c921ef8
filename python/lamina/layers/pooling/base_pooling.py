"""Windowed pooling layers (max, average; 1-D and 2-D)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.convolutional import conv_utils
from lamina.layers.layer import Layer, Shape


class BasePooling(Layer):
    """Args: pool_size, strides (default: pool_size), padding ("valid" or
    "same"; "same" averages count only real elements), data_format."""

    rank = 2
    kind = "max"
    _built_at_init = True

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = conv_utils.normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else conv_utils.normalize_tuple(
            strides, self.rank, "strides")
        self.padding = conv_utils.normalize_padding(padding, allow_causal=False)
        self.data_format = conv_utils.check_data_format(data_format, type(self).__name__)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                f"{tuple(input_shape)}")
        spatial = tuple(conv_utils.output_length(d, k, s, 1, self.padding)
                        for d, k, s in zip(input_shape[1:-1], self.pool_size, self.strides))
        conv_utils.check_positive_output(self.name, input_shape, spatial)
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.pool(self.name, self.kind, list(self.pool_size), list(self.strides),
                                self.padding))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling2D(BasePooling):
    """Max pooling over 2-D windows (default 2x2)."""

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling1D(BasePooling):
    """Max pooling over 1-D windows (default 2)."""

    rank = 1

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over 2-D windows. Keras 3 requires `pool_size`; tf.keras
    2.x's default (2, 2) is kept for old scripts."""

    kind = "avg"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling1D(BasePooling):
    """Average pooling over 1-D windows (tf.keras 2.x's default pool_size 2 kept)."""

    rank = 1
    kind = "avg"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, name: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)
