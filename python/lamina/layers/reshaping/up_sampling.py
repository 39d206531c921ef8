"""UpSampling1D / UpSampling2D: repeats (or bilinearly interpolates) values
along the spatial axes."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers._arguments import check_rank, standardize_data_format, standardize_tuple
from lamina.layers.layer import Layer, Shape
from lamina.layers.reshaping.zero_padding import spatial_axes


class UpSampling1D(Layer):
    """Repeats each step `size` times along the steps axis.

    Args:
        size: positive int, the upsampling factor.

    Raises:
        TypeError: if `size` is not an int. ValueError: if it is not positive.

    Input shape:
        `(batch, steps, features)`. Output shape: `(batch, steps * size, features)`.
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 3)
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else int(steps) * self.size, input_shape[2])

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.upsampling(self.name, 1, self.size, 1, "nearest", "channels_last"))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(Layer):
    """Upsamples height and width by integer factors.

    Args:
        size: int or tuple of 2 ints, the factors for rows and columns.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        interpolation: `"nearest"` (repeat) or `"bilinear"` (TensorFlow's
            resize: half-pixel centres, edges clamped).

    Raises:
        ValueError: for another interpolation (Keras's bicubic, lanczos, ...
            are not implemented in lamina).
    """

    def __init__(self, size: Any = (2, 2), data_format: Optional[str] = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"UpSampling2D layer '{self.name}': lamina supports interpolation='nearest' "
                f"and 'bilinear'. Received: interpolation={interpolation!r}")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 4)
        out = list(input_shape)
        for k, axis in enumerate(spatial_axes(self.data_format, 2)):
            if out[axis] is not None:
                out[axis] = int(out[axis] or 0) * self.size[k]
        return tuple(out)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.upsampling(self.name, 2, self.size[0], self.size[1],
                                      self.interpolation, self.data_format))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config
