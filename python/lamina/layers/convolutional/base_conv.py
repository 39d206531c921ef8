"""What every convolution layer shares: its arguments as Keras checks and
stores them, its config, the bias and activation."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from lamina import activations, initializers
from lamina.layers.convolutional import conv_utils
from lamina.layers.layer import Layer, Shape


class BaseConv(Layer):
    """Base of Conv1D/Conv2D/Conv2DTranspose (rank = spatial dimensions).

    Args: as Keras's `Conv1D`/`Conv2D` (filters, kernel_size, strides,
    padding, data_format, dilation_rate, groups, activation, use_bias, the
    kernel/bias initializers, regularizers and constraints).
    """

    rank = 2
    allow_causal = False
    has_groups = True

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: Optional[str] = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive "
                             f"value. Received filters={filters}.")
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, self.rank, "strides")
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = conv_utils.normalize_padding(padding, self.allow_causal)
        self.data_format = conv_utils.check_data_format(data_format, cls)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError("The number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        if filters % groups != 0:
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={groups}, filters={filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = self._weight_rule("kernel_regularizer", kernel_regularizer)
        self.bias_regularizer = self._weight_rule("bias_regularizer", bias_regularizer)
        self.kernel_constraint = self._weight_rule("kernel_constraint", kernel_constraint)
        self.bias_constraint = self._weight_rule("bias_constraint", bias_constraint)
        self.kernel: Any = None
        self.bias: Any = None

    # -- shapes and weights ---------------------------------------------------

    def _channels(self, input_shape: Shape) -> int:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                f"{tuple(input_shape)}")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs of layer '{self.name}' "
                             f"should be defined. Received input shape {tuple(input_shape)}.")
        return int(channels)

    def kernel_shape(self, channels: int) -> Tuple[int, ...]:
        if channels % self.groups != 0:
            raise ValueError(
                f"The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} channels "
                f"(layer '{self.name}').")
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape: Shape) -> None:
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)  # refuses a kernel that does not fit
        self.kernel = self.add_weight(
            self.kernel_shape(channels), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                (self.filters,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        spatial = tuple(
            conv_utils.output_length(d, k, s, r, self.padding)
            for d, k, s, r in zip(input_shape[1:-1], self.kernel_size, self.strides,
                                  self.dilation_rate))
        conv_utils.check_positive_output(self.name, input_shape, spatial)
        return (input_shape[0],) + spatial + (self.filters,)

    def _weights_for_plan(self) -> list:
        return [self.kernel.value] + ([self.bias.value] if self.use_bias else [])

    # -- config -------------------------------------------------------------

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        })
        if self.has_groups:
            config["groups"] = self.groups
        config.update({
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config
