"""SimpleRNN: Keras 3's fully-connected recurrent layer, run natively."""

from __future__ import annotations

from typing import Any, Dict

from lamina.layers.rnn.base_rnn import BaseRNN, forward_cell_properties
from lamina.layers.rnn.cells import SimpleRNNCell

_CELL_ATTRIBUTES = (
    "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed",
)


class SimpleRNN(BaseRNN):
    """Fully-connected RNN: `h = activation(x W + b + h_prev R)`, the output
    being the state.

    Args:
        units: positive int, the size of the state and output.
        activation: default tanh (None means linear).
        use_bias, kernel/recurrent/bias initializers, regularizers and
        constraints, dropout, recurrent_dropout, seed: as LSTM.
        return_sequences, return_state, go_backwards, stateful, unroll: see
            `BaseRNN`.

    Input shape:
        3D tensor `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with
        `return_sequences`.
    """

    _cell_kind = "simple_rnn"

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: Any = None,
        **kwargs: Any,
    ) -> None:
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="simple_rnn_cell",
        )
        # Keras 3.15's SimpleRNN accepts activity_regularizer but never hands
        # it to its base layer: no penalty, and None in its config. Kept so
        # a model trains (and serialises) as it does in Keras.
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)

    def get_config(self) -> Dict[str, Any]:
        # Keras's SimpleRNN config has no recurrent_activation and no seed.
        config = self._rnn_config()
        config.update(self.cell.cell_config())
        return config


forward_cell_properties(SimpleRNN, _CELL_ATTRIBUTES)
