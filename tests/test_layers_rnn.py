"""SimpleRNN, LSTM and GRU: the native op against a float64 reference
(forward, BPTT gradients by central differences, masks, go_backwards,
states), dropout statistics, the layers' Keras surface, and parity with real
Keras 3 (outputs, configs, weights after training)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
from layer_test_utils import run_layer_test
from rnn_reference import GATES, rnn_forward

import lamina
from lamina import _core

CELLS = [("simple_rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})]
CELL_IDS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]
LAYER = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _weights(cell: str, features: int, units: int, rng: np.random.Generator,
             reset_after: bool = True, use_bias: bool = True, scale: float = 0.6
             ) -> List[np.ndarray]:
    gu = GATES[cell] * units
    ws = [rng.normal(scale=scale, size=(features, gu)),
          rng.normal(scale=scale, size=(units, gu))]
    if use_bias:
        shape = (2, gu) if cell == "gru" and reset_after else (gu,)
        ws.append(rng.normal(scale=scale, size=shape))
    return [w.astype(np.float32) for w in ws]


def _run(cell: str, x: np.ndarray, weights: List[np.ndarray], *, mask: Any = None,
         dy: Any = None, training: bool = False, step: int = 0, update_state: bool = True,
         **kwargs: Any) -> Tuple[np.ndarray, Any, Any]:
    """The native op alone (see `_core.ops.run_standalone`)."""
    units = weights[1].shape[0]
    op = _core.ops.recurrent("rnn", cell, units, **kwargs)
    return _core.ops.run_standalone(
        op, list(x.shape[1:]), x, weights,
        mask=None if mask is None else np.asarray(mask, np.float32), dy=dy,
        training=training, step=step, update_state=update_state)


def _reference_kwargs(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    keys = ("activation", "recurrent_activation", "reset_after", "return_sequences",
            "go_backwards", "zero_output_for_mask")
    return {k: v for k, v in kwargs.items() if k in keys}


def _random_mask(batch: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    mask = (rng.random((batch, steps)) > 0.35).astype(np.float32)
    mask[0, :] = 1.0          # a sample with every step
    mask[1, -2:] = 0.0        # trailing padding (the common case)
    mask[-1, :2] = 0.0        # leading padding
    return mask


# -- forward against the float64 reference ----------------------------------------------------

OPTIONS = [
    {},
    {"return_sequences": True},
    {"go_backwards": True},
    {"return_sequences": True, "go_backwards": True},
]


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "last")
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_forward_matches_reference(cell: str, cell_kwargs: Dict[str, Any],
                                   options: Dict[str, Any], masked: bool) -> None:
    rng = np.random.default_rng(1)
    kwargs = {**cell_kwargs, **options}
    x = rng.normal(size=(5, 7, 3)).astype(np.float32)
    weights = _weights(cell, 3, 4, rng, kwargs.get("reset_after", True))
    mask = _random_mask(5, 7, rng) if masked else None
    out, _, _ = _run(cell, x, weights, mask=mask, **kwargs)
    ref, _ = rnn_forward(cell, x, *weights, mask=mask, **_reference_kwargs(kwargs))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_zero_output_for_mask(cell: str, cell_kwargs: Dict[str, Any]) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    weights = _weights(cell, 3, 5, rng, cell_kwargs.get("reset_after", True))
    mask = _random_mask(4, 6, rng)
    for options in OPTIONS:
        kwargs = {**cell_kwargs, **options, "zero_output_for_mask": True}
        out, _, _ = _run(cell, x, weights, mask=mask, **kwargs)
        ref, _ = rnn_forward(cell, x, *weights, mask=mask, **_reference_kwargs(kwargs))
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    out, _, _ = _run(cell, x, weights, mask=mask, return_sequences=True,
                     zero_output_for_mask=True, **cell_kwargs)
    assert np.all(out[mask == 0] == 0.0)


@pytest.mark.parametrize("cell, kwargs", [
    ("simple_rnn", {"activation": "relu"}),
    ("simple_rnn", {"activation": "elu", "use_bias": False}),
    ("lstm", {"activation": "silu", "recurrent_activation": "hard_sigmoid"}),
    ("lstm", {"use_bias": False}),
    ("gru", {"activation": "elu", "recurrent_activation": "hard_sigmoid"}),
    ("gru", {"reset_after": False, "activation": "silu", "use_bias": False}),
    ("gru", {"use_bias": False}),
])
def test_activations_and_no_bias(cell: str, kwargs: Dict[str, Any]) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 6, 4)).astype(np.float32)
    weights = _weights(cell, 4, 5, rng, kwargs.get("reset_after", True),
                       kwargs.get("use_bias", True))
    out, _, _ = _run(cell, x, weights, return_sequences=True, **kwargs)
    bias = weights[2] if len(weights) == 3 else None
    ref, _ = rnn_forward(cell, x, weights[0], weights[1], bias, return_sequences=True,
                         **_reference_kwargs(kwargs))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


# -- BPTT gradients against central differences of the reference -------------------------------


def _check_op_gradients(cell: str, kwargs: Dict[str, Any], mask: Optional[np.ndarray],
                        seed: int = 0) -> None:
    """The op's dx and weight gradients for L = sum(y * dy) against float64
    central differences of the reference, every entry."""
    rng = np.random.default_rng(seed)
    batch, steps, features, units = 3, 5, 3, 4
    x = rng.normal(size=(batch, steps, features)).astype(np.float32)
    weights = _weights(cell, features, units, rng, kwargs.get("reset_after", True),
                       kwargs.get("use_bias", True))
    out, _, _ = _run(cell, x, weights, mask=mask, **kwargs)
    dy = rng.normal(size=out.shape).astype(np.float32)
    _, dx, grads = _run(cell, x, weights, mask=mask, dy=dy, **kwargs)
    ref_kwargs = _reference_kwargs(kwargs)

    def loss(arrays: List[np.ndarray]) -> float:
        bias = arrays[3] if len(arrays) == 4 else None
        y, _ = rnn_forward(cell, arrays[0], arrays[1], arrays[2], bias, mask=mask, **ref_kwargs)
        return float(np.sum(y * dy))

    params = [x.astype(np.float64)] + [w.astype(np.float64) for w in weights]
    engine = [dx] + list(grads)
    eps = 1e-6
    for which, (param, grad) in enumerate(zip(params, engine)):
        numeric = np.zeros(param.size)
        flat = param.reshape(-1)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + eps
            up = loss(params)
            flat[i] = saved - eps
            down = loss(params)
            flat[i] = saved
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(np.asarray(grad).reshape(-1), numeric, rtol=2e-4, atol=2e-5,
                                   err_msg=f"{cell} {kwargs} gradient of param {which}")


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "last")
def test_bptt_gradients(cell: str, cell_kwargs: Dict[str, Any], options: Dict[str, Any]) -> None:
    _check_op_gradients(cell, {**cell_kwargs, **options}, None)


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("options", [
    {"return_sequences": True},
    {"go_backwards": True},
    {"return_sequences": True, "go_backwards": True, "zero_output_for_mask": True},
    {"zero_output_for_mask": True},
], ids=["seq", "backwards", "seq-backwards-zero", "last-zero"])
def test_bptt_gradients_masked(cell: str, cell_kwargs: Dict[str, Any],
                               options: Dict[str, Any]) -> None:
    mask = _random_mask(3, 5, np.random.default_rng(7))
    _check_op_gradients(cell, {**cell_kwargs, **options}, mask)


@pytest.mark.parametrize("cell, kwargs", [
    ("simple_rnn", {"activation": "elu", "return_sequences": True}),
    ("lstm", {"activation": "silu", "recurrent_activation": "hard_sigmoid"}),
    ("gru", {"activation": "elu", "use_bias": False, "return_sequences": True}),
    ("gru", {"reset_after": False, "activation": "silu"}),
])
def test_bptt_gradients_other_activations(cell: str, kwargs: Dict[str, Any]) -> None:
    _check_op_gradients(cell, kwargs, None, seed=4)


# -- dropout --------------------------------------------------------------------------------


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("rates", [(0.3, 0.0), (0.0, 0.3), (0.3, 0.2)])
def test_dropout_training_only_and_repeatable(cell: str, cell_kwargs: Dict[str, Any],
                                              rates: Tuple[float, float]) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 6, 5)).astype(np.float32)
    weights = _weights(cell, 5, 6, rng, cell_kwargs.get("reset_after", True))
    per_gate = rates[1] > 0 and cell != "simple_rnn"  # Keras's implementation=1
    kwargs = dict(cell_kwargs, dropout=rates[0], recurrent_dropout=rates[1],
                  per_gate_dropout=per_gate, seed=11, return_sequences=True)
    inference, _, _ = _run(cell, x, weights, **kwargs)
    ref, _ = rnn_forward(cell, x, *weights, **_reference_kwargs(kwargs))
    np.testing.assert_allclose(inference, ref, rtol=1e-5, atol=1e-6)
    a, _, _ = _run(cell, x, weights, training=True, step=3, **kwargs)
    b, _, _ = _run(cell, x, weights, training=True, step=3, update_state=False, **kwargs)
    c, _, _ = _run(cell, x, weights, training=True, step=4, **kwargs)
    assert not np.allclose(a, inference)
    np.testing.assert_array_equal(a, b)  # a re-run step draws the same masks
    assert not np.allclose(a, c)


def test_input_dropout_rate_and_fixed_mask() -> None:
    """Linear SimpleRNN with W = I and R = 0: each output step is the dropped
    input, so the mask shows: the same at every step, kept ones scaled."""
    units, rate = 400, 0.3
    x = np.ones((8, 5, units), np.float32)
    weights = [np.eye(units, dtype=np.float32), np.zeros((units, units), np.float32)]
    out, _, _ = _run("simple_rnn", x, weights, activation="linear", use_bias=False,
                     return_sequences=True, dropout=rate, seed=3, training=True)
    assert np.all((out == 0) | np.isclose(out, 1 / (1 - rate)))
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 5, axis=1))
    assert abs(np.mean(out == 0) - rate) < 0.02
    assert not np.array_equal(out[0, 0], out[1, 0])  # one mask per sample


def test_recurrent_dropout_rate_and_fixed_mask() -> None:
    """Linear SimpleRNN with R = I and an input only at step 0: h_t = h_0 * m^t."""
    units, rate = 400, 0.25
    x = np.zeros((6, 3, units), np.float32)
    x[:, 0] = 1.0
    weights = [np.eye(units, dtype=np.float32), np.eye(units, dtype=np.float32)]
    out, _, _ = _run("simple_rnn", x, weights, activation="linear", use_bias=False,
                     return_sequences=True, recurrent_dropout=rate, seed=9, training=True)
    np.testing.assert_array_equal(out[:, 0], 1.0)
    mask = out[:, 1]
    assert np.all((mask == 0) | np.isclose(mask, 1 / (1 - rate)))
    assert abs(np.mean(mask == 0) - rate) < 0.03
    np.testing.assert_allclose(out[:, 2], mask * mask, rtol=1e-6)  # the same mask again


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_dropout_gradients_match_float32_differences(cell: str,
                                                     cell_kwargs: Dict[str, Any]) -> None:
    """With the masks fixed by (seed, step), backward is the derivative of
    the training forward (per-gate masks included)."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 4, 3)).astype(np.float32)
    weights = _weights(cell, 3, 4, rng, cell_kwargs.get("reset_after", True), scale=0.4)
    kwargs = dict(cell_kwargs, dropout=0.3, recurrent_dropout=0.3,
                  per_gate_dropout=cell != "simple_rnn", seed=5, return_sequences=True,
                  training=True, step=2)
    out, _, _ = _run(cell, x, weights, **kwargs)
    dy = rng.normal(size=out.shape).astype(np.float32)
    _, dx, grads = _run(cell, x, weights, dy=dy, **kwargs)
    params = [x] + weights
    for which, grad in enumerate([dx] + list(grads)):
        flat_grad = np.asarray(grad).reshape(-1)
        for i in rng.choice(flat_grad.size, size=min(8, flat_grad.size), replace=False):
            values = []
            for sign in (1.0, -1.0):
                trial = [p.copy() for p in params]
                trial[which].reshape(-1)[i] += sign * 1e-2
                y, _, _ = _run(cell, trial[0], trial[1:], **kwargs)
                values.append(float(np.sum(y.astype(np.float64) * dy)))
            numeric = (values[0] - values[1]) / 2e-2
            assert abs(flat_grad[i] - numeric) <= 2e-3 + 2e-2 * abs(numeric), (which, i)


# -- stateful -------------------------------------------------------------------------------


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_stateful_op_carries_state(cell: str, cell_kwargs: Dict[str, Any]) -> None:
    rng = np.random.default_rng(8)
    batch, units = 3, 4
    x1 = rng.normal(size=(batch, 5, 2)).astype(np.float32)
    x2 = rng.normal(size=(batch, 4, 2)).astype(np.float32)
    weights = _weights(cell, 2, units, rng, cell_kwargs.get("reset_after", True))
    states = [np.zeros((batch, units), np.float32) for _ in range(2 if cell == "lstm" else 1)]
    _run(cell, x1, weights + states, stateful_batch=batch, **cell_kwargs)
    _, ref_states = rnn_forward(cell, x1, *weights, **_reference_kwargs(cell_kwargs))
    for got, want in zip(states, ref_states):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    out, _, _ = _run(cell, x2, weights + states, stateful_batch=batch, **cell_kwargs)
    ref, _ = rnn_forward(cell, x2, *weights, initial_state=ref_states,
                         **_reference_kwargs(cell_kwargs))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_stateful_masked_first_step_outputs_zeros() -> None:
    """Keras's loop starts the output at zeros even when the state is not."""
    rng = np.random.default_rng(9)
    weights = _weights("lstm", 2, 3, rng)
    states = [rng.normal(size=(2, 3)).astype(np.float32) for _ in range(2)]
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    mask = np.array([[0, 1, 1, 0], [0, 0, 0, 0]], np.float32)
    init = [s.copy() for s in states]
    out, _, _ = _run("lstm", x, weights + states, mask=mask, stateful_batch=2,
                     return_sequences=True)
    ref, ref_states = rnn_forward("lstm", x, *weights, mask=mask, initial_state=init,
                                  return_sequences=True)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[1], 0.0)
    for got, start, want in zip(states, init, ref_states):
        np.testing.assert_array_equal(got[1], start[1])  # all masked: the state is kept
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_stateful_rerun_step_leaves_state() -> None:
    rng = np.random.default_rng(10)
    weights = _weights("gru", 2, 3, rng)
    state = [np.zeros((2, 3), np.float32)]
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    _run("gru", x, weights + state, stateful_batch=2, update_state=False)
    np.testing.assert_array_equal(state[0], 0.0)


def test_stateful_batch_mismatch_raises() -> None:
    weights = _weights("lstm", 2, 3, np.random.default_rng(0))
    states = [np.zeros((4, 3), np.float32)] * 2
    with pytest.raises(ValueError, match=r"'rnn'.*Expected batch size: 4.*received batch size: 3"):
        _run("lstm", np.zeros((3, 5, 2), np.float32), weights + states, stateful_batch=4)


# -- the layers -----------------------------------------------------------------------------


def _model(layer: Any, steps: int = 6, features: int = 3, batch: Optional[int] = None) -> Any:
    return lamina.Sequential([lamina.Input((steps, features), batch_size=batch), layer])


def test_weights_names_paths_and_counts() -> None:
    layer = lamina.layers.LSTM(5)
    model = _model(layer)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("kernel", (3, 20)), ("recurrent_kernel", (5, 20)), ("bias", (20,))]
    assert [w.path for w in layer.weights] == [
        f"{layer.name}/lstm_cell/{name}" for name in ("kernel", "recurrent_kernel", "bias")]
    assert model.count_params() == 3 * 20 + 5 * 20 + 20
    bias = layer.weights[2].numpy()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    gru = lamina.layers.GRU(4)
    _model(gru)
    assert gru.weights[2].shape == (2, 12) and gru.count_params() == 3 * 12 + 4 * 12 + 24
    gru_before = lamina.layers.GRU(4, reset_after=False)
    _model(gru_before)
    assert gru_before.weights[2].shape == (12,)
    rnn = lamina.layers.SimpleRNN(4, use_bias=False)
    _model(rnn)
    assert [w.name for w in rnn.weights] == ["kernel", "recurrent_kernel"]


def test_recurrent_kernel_is_orthogonal() -> None:
    layer = lamina.layers.SimpleRNN(6)
    _model(layer)
    r = layer.weights[1].numpy()
    np.testing.assert_allclose(r.T @ r, np.eye(6), atol=1e-5)
    wide = lamina.initializers.Orthogonal(gain=2.0, seed=1)((3, 8))
    np.testing.assert_allclose(wide @ wide.T, 4.0 * np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(wide, lamina.initializers.Orthogonal(2.0, seed=1)((3, 8)))


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_errors(cls: str) -> None:
    layer_cls = getattr(lamina.layers, cls)
    with pytest.raises(ValueError, match="expected a positive integer, got -3"):
        layer_cls(-3)
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2.*\(None, 5\)"):
        lamina.Sequential([lamina.Input((5,)), layer_cls(2)])
    with pytest.raises(ValueError, match="return_state=True.*one tensor"):
        lamina.Sequential([lamina.Input((4, 2)), layer_cls(2, return_state=True)])
    with pytest.raises(ValueError, match="batch size must be static"):
        lamina.Sequential([lamina.Input((4, 2)), layer_cls(2, stateful=True)])


def test_stateful_layer_carries_and_resets() -> None:
    rng = np.random.default_rng(12)
    layer = lamina.layers.LSTM(3, stateful=True, return_sequences=True)
    model = _model(layer, steps=4, features=2, batch=2)
    assert layer.weights == layer.cell._weights and len(layer.states) == 2
    w = [v.numpy() for v in layer.weights]
    x1, x2 = (rng.normal(size=(2, 4, 2)).astype(np.float32) for _ in range(2))
    model.predict(x1, batch_size=2, verbose=0)
    out2 = model.predict(x2, batch_size=2, verbose=0)
    _, s1 = rnn_forward("lstm", x1, *w)
    ref2, s2 = rnn_forward("lstm", x2, *w, initial_state=s1, return_sequences=True)
    np.testing.assert_allclose(out2, ref2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.states[0].numpy(), s2[0], rtol=1e-5, atol=1e-6)
    layer.reset_states()
    assert all(np.all(s.numpy() == 0) for s in layer.states)
    fresh, _ = rnn_forward("lstm", x2, *w, return_sequences=True)
    np.testing.assert_allclose(model.predict(x2, batch_size=2, verbose=0), fresh, rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        model.predict(x2[:1], verbose=0)
    model.compile("sgd", "mse")
    model.fit(x1, np.zeros((2, 4, 3), np.float32), batch_size=2, epochs=1, verbose=0)
    assert not np.all(layer.states[0].numpy() == 0)  # training carries state too


@pytest.mark.parametrize("cls, kwargs, output", [
    ("SimpleRNN", {"units": 4}, (4,)),
    ("SimpleRNN", {"units": 3, "return_sequences": True, "go_backwards": True,
                   "activation": "relu"}, (6, 3)),
    ("LSTM", {"units": 4}, (4,)),
    ("LSTM", {"units": 3, "return_sequences": True, "unit_forget_bias": False,
              "recurrent_activation": "hard_sigmoid"}, (6, 3)),
    ("LSTM", {"units": 3, "go_backwards": True, "use_bias": False}, (3,)),
    ("GRU", {"units": 4}, (4,)),
    ("GRU", {"units": 3, "return_sequences": True, "reset_after": False}, (6, 3)),
    ("GRU", {"units": 3, "go_backwards": True, "use_bias": False}, (3,)),
])
@pytest.mark.parity
def test_layer(keras_ref: Any, cls: str, kwargs: Dict[str, Any],
               output: Tuple[int, ...]) -> None:
    run_layer_test(cls, kwargs, (6, 3), output, keras=keras_ref, batch=4)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_layer_with_dropout(cls: str) -> None:
    run_layer_test(cls, {"units": 3, "dropout": 0.2, "recurrent_dropout": 0.1, "seed": 1},
                   (5, 2), (3,), stochastic=True)


def test_regularizers_and_constraints_apply() -> None:
    layer = lamina.layers.GRU(3, recurrent_regularizer="l2", kernel_constraint="non_neg",
                              bias_regularizer=lamina.regularizers.L1(0.1))
    model = _model(layer)
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    model.fit(x, np.zeros((4, 3), np.float32), epochs=2, verbose=0)
    assert np.all(layer.weights[0].numpy() >= 0)
    config = layer.get_config()
    assert config["recurrent_regularizer"]["class_name"] == "L2"
    assert config["kernel_constraint"]["class_name"] == "NonNeg"


def test_save_layout(tmp_path: Any) -> None:
    import h5py

    model = _model(lamina.layers.LSTM(3))
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as f:
        assert sorted(f["layers/lstm/cell/vars"]) == ["0", "1", "2"]
        assert len(f["layers/lstm/vars"]) == 0
    other = _model(lamina.layers.LSTM(3, name="other"))
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    legacy = tmp_path / "w.h5"
    model.save_weights(legacy)
    with h5py.File(legacy) as f:
        name = model.layers[0].name
        names = [n.decode() if isinstance(n, bytes) else n for n in f[name].attrs["weight_names"]]
    assert names == [f"{name}/lstm_cell/{w}:0" for w in ("kernel", "recurrent_kernel", "bias")]
    reloaded = _model(lamina.layers.LSTM(3))
    reloaded.load_weights(legacy)
    for a, b in zip(model.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- parity with real Keras --------------------------------------------------------------------


def _keras_layer(keras: Any, cell: str, kwargs: Dict[str, Any]) -> Any:
    return getattr(keras.layers, LAYER[cell])(4, **kwargs)


@pytest.mark.parity
@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_keras_parity_forward_with_masks(keras_ref: Any, cell: str,
                                         cell_kwargs: Dict[str, Any]) -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(size=(5, 7, 3)).astype(np.float32)
    mask = _random_mask(5, 7, rng)
    weights = _weights(cell, 3, 4, rng, cell_kwargs.get("reset_after", True))
    for options in OPTIONS + [{"return_sequences": True, "zero_output_for_mask": True}]:
        kwargs = {**cell_kwargs, **options}
        klayer = _keras_layer(keras_ref, cell, kwargs)
        klayer.build((None, 7, 3))
        klayer.set_weights(weights)
        for m in (None, mask):
            km = None if m is None else m.astype(bool)
            want = np.asarray(klayer(x, mask=km))
            got, _, _ = _run(cell, x, weights, mask=m, **kwargs)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{cell} {kwargs} mask={m is not None}")


@pytest.mark.parity
@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_keras_parity_training(keras_ref: Any, cell: str, cell_kwargs: Dict[str, Any],
                               optimizer: str) -> None:
    rng = np.random.default_rng(14)
    x = rng.normal(size=(8, 6, 3)).astype(np.float32)
    y = rng.normal(size=(8, 2)).astype(np.float32)
    for options in ({}, {"go_backwards": True}):
        kwargs = {**cell_kwargs, **options}
        lm = lamina.Sequential([lamina.Input((6, 3)),
                                getattr(lamina.layers, LAYER[cell])(4, **kwargs),
                                lamina.layers.Dense(2)])
        km = keras_ref.Sequential([keras_ref.Input((6, 3)), _keras_layer(keras_ref, cell, kwargs),
                                   keras_ref.layers.Dense(2)])
        weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in lm.weights]
        lm.set_weights(weights)
        km.set_weights(weights)
        make = {"sgd": lambda lib: lib.optimizers.SGD(0.1),
                "adam": lambda lib: lib.optimizers.Adam(0.01)}[optimizer]
        lm.compile(make(lamina), "mse")
        km.compile(make(keras_ref), "mse")
        for _ in range(3):
            lm.train_on_batch(x, y)
            km.train_on_batch(x, y)
        for a, b in zip(lm.get_weights(), km.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5, err_msg=f"{cell} {kwargs}")


@pytest.mark.parity
@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_keras_parity_stateful(keras_ref: Any, cell: str, cell_kwargs: Dict[str, Any]) -> None:
    rng = np.random.default_rng(15)
    kwargs = {**cell_kwargs, "stateful": True, "return_sequences": True}
    layer = getattr(lamina.layers, LAYER[cell])(4, **kwargs)
    lm = _model(layer, steps=5, features=2, batch=3)
    klayer = _keras_layer(keras_ref, cell, kwargs)
    km = keras_ref.Sequential([keras_ref.Input((5, 2), batch_size=3), klayer])
    weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in lm.weights]
    lm.set_weights(weights)
    km.set_weights(weights)
    for step in range(3):
        x = rng.normal(size=(3, 5, 2)).astype(np.float32)
        np.testing.assert_allclose(lm.predict(x, batch_size=3, verbose=0),
                                   km.predict(x, batch_size=3, verbose=0), rtol=1e-5, atol=1e-6,
                                   err_msg=f"batch {step}")
        if step == 1:
            layer.reset_states()
            klayer.reset_state()


@pytest.mark.parity
@pytest.mark.parametrize("cls, kwargs", [
    ("LSTM", {"units": 3, "dropout": 0.2, "recurrent_dropout": 0.1, "seed": 4, "stateful": False,
              "kernel_regularizer": "l2", "bias_constraint": "max_norm",
              "zero_output_for_mask": True}),
    ("GRU", {"units": 3, "reset_after": False, "recurrent_activation": "hard_sigmoid",
             "activation": "relu", "unroll": True, "recurrent_initializer": "glorot_uniform"}),
    ("SimpleRNN", {"units": 3, "activation": None, "dropout": 0.5, "seed": 2,
                   "activity_regularizer": "l1"}),
])
def test_keras_parity_config(keras_ref: Any, cls: str, kwargs: Dict[str, Any]) -> None:
    lconfig = getattr(lamina.layers, cls)(**kwargs).get_config()
    kconfig = getattr(keras_ref.layers, cls)(**kwargs).get_config()
    lconfig.pop("name")
    kconfig.pop("name")
    assert lconfig == kconfig
    clone = getattr(lamina.layers, cls).from_config(lconfig).get_config()
    clone.pop("name")
    assert clone == lconfig


@pytest.mark.parity
def test_keras_parity_return_state_in_sequential(keras_ref: Any) -> None:
    """Keras refuses a layer after a multi-output one (lamina refuses the
    layer itself: a Sequential's output is one tensor)."""
    with pytest.raises(ValueError, match="expects 1 input"):
        keras_ref.Sequential([keras_ref.Input((4, 2)), keras_ref.layers.LSTM(2, return_state=True),
                              keras_ref.layers.Dense(1)])


@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
def test_results_do_not_depend_on_thread_count(cell: str, cell_kwargs: Dict[str, Any]) -> None:
    """Samples are split across threads for the whole loop; each sample's
    results are the same bits whatever the split (and no thread touches
    another's rows)."""
    rng = np.random.default_rng(16)
    x = rng.normal(size=(5, 6, 3)).astype(np.float32)
    weights = _weights(cell, 3, 8, rng, cell_kwargs.get("reset_after", True))
    mask = _random_mask(5, 6, rng)
    kwargs = dict(cell_kwargs, return_sequences=True, go_backwards=True, dropout=0.2,
                  recurrent_dropout=0.2, per_gate_dropout=True, seed=1, training=True)
    dy = rng.normal(size=(5, 6, 8)).astype(np.float32)
    threads = lamina.config.get_num_threads()
    runs = []
    try:
        for n in (1, 2, 3):
            lamina.config.set_num_threads(n)
            runs.append(_run(cell, x, weights, mask=mask, dy=dy, **kwargs))
    finally:
        lamina.config.set_num_threads(threads)
    for other in runs[1:]:
        for a, b in zip([runs[0][0], runs[0][1]] + list(runs[0][2]),
                        [other[0], other[1]] + list(other[2])):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parity
def test_keras_files_round_trip(keras_ref: Any, tmp_path: Any) -> None:
    """A `.keras` model and a legacy `.h5` written by Keras load in lamina with
    the same predictions, and lamina's `.keras` loads in Keras."""
    rng = np.random.default_rng(17)
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    km = keras_ref.Sequential([
        keras_ref.Input((6, 3)),
        keras_ref.layers.GRU(5, return_sequences=True, go_backwards=True),
        keras_ref.layers.LSTM(4, return_sequences=True),
        keras_ref.layers.SimpleRNN(3),
    ])
    km.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in km.weights])
    want = np.asarray(km.predict(x, verbose=0))
    for name in ("k.keras", "k.h5"):
        km.save(tmp_path / name)
        lm = lamina.models.load_model(tmp_path / name)
        np.testing.assert_allclose(lm.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    lm.save(tmp_path / "l.keras")
    back = keras_ref.models.load_model(tmp_path / "l.keras")
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), want, rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parity
@pytest.mark.parametrize("cell, cell_kwargs", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("options", [{"return_sequences": True},
                                     {"return_sequences": True, "go_backwards": True},
                                     {"go_backwards": True}], ids=["seq", "seq-backwards", "last"])
def test_keras_parity_masked_training(keras_ref: Any, cell: str, cell_kwargs: Dict[str, Any],
                                      options: Dict[str, Any]) -> None:
    """Embedding(mask_zero=True) -> recurrent layer through the plan: the mask
    reaches the layer (and, with return_sequences, the loss) as in Keras;
    outputs and weights after SGD steps agree."""
    if not hasattr(lamina.layers, "Embedding"):
        pytest.skip("lamina.layers.Embedding is not on this branch yet")
    rng = np.random.default_rng(18)
    x = rng.integers(1, 20, size=(6, 7))
    x[1, -3:] = 0
    x[2, :2] = 0
    x[3, ::2] = 0
    y = rng.normal(size=(6, 7, 4) if options.get("return_sequences") else (6, 4))

    def build(lib: Any) -> Any:
        return lib.Sequential([lib.Input((7,)), lib.layers.Embedding(20, 3, mask_zero=True),
                               getattr(lib.layers, LAYER[cell])(4, **cell_kwargs, **options)])

    lm, km = build(lamina), build(keras_ref)
    weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in lm.weights]
    lm.set_weights(weights)
    km.set_weights(weights)
    np.testing.assert_allclose(lm.predict(x.astype(np.float32), verbose=0),
                               np.asarray(km.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    lm.compile(lamina.optimizers.SGD(0.1), "mse")
    km.compile(keras_ref.optimizers.SGD(0.1), "mse")
    for _ in range(3):
        lm.train_on_batch(x.astype(np.float32), y.astype(np.float32))
        km.train_on_batch(x, y.astype(np.float32))
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
