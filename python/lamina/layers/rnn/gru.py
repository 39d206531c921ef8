"""GRU: Keras 3's gated recurrent unit layer, run natively."""

from __future__ import annotations

from typing import Any, Dict

from lamina import activations
from lamina.layers.rnn.base_rnn import BaseRNN, check_use_cudnn, forward_cell_properties
from lamina.layers.rnn.cells import GRUCell

_CELL_ATTRIBUTES = (
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "reset_after", "seed",
)


class GRU(BaseRNN):
    """Gated Recurrent Unit (Cho et al. 2014), gates z, r, h:
    `h = z * h_prev + (1 - z) * activation(x W_h + r * (h_prev R_h + b_rh))`
    with `reset_after=True` (Keras 3's default; the bias is (2, 3*units),
    input and recurrent), or `activation(x W_h + (r * h_prev) R_h + b_h)`
    with `reset_after=False` (bias (3*units,)).

    Args:
        units: positive int, the size of the state and output.
        activation: for the candidate (default tanh).
        recurrent_activation: for the gates z and r (default sigmoid).
        use_bias, kernel/recurrent/bias initializers, regularizers and
        constraints, dropout, recurrent_dropout, seed: as LSTM.
        reset_after: where the reset gate applies (see above).
        return_sequences, return_state, go_backwards, stateful, unroll: see
            `BaseRNN`. use_cudnn: accepted (no GPU).

    Input shape:
        3D tensor `(batch_size, timesteps, features)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, timesteps, units)` with
        `return_sequences`.
    """

    _cell_kind = "gru"

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
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
        seed: Any = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        check_use_cudnn(use_cudnn)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, implementation=kwargs.pop("implementation", 2), name="gru_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn
        self.cell: GRUCell = cell

    def _reset_after(self) -> bool:
        return self.cell.reset_after

    def get_config(self) -> Dict[str, Any]:
        config = self._rnn_config()
        config.update(self.cell.cell_config())
        config.update({
            "recurrent_activation": activations.serialize(self.cell.recurrent_activation),
            "reset_after": self.cell.reset_after,
            "seed": self.cell.seed,
        })
        return config


forward_cell_properties(GRU, _CELL_ATTRIBUTES)
