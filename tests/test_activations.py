"""Activations: every Keras 3 activation against real Keras 3.15.1 (forward on
random inputs including large |x|), backward against float64 central finite
differences through `lamina._core.kernels`, the float32 kernels against the
float64 reference, Dense/Activation layers trained with `train_on_batch`
against Keras (proving the fused backward), and `get`/`serialize` behaviour.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

import lamina
from lamina import _core
from lamina import activations as A

K = _core.kernels
RNG = np.random.default_rng(20261128)

# (lamina/Keras function name, keyword arguments) for every catalogue entry
# and the parameter variants Keras's signatures allow.
CASES: List[Tuple[str, Dict[str, Any]]] = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5, "threshold": 0.5}),
    ("relu", {"threshold": 1.0}),
    ("relu", {"negative_slope": 0.3, "threshold": -0.5}),
    ("relu", {"negative_slope": 0.3, "threshold": 0.7, "max_value": 4.0}),
    ("relu6", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("silu", {}),
    ("swish", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("sigmoid", {}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("tanh", {}),
    ("exponential", {}),
    ("linear", {}),
    ("softmax", {}),
    ("log_softmax", {}),
    ("mish", {}),
]

CASE_IDS = [name + "".join(f"-{k}={v}" for k, v in kw.items()) for name, kw in CASES]

# Canonical kernel name of each function name (aliases share a kernel).
KERNEL_NAME = {"swish": "silu", "hard_swish": "hard_silu"}

# Points where a derivative jumps (kept away from by the finite differences).
KINKS: Dict[str, List[float]] = {
    "relu6": [0.0, 6.0],
    "leaky_relu": [0.0],
    "elu": [0.0],
    "selu": [0.0],
    "hard_sigmoid": [-3.0, 3.0],
    "hard_silu": [-3.0, 3.0],
}


def _kernel_params(kwargs: Dict[str, Any]) -> Dict[str, float]:
    return {k: float(v) for k, v in kwargs.items() if v is not None}


def _kinks(name: str, kwargs: Dict[str, Any]) -> List[float]:
    if name == "relu":
        points = [0.0, float(kwargs.get("threshold", 0.0))]
        if kwargs.get("max_value") is not None:
            points.append(float(kwargs["max_value"]))
        return points
    return KINKS.get(name, [])


def _inputs(shape: Tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
    """Normal values at three scales plus large magnitudes (saturation, overflow)."""
    x = RNG.standard_normal(shape) * RNG.choice([0.3, 3.0, 12.0], size=shape)
    flat = x.reshape(-1)
    extremes = np.array([-1000.0, -120.0, -90.0, -30.0, -1e-4, 0.0, 1e-4, 30.0, 88.0, 100.0])
    flat[: len(extremes)] = extremes[: flat.size]
    return x.astype(dtype)


# -- forward against real Keras ------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_forward_matches_keras(keras_ref, name, kwargs):
    x = _inputs((7, 33))
    expected = np.asarray(getattr(keras_ref.activations, name)(x, **kwargs))
    actual = getattr(A, name)(x, **kwargs)
    assert actual.dtype == np.float32 and actual.shape == x.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parity
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1, (0, 2), None])
def test_softmax_family_axis_matches_keras(keras_ref, name, axis):
    x = (RNG.standard_normal((3, 4, 5)) * 4).astype(np.float32)
    expected = np.asarray(getattr(keras_ref.activations, name)(x, axis=axis))
    np.testing.assert_allclose(getattr(A, name)(x, axis=axis), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parity
def test_keras_names_and_aliases_resolve_alike(keras_ref):
    for name in A.ALL_OBJECTS_DICT:
        assert A.get(name).__name__ == keras_ref.activations.get(name).__name__
        assert A.serialize(A.get(name)) == keras_ref.activations.serialize(
            keras_ref.activations.get(name)
        )


# -- closed forms (no Keras needed) --------------------------------------------


def test_closed_forms():
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    # Keras's docstring examples for relu.
    np.testing.assert_array_equal(A.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(x, threshold=5.0), [0, 0, 0, 0, 10])
    # Keras 3's hard_sigmoid is relu6(x + 3) / 6 (tf.keras 2.x: clip(0.2 x + 0.5)).
    np.testing.assert_allclose(A.hard_sigmoid(np.array([-3.0, -1.5, 0.0, 2.0, 3.5])),
                               [0.0, 0.25, 0.5, 5 / 6, 1.0], rtol=1e-15)
    np.testing.assert_allclose(A.hard_silu(np.array([-4.0, -1.5, 1.0, 4.0])),
                               [0.0, -0.375, 2 / 3, 4.0], rtol=1e-15)
    np.testing.assert_allclose(A.selu(np.array([1.0, -1.0])),
                               [1.0507009873554805, 1.0507009873554805 * 1.6732632423543772
                                * np.expm1(-1.0)], rtol=1e-15)
    np.testing.assert_allclose(A.leaky_relu(np.array([-2.0, 3.0])), [-0.4, 3.0], rtol=1e-15)
    from math import erf
    g = np.array([-2.0, -0.3, 0.7, 2.5])
    np.testing.assert_allclose(A.gelu(g), [0.5 * v * (1 + erf(v / np.sqrt(2))) for v in g],
                               rtol=1e-14)
    np.testing.assert_allclose(
        A.gelu(g, approximate=True),
        0.5 * g * (1 + np.tanh(np.sqrt(2 / np.pi) * (g + 0.044715 * g**3))), rtol=1e-13)
    np.testing.assert_allclose(A.mish(g), g * np.tanh(np.log1p(np.exp(g))), rtol=1e-14)
    np.testing.assert_allclose(A.softplus(np.array([-800.0, 0.0, 800.0])),
                               [0.0, np.log(2.0), 800.0], rtol=1e-15)
    np.testing.assert_allclose(A.softsign(np.array([-3.0, 1.0])), [-0.75, 0.5], rtol=1e-15)
    s = A.softmax(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-14)
    np.testing.assert_allclose(A.log_softmax(np.array([[1.0, 2.0, 3.0]])), np.log(s),
                               rtol=1e-14)


def test_exponential_float32_within_two_ulp_of_exact():
    """The vectorised float32 exp against float64 exp rounded to float32."""
    x = np.concatenate([np.linspace(-103.0, 88.7, 400_001, dtype=np.float32),
                        RNG.uniform(-1, 1, 100_000).astype(np.float32)])
    y = A.exponential(x)
    exact = np.exp(x.astype(np.float64)).astype(np.float32)
    normal = exact >= np.finfo(np.float32).tiny
    ulps = np.abs(y.view(np.int32).astype(np.int64) - exact.view(np.int32).astype(np.int64))
    assert ulps[normal].max() <= 2
    # Subnormal results: flushed to zero in lamina's compute threads (as in
    # TensorFlow's), or else within one subnormal step.
    tiny = y[~normal]
    assert np.all((tiny == 0) | (np.abs(tiny - exact[~normal]) <= 1.5e-45))
    edge = A.exponential(np.array([-np.inf, -200.0, 89.0, np.inf, np.nan], np.float32))
    assert edge[0] == 0 and edge[1] == 0 and np.isinf(edge[2]) and np.isinf(edge[3])
    assert np.isnan(edge[4])


def test_shapes_and_dtypes():
    assert A.relu(-2.0).shape == () and float(A.relu(3.0)) == 3.0
    assert A.relu([1, -2]).dtype == np.float32
    assert A.tanh(np.zeros((2, 0, 3))).shape == (2, 0, 3)
    assert A.sigmoid(np.zeros(4, np.float64)).dtype == np.float64
    assert A.softmax(np.zeros((2, 3, 4)), axis=1).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="axis"):
        A.softmax(np.zeros((2, 3)), axis=2)


# -- backward against float64 finite differences -------------------------------


def _away_from_kinks(x: np.ndarray, kinks: List[float]) -> np.ndarray:
    for k in kinks:
        close = np.abs(x - k) < 1e-3
        x[close] = k + 0.25
    return x


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_backward_matches_finite_differences(name, kwargs):
    kernel = KERNEL_NAME.get(name, name)
    params = _kernel_params(kwargs)
    x = _away_from_kinks(RNG.standard_normal((5, 7)) * 2.5, _kinks(name, kwargs))
    dy = RNG.standard_normal(x.shape)
    y = K.activation_forward(kernel, x, params)
    analytic = K.activation_backward(kernel, x, y, dy, params)

    def objective(v: np.ndarray) -> float:
        return float(np.sum(K.activation_forward(kernel, v, params) * dy))

    eps = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        numeric[idx] = (objective(xp) - objective(xm)) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=CASE_IDS)
def test_float32_kernels_match_float64_reference(name, kwargs):
    kernel = KERNEL_NAME.get(name, name)
    params = _kernel_params(kwargs)
    x = _away_from_kinks(RNG.standard_normal((31, 67)) * 4, _kinks(name, kwargs))
    dy = RNG.standard_normal(x.shape)
    y64 = K.activation_forward(kernel, x, params)
    dx64 = K.activation_backward(kernel, x, y64, dy, params)
    x32, dy32 = x.astype(np.float32), dy.astype(np.float32)
    y32 = K.activation_forward(kernel, x32, params)
    dx32 = K.activation_backward(kernel, x32, y32, dy32, params)
    assert y32.dtype == np.float32 and dx32.dtype == np.float32
    scale = np.abs(y64).max() + 1e-30
    np.testing.assert_allclose(y32, y64, rtol=2e-6, atol=2e-6 * scale)
    np.testing.assert_allclose(dx32, dx64, rtol=1e-5, atol=1e-5 * np.abs(dx64).max())


def test_backward_needs_x_only_where_the_derivative_reads_it():
    for name in ("linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax",
                 "exponential"):
        assert not K.activation_backward_needs_x(name), name
    for name in ("leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "softsign",
                 "hard_sigmoid", "hard_silu", "mish"):
        assert K.activation_backward_needs_x(name), name
    assert K.activation_backward_needs_x("relu", {"threshold": 0.5})


def test_kernel_rejects_unknown_names_and_parameters():
    x = np.zeros((2, 2))
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        K.activation_forward("nope", x)
    with pytest.raises(ValueError, match="does not take the argument 'alpha'"):
        K.activation_forward("relu", x, {"alpha": 1.0})


# -- Dense / Activation trained against Keras ----------------------------------

LAYER_ACTIVATIONS = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
                     "softplus", "softsign", "sigmoid", "hard_sigmoid", "hard_silu",
                     "hard_swish", "tanh", "exponential", "linear", "softmax", "log_softmax",
                     "mish"]


def _net(lib: Any, activation: Any, fused: bool) -> Any:
    if fused:
        hidden = [lib.layers.Dense(12, activation=activation)]
    else:
        hidden = [lib.layers.Dense(12), lib.layers.Activation(activation)]
    return lib.Sequential([lib.Input((6,)), *hidden, lib.layers.Dense(2)])


@pytest.mark.parity
@pytest.mark.parametrize("fused", [True, False], ids=["dense", "activation_layer"])
@pytest.mark.parametrize("activation", LAYER_ACTIVATIONS)
def test_layer_training_matches_keras(keras_ref, activation, fused):
    lm = _net(lamina, activation, fused)
    km = _net(keras_ref, activation, fused)
    weights = [w * 0.5 for w in lm.get_weights()]  # keeps exponential tame
    lm.set_weights(weights)
    km.set_weights(weights)
    lm.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.05), loss="mse")
    km.compile(optimizer=keras_ref.optimizers.SGD(learning_rate=0.05), loss="mse")
    rng = np.random.default_rng(7)
    for step in range(4):
        x = rng.normal(size=(16, 6)).astype(np.float32)
        y = rng.normal(size=(16, 2)).astype(np.float32)
        lloss = float(np.asarray(lm.train_on_batch(x, y)).reshape(-1)[0])
        kloss = float(np.asarray(km.train_on_batch(x, y)).reshape(-1)[0])
        np.testing.assert_allclose(lloss, kloss, rtol=1e-4, atol=1e-6, err_msg=f"step {step}")
        for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5,
                                       err_msg=f"weight {i} after step {step}")
    xt = rng.normal(size=(5, 6)).astype(np.float32)
    np.testing.assert_allclose(lm.predict(xt, verbose=0), km.predict(xt, verbose=0),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parity
@pytest.mark.parametrize(("activation", "loss", "units"),
                         [("softmax", "categorical_crossentropy", 3),
                          ("sigmoid", "binary_crossentropy", 1)])
def test_output_activation_fused_with_crossentropy_matches_keras(keras_ref, activation, loss,
                                                                 units):
    def net(lib: Any) -> Any:
        return lib.Sequential([lib.Input((5,)), lib.layers.Dense(8, activation="gelu"),
                               lib.layers.Dense(units, activation=activation)])

    lm, km = net(lamina), net(keras_ref)
    km.set_weights(lm.get_weights())
    lm.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss=loss)
    km.compile(optimizer=keras_ref.optimizers.SGD(learning_rate=0.1), loss=loss)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 5)).astype(np.float32)
    labels = rng.integers(0, max(units, 2), size=16)
    y = np.eye(units, dtype=np.float32)[labels] if units > 1 else labels[:, None].astype(
        np.float32)
    for _ in range(3):
        np.testing.assert_allclose(float(lm.train_on_batch(x, y)), float(km.train_on_batch(x, y)),
                                   rtol=1e-4)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# -- get / serialize / layers ----------------------------------------------------


def test_get_resolves_names_functions_and_none():
    assert A.get(None) is A.linear
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get(A.gelu) is A.gelu
    assert A.get({"module": "keras.activations", "class_name": "function",
                  "config": "elu", "registered_name": "function"}) is A.elu
    assert A.serialize(A.swish) == "silu"
    assert A.deserialize("mish") is A.mish
    assert lamina.activations.relu is A.relu


def test_get_rejects_unknown_and_arbitrary_functions():
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get("not_an_activation")
    with pytest.raises(ValueError, match="lamina does not compute it yet"):
        A.get("celu")
    with pytest.raises(ValueError, match="arbitrary Python functions"):
        A.get(lambda x: x * 2)

    def relu(x: Any) -> Any:  # same name, not lamina's
        return x

    with pytest.raises(ValueError, match="arbitrary Python functions"):
        A.get(relu)
    with pytest.raises(ValueError, match="arbitrary Python functions"):
        lamina.layers.Dense(3, activation=relu)


@pytest.mark.parity
def test_keras_functions_are_accepted(keras_ref):
    assert A.get(keras_ref.activations.gelu) is A.gelu
    assert A.get(keras_ref.activations.swish) is A.silu


@pytest.mark.parametrize("activation", ["gelu", A.mish, "swish", None])
def test_layer_config_round_trip(activation):
    dense = lamina.layers.Dense(4, activation=activation)
    config = dense.get_config()
    assert config["activation"] == A.serialize(A.get(activation))
    assert lamina.layers.Dense.from_config(config).activation is dense.activation
    layer = lamina.layers.Activation(activation)
    assert lamina.layers.Activation.from_config(layer.get_config()).activation is layer.activation
