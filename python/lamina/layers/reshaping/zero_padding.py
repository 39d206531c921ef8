"""ZeroPadding1D / ZeroPadding2D: zeros added around the spatial axes."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers._arguments import check_rank, standardize_data_format, standardize_tuple
from lamina.layers.layer import Layer, Shape


def pairs_2d(value: Any, name: str) -> Any:
    """Keras's 2-D padding/cropping argument: an int, two ints or two pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value), (value, value))
    if hasattr(value, "__len__"):
        if len(value) != 2:
            raise ValueError(f"`{name}` should have two elements. Received: {name}={value}.")
        return (standardize_tuple(value[0], 2, f"1st entry of {name}", allow_zero=True),
                standardize_tuple(value[1], 2, f"2nd entry of {name}", allow_zero=True))
    raise ValueError(
        f"`{name}` should be either an int, a tuple of 2 ints, or a tuple of 2 tuples of "
        f"2 ints ((top, bottom), (left, right)). Received: {name}={value}.")


def spatial_axes(data_format: str, rank: int) -> range:
    """The positions of the spatial axes in a batch shape."""
    first = 2 if data_format == "channels_first" else 1
    return range(first, first + rank)


class ZeroPadding1D(Layer):
    """Zero-padding for 1-D inputs (e.g. temporal sequences).

    Args:
        padding: int, or tuple of 2 ints (before, after) along the steps axis.
        data_format: `"channels_last"` `(batch, steps, features)` (default) or
            `"channels_first"` `(batch, features, steps)`.

    Output shape:
        The steps axis grows by `padding[0] + padding[1]`.
    """

    def __init__(self, padding: Any = 1, data_format: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 3)
        out = list(input_shape)
        (axis,) = spatial_axes(self.data_format, 1)
        if out[axis] is not None:
            out[axis] = int(out[axis] or 0) + sum(self.padding)
        return tuple(out)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.zero_padding(self.name, 1, list(self.padding) + [0, 0],
                                        self.data_format))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding2D(Layer):
    """Zero-padding for 2-D inputs (e.g. pictures).

    Args:
        padding: int (same on all four sides), tuple of 2 ints (symmetric
            height and width padding) or `((top, bottom), (left, right))`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Output shape:
        Height and width grow by their padding.
    """

    def __init__(self, padding: Any = (1, 1), data_format: Optional[str] = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = pairs_2d(padding, "padding")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 4)
        out = list(input_shape)
        for k, axis in enumerate(spatial_axes(self.data_format, 2)):
            if out[axis] is not None:
                out[axis] = int(out[axis] or 0) + sum(self.padding[k])
        return tuple(out)

    def _add_to_plan(self, plan: Any) -> None:
        (top, bottom), (left, right) = self.padding
        plan.add(_core.ops.zero_padding(self.name, 2, [top, bottom, left, right],
                                        self.data_format))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
