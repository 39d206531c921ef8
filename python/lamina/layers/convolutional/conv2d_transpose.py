"""Conv2DTranspose: the transposed (fractionally strided) 2-D convolution."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from lamina import _core, activations
from lamina.layers.convolutional import conv_utils
from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.layer import Shape


class Conv2DTranspose(BaseConv):
    """Transposed 2-D convolution (channels_last). Kernel `(kh, kw, filters, in)`.

    Args: as Conv2D without `groups`, plus `output_padding` (an int or tuple,
    each less than the stride along its axis; None lets Keras infer it).
    """

    rank = 2
    has_groups = False

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: Optional[str] = None,
                 dilation_rate: Any = 1, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        self.output_padding: Optional[Tuple[int, ...]] = None
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(
                output_padding, self.rank, "output_padding", allow_zero=True)
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError(
                        "Strides must be greater than output padding. Received strides="
                        f"{self.strides}, output_padding={self.output_padding}.")

    def kernel_shape(self, channels: int) -> Tuple[int, ...]:
        return self.kernel_size + (self.filters, channels)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        paddings = self.output_padding or (None,) * self.rank
        spatial = tuple(
            conv_utils.transpose_output_length(d, k, s, r, self.padding, p)
            for d, k, s, r, p in zip(input_shape[1:-1], self.kernel_size, self.strides,
                                     self.dilation_rate, paddings))
        conv_utils.check_positive_output(self.name, input_shape, spatial)
        return (input_shape[0],) + spatial + (self.filters,)

    def _add_to_plan(self, plan: Any) -> None:
        activation, params = activations.plan_spec(self.activation)
        plan.add(_core.ops.conv_transpose(
            self.name, list(self.kernel_size), list(self.strides), list(self.dilation_rate),
            self.padding, self.filters, list(self.output_padding or ()), activation, params,
            self.use_bias), self._weights_for_plan())

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        ordered: Dict[str, Any] = {}
        for key, value in config.items():
            ordered[key] = value
            if key == "padding":  # Keras's key order
                ordered["output_padding"] = self.output_padding
        return ordered
