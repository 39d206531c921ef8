"""Dense: `activation(inputs @ kernel + bias)` over the last axis."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core, activations, initializers
from lamina.layers.layer import Layer, Shape


class Dense(Layer):
    """Densely-connected layer, with its activation fused into the native op.

    Args:
        units: positive int, the output size.
        activation: an activation name or a `lamina.activations` function
            (None means linear).
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer for the `(input_dim, units)` kernel.
        bias_initializer: initializer for the `(units,)` bias.

    Input shape:
        N-D tensor `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor `(batch_size, ..., units)`.
    """

    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: Optional[int] = None,
        lora_alpha: Optional[float] = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}"
            )
        for arg, value in (
            ("lora_rank", lora_rank),
            ("quantization_config", quantization_config),
        ):
            if value is not None:
                raise ValueError(f"Dense `{arg}` is not supported by lamina yet.")
        self.units = units
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

    def build(self, input_shape: Shape) -> None:
        input_dim = input_shape[-1] if input_shape else None
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the input of layer '{self.name}' must be defined. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            (input_dim, self.units), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,), self.bias_initializer, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.units,)

    def _add_to_plan(self, plan: Any) -> None:
        activation, activation_params = activations.plan_spec(self.activation)
        op = _core.ops.dense(self.name, self.kernel.shape[0], self.units, activation,
                             self.use_bias, activation_params)
        plan.add(op, [self.kernel.value] + ([self.bias.value] if self.use_bias else []))

    def get_config(self) -> Dict[str, Any]:
        # serialize_keras_object also names registered custom initializers.
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_keras_object(self.kernel_initializer),
                "bias_initializer": serialize_keras_object(self.bias_initializer),
                "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
                "bias_regularizer": serialize_keras_object(self.bias_regularizer),
                "kernel_constraint": serialize_keras_object(self.kernel_constraint),
                "bias_constraint": serialize_keras_object(self.bias_constraint),
                "quantization_config": None,
            }
        )
        return config
