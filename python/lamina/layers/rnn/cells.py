"""The cells behind SimpleRNN, LSTM and GRU: each holds its cell's arguments
and weights, as Keras 3's cells do, so weight paths (`lstm/lstm_cell/kernel`)
and the saved layout (`layers/lstm/cell/vars/0..2`) are Keras's. The math of a
step lives in the native recurrent op; a cell is not run on its own."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from lamina import activations, initializers
from lamina.layers.layer import Layer, Shape


def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive integer, "
            f"got {units}."
        )
    return int(units)


def _rate(value: Any, arg: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ValueError(f"`{arg}` must be a float between 0 and 1. Received: {arg}={value!r}")
    # Keras clips the rate to [0, 1]; 0 and 1 both mean no dropout.
    return min(1.0, max(0.0, float(value)))


class RecurrentCell(Layer):
    """What the three cells share: units, activations, initializers, the
    weight rules and dropout rates, and the kernel/recurrent_kernel/bias
    weights.

    Args:
        units: positive int, the size of the state.
        gates: gates per cell (1, 4 or 3): the kernels are (in, gates*units)
            and (units, gates*units).
        name: the cell's name inside its layer (`lstm_cell`, ...).
        the rest: as the layer's arguments of the same names.
    """

    gates = 1

    def __init__(
        self,
        units: Any,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Optional[int] = None,
        implementation: int = 2,
        layer_name: str = "",
        **kwargs: Any,
    ) -> None:
        self.units = _check_units(units)
        super().__init__(**kwargs)
        self._layer_name = layer_name
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = self._weight_rule("kernel_regularizer", kernel_regularizer)
        self.recurrent_regularizer = self._weight_rule("recurrent_regularizer",
                                                       recurrent_regularizer)
        self.bias_regularizer = self._weight_rule("bias_regularizer", bias_regularizer)
        self.kernel_constraint = self._weight_rule("kernel_constraint", kernel_constraint)
        self.recurrent_constraint = self._weight_rule("recurrent_constraint",
                                                      recurrent_constraint)
        self.bias_constraint = self._weight_rule("bias_constraint", bias_constraint)
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        self.seed = seed
        # Keras's implementation=1 (forced by recurrent dropout): one dropout
        # mask per gate instead of one shared by all gates.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else int(implementation)
        self.kernel: Any = None
        self.recurrent_kernel: Any = None
        self.bias: Any = None

    def _bias_shape(self) -> Shape:
        return (self.gates * self.units,)

    def _bias_initial(self, shape: Shape) -> np.ndarray:
        return self.bias_initializer(tuple(shape))  # type: ignore[arg-type]

    def add_weight(self, shape: Any, initializer: Any, name: str, trainable: bool = True,
                   regularizer: Any = None, constraint: Any = None) -> Any:
        var = super().add_weight(shape, initializer, name, trainable, regularizer, constraint)
        # Keras's path: the layer, then the cell (`lstm/lstm_cell/kernel`).
        var.path = f"{self._layer_name}/{self.name}/{name}"
        return var

    def build(self, input_shape: Shape) -> None:
        input_dim = int(input_shape[-1])  # type: ignore[arg-type]
        gu = self.gates * self.units
        self.kernel = self.add_weight(
            (input_dim, gu), self.kernel_initializer, "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            (self.units, gu), self.recurrent_initializer, "recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                self._bias_shape(), self._bias_initial, "bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        super().build(input_shape)

    def weight_values(self) -> List[np.ndarray]:
        """The arrays the native op binds: kernel, recurrent_kernel, bias."""
        return [w.value for w in self._weights]

    def cell_config(self) -> Dict[str, Any]:
        """The cell's arguments as Keras's layer config spells them."""
        from lamina.saving.serialization_lib import serialize_keras_object as ser

        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": ser(self.kernel_initializer),
            "recurrent_initializer": ser(self.recurrent_initializer),
            "bias_initializer": ser(self.bias_initializer),
            "kernel_regularizer": ser(self.kernel_regularizer),
            "recurrent_regularizer": ser(self.recurrent_regularizer),
            "bias_regularizer": ser(self.bias_regularizer),
            "kernel_constraint": ser(self.kernel_constraint),
            "recurrent_constraint": ser(self.recurrent_constraint),
            "bias_constraint": ser(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


class SimpleRNNCell(RecurrentCell):
    """The cell of SimpleRNN: `h = activation(x W + b + h_prev R)`."""

    gates = 1


class LSTMCell(RecurrentCell):
    """The cell of LSTM (gates i, f, c, o); `unit_forget_bias` starts the
    forget gate's bias at 1."""

    gates = 4

    def __init__(self, units: Any, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initial(self, shape: Shape) -> np.ndarray:
        if not self.unit_forget_bias:
            return super()._bias_initial(shape)
        u = self.units
        return np.concatenate([
            self.bias_initializer((u,)),
            np.ones((u,), np.float32),
            self.bias_initializer((2 * u,)),
        ]).astype(np.float32)


class GRUCell(RecurrentCell):
    """The cell of GRU (gates z, r, h); with `reset_after` (Keras 3's default)
    the reset gate applies after the recurrent product and the bias is
    (2, 3*units): input bias and recurrent bias."""

    gates = 3

    def __init__(self, units: Any, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> Shape:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)
