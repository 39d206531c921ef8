"""A float64 numpy reference of Keras 3's SimpleRNN, LSTM and GRU (the cells
of keras/src/layers/rnn and the TensorFlow backend's loop with masks), for
forward checks and finite-difference gradients of the engine."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

Array = np.ndarray


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS: Dict[str, Callable[[Array], Array]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "hard_sigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "silu": lambda x: x * _sigmoid(x),
}

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def _split(a: Array, parts: int) -> List[Array]:
    return np.split(a, parts, axis=-1)


def cell_step(cell: str, x: Array, states: Sequence[Array], kernel: Array, recurrent: Array,
              bias: Optional[Array], act: Callable, rec_act: Callable, reset_after: bool,
              in_masks: Optional[Sequence[Array]], rec_masks: Optional[Sequence[Array]]
              ) -> Tuple[Array, List[Array]]:
    """One step of a cell; masks are the per-gate dropout masks (or one)."""
    g = GATES[cell]
    h = states[0]

    def gate_inputs(masks: Optional[Sequence[Array]], value: Array) -> List[Array]:
        if masks is None:
            return [value] * g
        if len(masks) == 1:
            return [value * masks[0]] * g
        return [value * m for m in masks]

    xs = gate_inputs(in_masks, x)
    hs = gate_inputs(rec_masks, h)
    ks, rs = _split(kernel, g), _split(recurrent, g)
    if cell == "simple_rnn":
        out = xs[0] @ kernel + (bias if bias is not None else 0.0) + hs[0] @ recurrent
        out = act(out)
        return out, [out]
    if cell == "lstm":
        bs = _split(bias, 4) if bias is not None else [0.0] * 4
        z = [xs[k] @ ks[k] + bs[k] + hs[k] @ rs[k] for k in range(4)]
        i, f, o = rec_act(z[0]), rec_act(z[1]), rec_act(z[3])
        c = f * states[1] + i * act(z[2])
        hn = o * act(c)
        return hn, [hn, c]
    # GRU
    if bias is None:
        b_in, b_rec = [0.0] * 3, [0.0] * 3
    elif reset_after:
        b_in, b_rec = _split(bias[0], 3), _split(bias[1], 3)
    else:
        b_in, b_rec = _split(bias, 3), [0.0] * 3
    xz, xr, xh = (xs[k] @ ks[k] + b_in[k] for k in range(3))
    z = rec_act(xz + hs[0] @ rs[0] + b_rec[0])
    r = rec_act(xr + hs[1] @ rs[1] + b_rec[1])
    if reset_after:
        hh = act(xh + r * (hs[2] @ rs[2] + b_rec[2]))
    else:
        hh = act(xh + (r * hs[2]) @ rs[2])
    hn = z * h + (1.0 - z) * hh
    return hn, [hn]


def rnn_forward(cell: str, x: Array, kernel: Array, recurrent: Array, bias: Optional[Array], *,
                activation: str = "tanh", recurrent_activation: str = "sigmoid",
                reset_after: bool = True, return_sequences: bool = False,
                go_backwards: bool = False, mask: Optional[Array] = None,
                zero_output_for_mask: bool = False,
                initial_state: Optional[Sequence[Array]] = None,
                in_masks: Optional[Sequence[Array]] = None,
                rec_masks: Optional[Sequence[Array]] = None) -> Tuple[Array, List[Array]]:
    """Keras's RNN layer on x [batch, steps, features] in float64.

    Returns:
        (output, final states): output [batch, units] or, with
        return_sequences, [batch, steps, units] in processing order.
    """
    x = np.asarray(x, np.float64)
    batch, steps, _ = x.shape
    units = recurrent.shape[0]
    kernel, recurrent = np.asarray(kernel, np.float64), np.asarray(recurrent, np.float64)
    bias = None if bias is None else np.asarray(bias, np.float64)
    act, rec_act = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    n_states = 2 if cell == "lstm" else 1
    states = ([np.asarray(s, np.float64) for s in initial_state] if initial_state is not None
              else [np.zeros((batch, units)) for _ in range(n_states)])
    prev_out = np.zeros((batch, units))
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        out, new_states = cell_step(cell, x[:, t], states, kernel, recurrent, bias, act,
                                    rec_act, reset_after, in_masks, rec_masks)
        if mask is not None:
            keep = np.asarray(mask[:, t], bool)[:, None]
            out = np.where(keep, out, 0.0 if zero_output_for_mask else prev_out)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        states, prev_out = new_states, out
        outputs.append(out)
    if return_sequences:
        return np.stack(outputs, axis=1), states
    return outputs[-1], states
