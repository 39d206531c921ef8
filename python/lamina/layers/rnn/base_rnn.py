"""What SimpleRNN, LSTM and GRU share: Keras 3's RNN layer surface around a
cell (return_sequences, go_backwards, masks, stateful states), run by one
native recurrent op that holds the whole time loop."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina import _core, activations, regularizers
from lamina.backend.variable import Variable
from lamina.layers.layer import Layer, Shape
from lamina.layers.rnn.cells import RecurrentCell
from lamina.utils import rng_utils


def check_use_cudnn(use_cudnn: Any) -> Any:
    """LSTM/GRU's `use_cudnn`, checked as Keras checks it (lamina has no GPU
    path, so any valid value computes the same)."""
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                         f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
    return use_cudnn


class BaseRNN(Layer):
    """A recurrent layer over `(batch, timesteps, features)` inputs.

    Subclasses create their cell and pass it here with the layer arguments.

    Args:
        cell: the layer's `RecurrentCell` (holds the weights).
        return_sequences: output every step `(batch, timesteps, units)`
            instead of the last `(batch, units)`.
        return_state: Keras also returns the final states; a Sequential
            passes one tensor between layers, so lamina refuses it.
        go_backwards: read the sequence (and its mask) in reverse; outputs
            come in processing order, as Keras.
        stateful: the final state of each sample of a batch is the initial
            state of the same sample in the next batch (the batch size is
            fixed by the model's Input); `reset_states()` zeros it.
        unroll: accepted (the native loop needs no unrolling).
        zero_output_for_mask: masked steps output zeros instead of the
            previous output (Keras sets it inside Bidirectional).
    """

    supports_masking = True
    _cell_kind = ""

    def __init__(
        self,
        cell: RecurrentCell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.cell = cell
        cell._layer_name = self.name
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states: Optional[List[Variable]] = None
        self._native_seed = rng_utils.make_seed(cell.seed)

    # -- weights: the cell's, as in Keras (states are not weights) ------------------------

    @property
    def units(self) -> int:
        return self.cell.units

    @property
    def trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return []
        return [w for w in self.cell._weights if w.trainable]

    @property
    def non_trainable_weights(self) -> List[Variable]:
        if not self.trainable:
            return list(self.cell._weights)
        return [w for w in self.cell._weights if not w.trainable]

    def count_params(self) -> int:
        if not self.built:
            return super().count_params()
        return int(sum(int(np.prod(w.shape)) for w in self.cell._weights))

    def _saving_children(self) -> List[Tuple[str, Any]]:
        """Keras saves the weights under the cell: `layers/lstm/cell/vars/i`."""
        return [("cell", self.cell)]

    def _plan_weights(self) -> List[Variable]:
        return list(self.cell._weights) + list(self.states or [])

    # -- states ---------------------------------------------------------------------------

    def _state_count(self) -> int:
        return 1

    def reset_states(self) -> None:
        """Zeros the states of a stateful layer (Keras 3's `reset_state`)."""
        for state in self.states or []:
            state.assign(np.zeros(state.shape, np.float32))

    def reset_state(self) -> None:
        """Zeros the states of a stateful layer."""
        self.reset_states()

    # -- shapes ---------------------------------------------------------------------------

    def build(self, input_shape: Shape) -> None:
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={len(shape)}. Full shape received: {shape} (a recurrent "
                "layer takes (batch, timesteps, features))."
            )
        if shape[-1] is None:
            raise ValueError(
                f"The last dimension of the input of layer '{self.name}' must be defined. "
                f"Received: input_shape={shape}"
            )
        if self.return_state:
            raise ValueError(
                f"Layer '{self.name}' has return_state=True: it would return its output and "
                "its final states, but a Sequential model passes one tensor from layer to "
                "layer. lamina builds Sequential models only; use return_state=False."
            )
        if not self.cell.built:
            self.cell.build((shape[0], shape[2]))
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. "
                    f"Found dynamic batch size: sequence.shape={shape}. Give the model's "
                    "Input a batch_size (e.g. keras.Input(shape, batch_size=32))."
                )
            if self.states is None or self.states[0].shape[0] != shape[0]:
                self.states = [
                    Variable(np.zeros((shape[0], self.units), np.float32), name="rnn_state",
                             trainable=False, path=f"{self.name}/rnn_state")
                    for _ in range(self._state_count())
                ]
            else:
                self.reset_states()
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def _mask_rule(self) -> str:
        # Keras's compute_mask: the mask goes on with the sequence, not after it.
        return "keep" if self.return_sequences else "drop"

    # -- native ---------------------------------------------------------------------------

    def _reset_after(self) -> bool:
        return True

    def _add_to_plan(self, plan: Any) -> None:
        cell = self.cell
        act, act_params = activations.plan_spec(cell.activation)
        rec, rec_params = activations.plan_spec(cell.recurrent_activation)
        stateful_batch = int(self.states[0].shape[0]) if self.stateful and self.states else 0
        op = _core.ops.recurrent(
            self.name, self._cell_kind, cell.units,
            activation=act, activation_params=act_params,
            recurrent_activation=rec, recurrent_activation_params=rec_params,
            use_bias=cell.use_bias, reset_after=self._reset_after(),
            return_sequences=self.return_sequences, go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            dropout=cell.dropout, recurrent_dropout=cell.recurrent_dropout,
            per_gate_dropout=cell.implementation == 1 and cell.gates > 1,
            seed=self._native_seed, stateful_batch=stateful_batch,
        )
        plan.add(op, [w.value for w in self._plan_weights()])

    # -- config ---------------------------------------------------------------------------

    def _rnn_config(self) -> Dict[str, Any]:
        """Keras's RNN keys plus the base layer's (activity_regularizer always)."""
        config = super().get_config()
        config["activity_regularizer"] = (
            regularizers.serialize(self.activity_regularizer)
            if self.activity_regularizer is not None else None)
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        return config


def forward_cell_properties(cls: type, names: Tuple[str, ...]) -> type:
    """Read-only properties on a layer class for its cell's attributes
    (`layer.dropout` is `layer.cell.dropout`, as in Keras)."""
    for name in names:
        setattr(cls, name, property(_cell_getter(name)))
    return cls


def _cell_getter(name: str) -> Any:
    def get(self: BaseRNN) -> Any:
        return getattr(self.cell, name)

    return get
