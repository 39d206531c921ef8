"""LSTM: Keras 3's long short-term memory layer, run natively."""

from __future__ import annotations

from typing import Any, Dict

from lamina import activations
from lamina.layers.rnn.base_rnn import BaseRNN, check_use_cudnn, forward_cell_properties
from lamina.layers.rnn.cells import LSTMCell

_CELL_ATTRIBUTES = (
    "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "seed",
)


class LSTM(BaseRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), gates i, f, c, o:
    `c = f * c_prev + i * activation(x W_c + h_prev R_c + b_c)`,
    `h = o * activation(c)`, the gates `recurrent_activation(x W + h_prev R + b)`.

    Args:
        units: positive int, the size of the state and output.
        activation: for the candidate and the cell state (default tanh).
        recurrent_activation: for the gates (default sigmoid).
        use_bias: whether the gates have a bias.
        kernel_initializer / recurrent_initializer / bias_initializer:
            Keras's defaults glorot_uniform, orthogonal, zeros.
        unit_forget_bias: start the forget gate's bias at 1.
        *_regularizer / *_constraint: for kernel, recurrent_kernel, bias.
        dropout / recurrent_dropout: fractions of the inputs / state dropped
            in training, one mask per batch (per gate with recurrent dropout).
        seed: seed of the dropout masks.
        return_sequences, return_state, go_backwards, stateful, unroll: see
            `BaseRNN`. use_cudnn: accepted (no GPU).

    Input shape:
        3D tensor `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with
        `return_sequences`.
    """

    _cell_kind = "lstm"

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: Any = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        check_use_cudnn(use_cudnn)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            implementation=kwargs.pop("implementation", 2), name="lstm_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
        self.cell: LSTMCell = cell

    def _state_count(self) -> int:
        return 2  # h and c

    def get_config(self) -> Dict[str, Any]:
        config = self._rnn_config()
        config.update(self.cell.cell_config())
        config.update({
            "recurrent_activation": activations.serialize(self.cell.recurrent_activation),
            "unit_forget_bias": self.cell.unit_forget_bias,
            "seed": self.cell.seed,
        })
        return config


forward_cell_properties(LSTM, _CELL_ATTRIBUTES)
