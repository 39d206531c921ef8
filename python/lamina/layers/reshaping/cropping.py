"""Cropping1D / Cropping2D: removes values at the edges of the spatial axes."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers._arguments import check_rank, standardize_data_format, standardize_tuple
from lamina.layers.layer import Layer, Shape
from lamina.layers.reshaping.zero_padding import pairs_2d, spatial_axes


class Cropping1D(Layer):
    """Crops along the steps axis of `(batch, steps, features)` inputs.

    Args:
        cropping: int, or tuple of 2 ints (before, after).

    Raises:
        ValueError: when built, if the crop leaves no steps.
    """

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 3)
        length = input_shape[1]
        if length is not None:
            length = int(length) - sum(self.cropping)
            if length <= 0:
                raise ValueError(
                    "`cropping` parameter of `Cropping1D` layer must be smaller than the input "
                    f"length. Received: input_shape={tuple(input_shape)}, "
                    f"cropping={self.cropping} (layer '{self.name}')")
        return (input_shape[0], length, input_shape[2])

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.cropping(self.name, 1, list(self.cropping) + [0, 0], "channels_last"))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class Cropping2D(Layer):
    """Crops along the height and width of 2-D inputs.

    Args:
        cropping: int, tuple of 2 ints (symmetric height and width crops) or
            `((top, bottom), (left, right))`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Raises:
        ValueError: when built, if a crop is not smaller than its axis.
    """

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = pairs_2d(cropping, "cropping")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 4)
        out = list(input_shape)
        for k, axis in enumerate(spatial_axes(self.data_format, 2)):
            if out[axis] is None:
                continue
            if sum(self.cropping[k]) >= int(out[axis] or 0):
                raise ValueError(
                    "Values in `cropping` argument should be smaller than the corresponding "
                    f"spatial dimension of the input. Received: input_shape={tuple(input_shape)}"
                    f", cropping={self.cropping} (layer '{self.name}')")
            out[axis] = int(out[axis] or 0) - sum(self.cropping[k])
        return tuple(out)

    def _add_to_plan(self, plan: Any) -> None:
        (top, bottom), (left, right) = self.cropping
        plan.add(_core.ops.cropping(self.name, 2, [top, bottom, left, right], self.data_format))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
