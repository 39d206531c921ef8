"""DepthwiseConv2D: each input channel convolved with its own filters."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from lamina import _core, activations
from lamina.layers.convolutional.base_conv import BaseConv


class DepthwiseConv2D(BaseConv):
    """Depthwise 2-D convolution: `depth_multiplier` filters per input channel,
    `in * depth_multiplier` outputs. Kernel `(kh, kw, in, depth_multiplier)`."""

    rank = 2
    has_groups = False

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: Optional[str] = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or (
                depth_multiplier <= 0):
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a strictly "
                             f"positive value. Received depth_multiplier={depth_multiplier}.")
        super().__init__(
            depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier

    def kernel_shape(self, channels: int) -> Tuple[int, ...]:
        return self.kernel_size + (channels, self.depth_multiplier)

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        self.filters = channels * self.depth_multiplier  # bias and output size
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        self.filters = self._channels(input_shape) * self.depth_multiplier
        return super().compute_output_shape(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        activation, params = activations.plan_spec(self.activation)
        plan.add(_core.ops.conv(self.name, list(self.kernel_size), list(self.strides),
                                list(self.dilation_rate), self.padding, self.depth_multiplier, 0,
                                activation, params, self.use_bias),
                 self._weights_for_plan())

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        renames = {"kernel_initializer": "depthwise_initializer",
                   "kernel_regularizer": "depthwise_regularizer",
                   "kernel_constraint": "depthwise_constraint"}
        out: Dict[str, Any] = {}
        for key, value in config.items():
            if key == "filters":
                out["depth_multiplier"] = self.depth_multiplier
                continue
            out[renames.get(key, key)] = value
        # Keras lists depth_multiplier first among the layer's own keys.
        return out
