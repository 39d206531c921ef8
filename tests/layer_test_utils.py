"""`run_layer_test`: one call checks a layer the way every layer must behave.

1. Config: `get_config()` -> `from_config()` -> the same config.
2. Shapes: inside `Sequential([Input(...), layer])` the output shape is the
   one expected, and predicting gives arrays of that shape, all finite.
3. Weights: their names, shapes and the trainable / non-trainable split.
4. Gradients (deterministic layers with trainable weights): the engine's
   weight gradients against central finite differences of the loss.
5. A tiny fit: the loss is finite and trainable weights move.
6. Parity, when `keras` (real Keras) is given: the same weights give the same
   outputs (rtol 1e-5, atol 1e-6) and, for deterministic layers, the same
   weights after a few SGD steps (rtol 1e-4). Stochastic layers are compared
   in inference mode only.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

import lamina

OUT_RTOL, OUT_ATOL = 1e-5, 1e-6
TRAIN_RTOL, TRAIN_ATOL = 1e-4, 1e-5


def _layer(lib: Any, cls_name: str, kwargs: Dict[str, Any]) -> Any:
    return getattr(lib.layers, cls_name)(**kwargs)


def _model(lib: Any, cls_name: str, kwargs: Dict[str, Any], input_shape: Tuple[int, ...],
           head: bool) -> Any:
    layers = [lib.Input(input_shape), _layer(lib, cls_name, kwargs)]
    if head:
        # A trainable head, so layers without weights still get a gradient
        # through them (their backward is what a loss reaches).
        layers += [lib.layers.Flatten(), lib.layers.Dense(3)]
    return lib.Sequential(layers)


def _inputs(shape: Tuple[int, ...], seed: int, positive: bool, integer_max: Optional[int]):
    rng = np.random.default_rng(seed)
    if integer_max is not None:
        return rng.integers(0, integer_max, size=shape).astype(np.float32)
    x = rng.normal(size=shape).astype(np.float32)
    return np.abs(x) + 0.1 if positive else x


def _loss_grads(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Weight gradients of one SGD(lr=0) step, as the engine computes them."""
    model.compile(lamina.optimizers.SGD(0.0), "mse")
    model.train_on_batch(x, y)
    return model._plan.gradients()


def check_gradients(model: Any, x: np.ndarray, y: np.ndarray, samples: int = 6,
                    eps: float = 2e-3, rtol: float = 2e-2, atol: float = 3e-4) -> None:
    """Engine gradients vs central differences of the (float64-summed) loss,
    at a few random entries of every trainable weight."""
    grads = _loss_grads(model, x, y)
    weights = model.get_weights()

    def loss() -> float:
        # The training-mode loss (BatchNormalization uses batch statistics),
        # before an update of rate 0.
        return float(model.train_on_batch(x, y))

    trainable_ids = {id(w) for w in model.trainable_weights}
    rng = np.random.default_rng(0)
    plan_weights = [w for layer in model.layers for w in layer._plan_weights()]
    for var, grad in zip(plan_weights, grads):
        if id(var) not in trainable_ids:
            continue
        index = model.weights.index(var)
        flat = grad.reshape(-1)
        compared = 0
        for pos in rng.choice(flat.size, size=min(samples, flat.size), replace=False):

            def central(step: float, pos: int = int(pos), index: int = index) -> float:
                losses = []
                for sign in (1.0, -1.0):
                    w = [a.copy() for a in weights]
                    w[index].reshape(-1)[pos] += sign * step
                    model.set_weights(w)
                    losses.append(loss())
                return (losses[0] - losses[1]) / (2 * step)

            numeric, half = central(eps), central(eps / 2)
            # Smooth: the two agree to O(eps^2). A kink (relu, max) inside the
            # step makes them differ: there is no derivative to compare there.
            if abs(numeric - half) > 0.5 * rtol * abs(numeric) + atol:
                continue
            compared += 1
            assert abs(flat[pos] - numeric) <= atol + rtol * abs(numeric), (
                f"gradient of weight {var.path}[{pos}]: engine {flat[pos]:.6g}, "
                f"finite difference {numeric:.6g}")
        assert compared, f"every sampled entry of {var.path} sat on a kink; nothing was checked"
        model.set_weights(weights)


def run_layer_test(
    cls_name: str,
    init_kwargs: Dict[str, Any],
    input_shape: Sequence[int],
    expected_output_shape: Sequence[Optional[int]],
    *,
    expected_weights: Sequence[Tuple[str, Tuple[int, ...]]] = (),
    expected_num_trainable: Optional[int] = None,
    expected_num_non_trainable: int = 0,
    keras: Any = None,
    stochastic: bool = False,
    positive_inputs: bool = False,
    integer_inputs: Optional[int] = None,
    check_grads: bool = True,
    batch: int = 4,
    train_steps: int = 3,
    out_rtol: float = OUT_RTOL,
    out_atol: float = OUT_ATOL,
) -> Any:
    """Runs the checks listed in the module docstring; returns the lamina model."""
    # Seeded initial weights: the finite-difference check must not depend on
    # which random draw a process got (a relu kink can sit next to a sampled
    # point for some draws).
    lamina.utils.set_random_seed(0)
    input_shape = tuple(input_shape)
    layer = _layer(lamina, cls_name, init_kwargs)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    clone_config = clone.get_config()
    assert {k: v for k, v in clone_config.items() if k != "name"} == {
        k: v for k, v in config.items() if k != "name"}, "config round trip"

    model = lamina.Sequential([lamina.Input(input_shape), layer])
    assert tuple(model.output_shape) == (None,) + tuple(expected_output_shape), (
        f"output shape {model.output_shape}")
    names = [(w.name, tuple(w.shape)) for w in layer.weights]
    if expected_weights:
        assert names == [(n, tuple(s)) for n, s in expected_weights], names
    n_trainable = len(layer.trainable_weights)
    if expected_num_trainable is not None:
        assert n_trainable == expected_num_trainable
    assert len(layer.non_trainable_weights) == expected_num_non_trainable

    x = _inputs((batch,) + input_shape, 1, positive_inputs, integer_inputs)
    out = model.predict(x, verbose=0)
    assert out.shape == (batch,) + tuple(expected_output_shape)
    assert np.isfinite(out).all()

    head = not stochastic and n_trainable == 0 and check_grads and integer_inputs is None
    if check_grads and not stochastic and (n_trainable or head):
        gmodel = _model(lamina, cls_name, init_kwargs, input_shape, head=head)
        gout = gmodel.predict(x, verbose=0)
        y = np.random.default_rng(2).normal(size=gout.shape).astype(np.float32)
        check_gradients(gmodel, x, y)

    fit_model = _model(lamina, cls_name, init_kwargs, input_shape, head=n_trainable == 0)
    fout = fit_model.predict(x, verbose=0)
    y = np.random.default_rng(3).normal(size=fout.shape).astype(np.float32)
    before = fit_model.get_weights()
    fit_model.compile(lamina.optimizers.SGD(0.01), "mse")
    history = fit_model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    moved = [not np.array_equal(a, b) for a, b in zip(before, fit_model.get_weights())]
    assert any(moved), "no weight moved in fit"

    if keras is not None:
        _compare_with_keras(keras, cls_name, init_kwargs, input_shape, x, stochastic,
                            train_steps, out_rtol, out_atol)
    return model


def _compare_with_keras(keras: Any, cls_name: str, init_kwargs: Dict[str, Any],
                        input_shape: Tuple[int, ...], x: np.ndarray, stochastic: bool,
                        train_steps: int, out_rtol: float, out_atol: float) -> None:
    kwargs = _keras_kwargs(keras, init_kwargs)
    lm = lamina.Sequential([lamina.Input(input_shape), _layer(lamina, cls_name, init_kwargs)])
    km = keras.Sequential([keras.Input(input_shape), _layer(keras, cls_name, kwargs)])
    assert [tuple(w.shape) for w in lm.weights] == [tuple(w.shape) for w in km.weights]
    assert [w.name for w in lm.layers[0].weights] == [w.name for w in km.layers[0].weights]
    # Random weights (not the initializers') so zeros/ones do not hide a bug.
    rng = np.random.default_rng(4)
    weights = [np.zeros(w.shape, w.dtype) if not w.dtype.startswith("float")
               else rng.uniform(0.5, 1.5, size=w.shape).astype(np.float32)
               if "variance" in w.name else rng.normal(scale=0.5, size=w.shape).astype(np.float32)
               for w in lm.weights]
    lm.set_weights(weights)
    km.set_weights(weights)
    np.testing.assert_allclose(lm.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)),
                               rtol=out_rtol, atol=out_atol, err_msg=f"{cls_name} outputs")
    lc, kc = lm.layers[0].get_config(), km.layers[0].get_config()
    lc.pop("name")
    kc.pop("name")
    assert lc == kc, f"{cls_name} config:\nlamina {lc}\nkeras  {kc}"
    if stochastic:
        return
    km_out = np.asarray(km.predict(x, verbose=0))
    y = np.random.default_rng(5).normal(size=km_out.shape).astype(np.float32)
    head = not lm.trainable_weights
    if head:
        lm = _model(lamina, cls_name, init_kwargs, input_shape, head=True)
        km = _model(keras, cls_name, kwargs, input_shape, head=True)
        km.set_weights(lm.get_weights())
        y = np.random.default_rng(5).normal(size=(len(x), 3)).astype(np.float32)
    lm.compile(lamina.optimizers.SGD(0.05), "mse")
    km.compile(keras.optimizers.SGD(0.05), "mse")
    for step in range(train_steps):
        ll = lm.train_on_batch(x, y)
        kl = km.train_on_batch(x, y)
        np.testing.assert_allclose(ll, float(kl), rtol=TRAIN_RTOL, atol=TRAIN_ATOL,
                                   err_msg=f"{cls_name} loss at step {step}")
    for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
        np.testing.assert_allclose(a, b, rtol=TRAIN_RTOL, atol=TRAIN_ATOL,
                                   err_msg=f"{cls_name} weight {i} after {train_steps} steps")


def _keras_kwargs(keras: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """lamina objects in kwargs (regularizers, ...) rebuilt as Keras's."""
    out = {}
    for key, value in kwargs.items():
        module = type(value).__module__
        if module.startswith("lamina."):
            kind = module.split(".")[1]
            value = getattr(getattr(keras, kind), type(value).__name__).from_config(
                value.get_config())
        out[key] = value
    return out
