"""SeparableConv1D / SeparableConv2D: a depthwise convolution followed by a
1x1 pointwise convolution, with one bias and activation."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core, activations, initializers
from lamina.layers.convolutional.base_conv import BaseConv
from lamina.layers.layer import Shape


class SeparableConv2D(BaseConv):
    """Depthwise separable 2-D convolution. Weights: depthwise_kernel
    `(kh, kw, in, depth_multiplier)`, pointwise_kernel `(1, 1, in*m, filters)`, bias."""

    rank = 2
    has_groups = False

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: Optional[str] = None,
        dilation_rate: Any = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or (
                depth_multiplier <= 0):
            raise ValueError("Invalid value for argument `depth_multiplier`. Expected a strictly "
                             f"positive value. Received depth_multiplier={depth_multiplier}.")
        self.depth_multiplier = depth_multiplier
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = self._weight_rule("pointwise_regularizer",
                                                       pointwise_regularizer)
        self.pointwise_constraint = self._weight_rule("pointwise_constraint", pointwise_constraint)
        self.depthwise_kernel: Any = None
        self.pointwise_kernel: Any = None

    def build(self, input_shape: Shape) -> None:
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            self.kernel_size + (channels, self.depth_multiplier), self.kernel_initializer,
            "depthwise_kernel", regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, "pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def _add_to_plan(self, plan: Any) -> None:
        activation, params = activations.plan_spec(self.activation)
        weights = [self.depthwise_kernel.value, self.pointwise_kernel.value]
        if self.use_bias:
            weights.append(self.bias.value)
        plan.add(_core.ops.separable_conv(
            self.name, list(self.kernel_size), list(self.strides), list(self.dilation_rate),
            self.padding, self.filters, self.depth_multiplier, activation, params,
            self.use_bias), weights)

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        base = super().get_config()
        config: Dict[str, Any] = {k: base[k] for k in ("name", "trainable", "dtype")}
        if "activity_regularizer" in base and base["activity_regularizer"] is not None:
            config["activity_regularizer"] = base["activity_regularizer"]
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": base["activation"],
            "use_bias": self.use_bias,
            "depthwise_initializer": base["kernel_initializer"],
            "pointwise_initializer": serialize_keras_object(self.pointwise_initializer),
            "bias_initializer": base["bias_initializer"],
            "depthwise_regularizer": base["kernel_regularizer"],
            "pointwise_regularizer": serialize_keras_object(self.pointwise_regularizer),
            "bias_regularizer": base["bias_regularizer"],
            "activity_regularizer": base["activity_regularizer"],
            "depthwise_constraint": base["kernel_constraint"],
            "pointwise_constraint": serialize_keras_object(self.pointwise_constraint),
            "bias_constraint": base["bias_constraint"],
        })
        return config


class SeparableConv1D(SeparableConv2D):
    """Depthwise separable 1-D convolution. Weights: depthwise_kernel
    `(k, in, depth_multiplier)`, pointwise_kernel `(1, in*m, filters)`, bias."""

    rank = 1
