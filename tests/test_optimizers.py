"""Optimizers and learning-rate schedules against Keras 3.15.1 and closed forms.

Parity tests train the same tiny model (Dense(8, tanh) -> Dense(3)) with
`train_on_batch` in both libraries from the same initial weights on the same
batches, and compare every weight after 1 step (rtol 1e-5) and after 10
(rtol 1e-4). The atol terms cover weights that cross zero.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Callable, Dict, List

import numpy as np
import pytest

import lamina
from lamina import optimizers
from lamina.optimizers import schedules

N_IN, N_HIDDEN, N_OUT, BATCH = 5, 8, 3, 12


def _model(lib: Any) -> Any:
    return lib.Sequential([
        lib.Input((N_IN,)),
        lib.layers.Dense(N_HIDDEN, activation="tanh"),
        lib.layers.Dense(N_OUT),
    ])


def _batches(n: int, seed: int = 3) -> List[Any]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(BATCH, N_IN)).astype(np.float32),
             rng.normal(size=(BATCH, N_OUT)).astype(np.float32)) for _ in range(n)]


def _train_both(keras: Any, make: Callable[[Any], Any], steps: int,
                between: Callable[[Any, int], None] = lambda opt, step: None) -> Any:
    lm, km = _model(lamina), _model(keras)
    km.set_weights(lm.get_weights())
    lm.compile(optimizer=make(lamina), loss="mse")
    km.compile(optimizer=make(keras), loss="mse")
    for step, (x, y) in enumerate(_batches(steps)):
        between(lm.optimizer, step)
        between(km.optimizer, step)
        lm.train_on_batch(x, y)
        km.train_on_batch(x, y)
    return lm, km


def _assert_close(lm: Any, km: Any, rtol: float, atol: float) -> None:
    for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {i}")


# Each entry builds the optimizer in either library (same arguments).
CASES: Dict[str, Callable[[Any], Any]] = {
    "sgd": lambda lib: lib.optimizers.SGD(learning_rate=0.05),
    "sgd-momentum": lambda lib: lib.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "sgd-nesterov": lambda lib: lib.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
    "adam": lambda lib: lib.optimizers.Adam(learning_rate=0.01),
    "adam-amsgrad": lambda lib: lib.optimizers.Adam(0.01, beta_1=0.8, amsgrad=True),
    "adamw": lambda lib: lib.optimizers.AdamW(learning_rate=0.01),
    "adamw-wd": lambda lib: lib.optimizers.AdamW(0.01, weight_decay=0.1, amsgrad=True),
    "adamax": lambda lib: lib.optimizers.Adamax(learning_rate=0.01),
    "nadam": lambda lib: lib.optimizers.Nadam(learning_rate=0.01),
    "rmsprop": lambda lib: lib.optimizers.RMSprop(learning_rate=0.01),
    "rmsprop-momentum": lambda lib: lib.optimizers.RMSprop(0.01, momentum=0.5),
    "rmsprop-centered": lambda lib: lib.optimizers.RMSprop(0.01, rho=0.8, centered=True),
    "rmsprop-both": lambda lib: lib.optimizers.RMSprop(0.01, momentum=0.3, centered=True),
    "adagrad": lambda lib: lib.optimizers.Adagrad(learning_rate=0.05),
    "adagrad-init": lambda lib: lib.optimizers.Adagrad(0.05, initial_accumulator_value=0.5),
    "adadelta": lambda lib: lib.optimizers.Adadelta(learning_rate=1.0),
    "adafactor": lambda lib: lib.optimizers.Adafactor(learning_rate=0.05),
    "adafactor-args": lambda lib: lib.optimizers.Adafactor(
        0.5, beta_2_decay=-0.5, epsilon_2=0.01, clip_threshold=0.5),
    "ftrl": lambda lib: lib.optimizers.Ftrl(learning_rate=0.1),
    "ftrl-reg": lambda lib: lib.optimizers.Ftrl(
        0.1, learning_rate_power=-0.7, l1_regularization_strength=0.01,
        l2_regularization_strength=0.02, l2_shrinkage_regularization_strength=0.03, beta=0.1),
    "lion": lambda lib: lib.optimizers.Lion(learning_rate=0.01),
    "lion-betas": lambda lib: lib.optimizers.Lion(0.01, beta_1=0.5, beta_2=0.9),
    # Common arguments.
    "clipnorm": lambda lib: lib.optimizers.SGD(0.1, momentum=0.5, clipnorm=0.3),
    "clipvalue": lambda lib: lib.optimizers.Adam(0.01, clipvalue=0.05),
    "global_clipnorm": lambda lib: lib.optimizers.RMSprop(0.01, global_clipnorm=0.5),
    "weight_decay": lambda lib: lib.optimizers.SGD(0.05, weight_decay=0.2),
    "weight_decay-adagrad": lambda lib: lib.optimizers.Adagrad(0.05, weight_decay=0.3),
    "ema": lambda lib: lib.optimizers.Adam(0.01, use_ema=True, ema_momentum=0.9),
    "ema-overwrite": lambda lib: lib.optimizers.SGD(
        0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3),
    "accumulation": lambda lib: lib.optimizers.Adam(0.01, gradient_accumulation_steps=3),
    "accumulation-nadam": lambda lib: lib.optimizers.Nadam(0.01, gradient_accumulation_steps=2),
    "accumulation-ema": lambda lib: lib.optimizers.SGD(
        0.1, gradient_accumulation_steps=2, use_ema=True, ema_overwrite_frequency=2),
    "loss_scale_factor": lambda lib: lib.optimizers.Adam(0.01, loss_scale_factor=128.0),
    "schedule-exponential": lambda lib: lib.optimizers.SGD(
        lib.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)),
    "schedule-cosine-warmup": lambda lib: lib.optimizers.Adam(
        lib.optimizers.schedules.CosineDecay(0.001, 6, warmup_target=0.02, warmup_steps=3)),
    "schedule-piecewise": lambda lib: lib.optimizers.RMSprop(
        lib.optimizers.schedules.PiecewiseConstantDecay([2, 5], [0.02, 0.01, 0.001])),
}


@pytest.mark.parity
@pytest.mark.parametrize("steps,rtol,atol", [(1, 1e-5, 1e-6), (10, 1e-4, 1e-5)],
                         ids=["1-step", "10-steps"])
@pytest.mark.parametrize("case", list(CASES))
def test_train_on_batch_matches_keras(keras_ref, case, steps, rtol, atol):
    lm, km = _train_both(keras_ref, CASES[case], steps)
    _assert_close(lm, km, rtol, atol)
    assert lm.optimizer.iterations == int(km.optimizer.iterations.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("case", ["ema", "accumulation-ema", "adafactor", "rmsprop-both",
                                  "adam-amsgrad", "nadam", "sgd", "adagrad-init", "ftrl"])
def test_optimizer_variables_match_keras(keras_ref, case):
    lm, km = _train_both(keras_ref, CASES[case], 4)
    lv, kv = lm.optimizer.variables, km.optimizer.variables
    # Keras's weight paths carry the model's name ("sequential_dense_kernel_...")
    # and layer numbers depend on what ran before: compare what follows them.
    def slot(name: str) -> str:
        name = re.sub(r"^variable(_\d+)?$", "variable", name)  # Nadam's unnamed product
        return re.sub(r"^(sequential(_\d+)?_)?dense(_\d+)?_", "", name)

    assert [slot(v.name) for v in lv] == [slot(v.name) for v in kv]
    assert [tuple(v.shape) for v in lv] == [tuple(v.shape) for v in kv]
    for a, b in zip(lv, kv):
        np.testing.assert_allclose(np.asarray(a.numpy(), np.float64),
                                   np.asarray(b.numpy(), np.float64),
                                   rtol=1e-4, atol=1e-5, err_msg=a.name)


@pytest.mark.parity
def test_learning_rate_changed_between_steps_matches_keras(keras_ref):
    rates = [0.01, 0.005, 0.02, 0.001, 0.03]

    def change(opt: Any, step: int) -> None:
        opt.learning_rate = rates[step % len(rates)]

    lm, km = _train_both(keras_ref, lambda lib: lib.optimizers.Adam(0.01), 10, change)
    _assert_close(lm, km, 1e-4, 1e-5)
    assert lm.optimizer.learning_rate == pytest.approx(float(km.optimizer.learning_rate.numpy()))


@pytest.mark.parity
def test_callable_learning_rate_matches_keras(keras_ref):
    lm, km = _train_both(keras_ref, lambda lib: lib.optimizers.SGD(lambda: 0.07), 3)
    _assert_close(lm, km, 1e-5, 1e-6)


@pytest.mark.parity
def test_ema_finalize_matches_keras(keras_ref):
    lm, km = _train_both(keras_ref, CASES["ema"], 5)
    lm.optimizer.finalize_variable_values(lm.trainable_weights)
    km.optimizer.finalize_variable_values(km.trainable_weights)
    _assert_close(lm, km, 1e-4, 1e-5)


# -- schedules ------------------------------------------------------------------------

SCHEDULES: Dict[str, Callable[[Any], Any]] = {
    "exponential": lambda s: s.ExponentialDecay(0.1, 7, 0.8),
    "exponential-staircase": lambda s: s.ExponentialDecay(0.1, 7, 0.8, staircase=True),
    "piecewise": lambda s: s.PiecewiseConstantDecay([10, 50, 100], [1.0, 0.5, 0.1, 0.01]),
    "polynomial": lambda s: s.PolynomialDecay(0.1, 100, end_learning_rate=0.01, power=2.0),
    "polynomial-cycle": lambda s: s.PolynomialDecay(0.1, 30, power=0.5, cycle=True),
    "inverse-time": lambda s: s.InverseTimeDecay(0.1, 10, 0.5),
    "inverse-time-staircase": lambda s: s.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
    "cosine": lambda s: s.CosineDecay(0.1, 100, alpha=0.1),
    "cosine-warmup": lambda s: s.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=20),
    "cosine-restarts": lambda s: s.CosineDecayRestarts(0.1, 10),
    "cosine-restarts-args": lambda s: s.CosineDecayRestarts(0.1, 7, t_mul=1.0, m_mul=0.7,
                                                            alpha=0.05),
    "cosine-restarts-tmul": lambda s: s.CosineDecayRestarts(0.1, 5, t_mul=3.0, m_mul=0.9),
}


@pytest.mark.parity
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_keras(keras_ref, name):
    mine = SCHEDULES[name](schedules)
    theirs = SCHEDULES[name](keras_ref.optimizers.schedules)
    for step in list(range(0, 400)) + [1000, 12345]:
        np.testing.assert_allclose(float(mine(step)), float(theirs(step)), rtol=1e-5, atol=1e-9,
                                   err_msg=f"step {step}")
    assert mine.get_config() == theirs.get_config()
    assert schedules.serialize(mine) == keras_ref.optimizers.schedules.serialize(theirs)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_config_round_trip(name):
    sched = SCHEDULES[name](schedules)
    again = schedules.deserialize(schedules.serialize(sched))
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
    assert float(again(37)) == float(sched(37))


def test_schedule_closed_forms():
    assert float(schedules.ExponentialDecay(1.0, 10, 0.5)(20)) == pytest.approx(0.25)
    assert float(schedules.InverseTimeDecay(1.0, 1, 1.0)(3)) == pytest.approx(0.25)
    assert float(schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)) == \
        pytest.approx(0.5)
    assert float(schedules.CosineDecay(1.0, 10)(5)) == pytest.approx(0.5, abs=1e-6)
    pc = schedules.PiecewiseConstantDecay([3], [1.0, 2.0])
    assert [float(pc(s)) for s in (2, 3, 4)] == [1.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_schedule_used_at_iterations_before_step():
    """Keras evaluates the schedule at `iterations` before the step: the first
    step uses schedule(0)."""
    sched = schedules.PiecewiseConstantDecay([0], [0.5, 0.0])
    model = _model(lamina)
    model.compile(optimizer=lamina.optimizers.SGD(sched), loss="mse")
    before = model.get_weights()
    x, y = _batches(1)[0]
    model.train_on_batch(x, y)
    after = model.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    model.train_on_batch(x, y)  # rate 0 from step 1 on
    np.testing.assert_array_equal(model.get_weights()[0], after[0])
    assert model.optimizer.learning_rate == 0.0


# -- closed-form checks without Keras -----------------------------------------------


def _one_weight_step(opt: Any, w0: np.ndarray, x: np.ndarray, y: np.ndarray,
                     steps: int = 1) -> np.ndarray:
    """A bias-free linear model y = x @ W trained with mse; returns W."""
    model = lamina.Sequential([lamina.Input((w0.shape[0],)),
                               lamina.layers.Dense(w0.shape[1], use_bias=False)])
    model.set_weights([w0])
    model.compile(optimizer=opt, loss="mse")
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model.get_weights()[0]


def _mse_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 2.0 * x.T @ (x @ w - y) / y.size


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    return (rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=(6, 3)).astype(np.float32),
            rng.normal(size=(6, 2)).astype(np.float32))


def test_sgd_closed_form(problem):
    w0, x, y = problem
    got = _one_weight_step(optimizers.SGD(0.1), w0, x, y)
    np.testing.assert_allclose(got, w0 - 0.1 * _mse_grad(w0, x, y), rtol=1e-5, atol=1e-6)


def test_adam_first_step_is_lr_times_sign(problem):
    # After one step m = (1-b1) g, v = (1-b2) g^2: the step is lr * g / (|g| + eps').
    w0, x, y = problem
    got = _one_weight_step(optimizers.Adam(0.01, epsilon=0.0), w0, x, y)
    np.testing.assert_allclose(got, w0 - 0.01 * np.sign(_mse_grad(w0, x, y)), rtol=1e-5)


def test_weight_decay_and_clipvalue_closed_form(problem):
    w0, x, y = problem
    g = np.clip(_mse_grad(w0, x, y), -0.01, 0.01)
    got = _one_weight_step(optimizers.SGD(0.5, weight_decay=0.1, clipvalue=0.01), w0, x, y)
    np.testing.assert_allclose(got, (w0 - w0 * 0.1 * 0.5) - 0.5 * g, rtol=1e-5, atol=1e-6)


def test_global_clipnorm_closed_form(problem):
    w0, x, y = problem
    g = _mse_grad(w0, x, y)
    got = _one_weight_step(optimizers.SGD(1.0, global_clipnorm=0.01), w0, x, y)
    np.testing.assert_allclose(got, w0 - g * 0.01 / np.linalg.norm(g), rtol=1e-5, atol=1e-6)


def test_legacy_decay_closed_form(problem):
    w0, x, y = problem
    w = w0.astype(np.float64)
    for it in range(3):
        w = w - 0.1 / (1 + 0.5 * it) * _mse_grad(w, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt = optimizers.SGD(0.1, decay=0.5)
    got = _one_weight_step(opt, w0, x, y, steps=3)
    np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)
    assert opt.get_config()["decay"] == 0.5
    assert opt.learning_rate == pytest.approx(0.1)


def test_legacy_lr_warns_and_sets_rate():
    with pytest.warns(DeprecationWarning, match="lr"):
        opt = optimizers.Adam(lr=0.02)
    assert opt.learning_rate == pytest.approx(0.02)
    assert opt.lr == opt.learning_rate
    opt.lr = 0.5
    assert opt.learning_rate == 0.5


def test_gradient_accumulation_updates_every_n_steps(problem):
    w0, x, y = problem
    opt = optimizers.SGD(0.1, gradient_accumulation_steps=2)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, use_bias=False)])
    model.set_weights([w0])
    model.compile(optimizer=opt, loss="mse")
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(model.get_weights()[0], w0)
    assert opt.iterations == 0
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], w0 - 0.1 * _mse_grad(w0, x, y),
                               rtol=1e-5, atol=1e-6)
    assert opt.iterations == 1


def test_nadam_state_survives_counter_jump(problem):
    """Nadam's cached momentum product is recomputed when iterations jump."""
    w0, x, y = problem
    a = optimizers.Nadam(0.01)
    ref = _one_weight_step(a, w0, x, y, steps=4)
    b = optimizers.Nadam(0.01)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2, use_bias=False)])
    model.set_weights([w0])
    model.compile(optimizer=b, loss="mse")
    for _ in range(4):
        model.train_on_batch(x, y)
    np.testing.assert_array_equal(model.get_weights()[0], ref)


def test_learning_rate_setter_rules():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    with pytest.raises(ValueError, match="should be float"):
        optimizers.SGD(learning_rate="fast")
    assert optimizers.SGD(learning_rate=1).learning_rate == 1.0


@pytest.mark.parametrize("kwargs,match", [
    ({"clipnorm": 1.0, "clipvalue": 1.0}, "Only one of"),
    ({"gradient_accumulation_steps": 1}, "must be an integer >= 2"),
    ({"use_ema": True, "ema_momentum": 1.5}, "ema_momentum"),
    ({"bogus": 1}, "not recognized"),
])
def test_common_argument_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Adam(**kwargs)


def test_specific_argument_validation():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)


# -- names, get, config --------------------------------------------------------------

NAMES = ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "ftrl",
         "lion", "adafactor"]


@pytest.mark.parity
@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_matches_keras(keras_ref, name):
    mine, theirs = optimizers.get(name), keras_ref.optimizers.get(name)
    assert type(mine).__name__ == type(theirs).__name__
    a, b = mine.get_config(), theirs.get_config()
    a.pop("name"), b.pop("name")
    assert a == b
    assert optimizers.get(name.upper()).__class__ is mine.__class__


@pytest.mark.parity
@pytest.mark.parametrize("case", list(CASES))
def test_config_matches_keras_and_round_trips(keras_ref, case):
    mine, theirs = CASES[case](lamina), CASES[case](keras_ref)
    a, b = mine.get_config(), theirs.get_config()
    assert list(a) == list(b)
    a.pop("name"), b.pop("name")
    assert a == b
    again = type(mine).from_config(mine.get_config())
    assert again.get_config() == mine.get_config()
    ser = optimizers.serialize(mine)
    assert ser["class_name"] == keras_ref.optimizers.serialize(theirs)["class_name"]
    assert optimizers.deserialize(ser).get_config() == mine.get_config()
    assert optimizers.get(ser).get_config() == mine.get_config()


def test_get_errors_and_passthrough():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: nope"):
        optimizers.get("nope")
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert isinstance(optimizers.get(optimizers.Lion), optimizers.Lion)


def test_compile_default_is_rmsprop():
    model = _model(lamina)
    model.compile(loss="mse")
    assert isinstance(model.optimizer, optimizers.RMSprop)
    x, y = _batches(1)[0]
    model.train_on_batch(x, y)
    assert model.optimizer.iterations == 1


def test_iterations_counts_steps():
    model = _model(lamina)
    model.compile(optimizer="adam", loss="mse")
    for x, y in _batches(3):
        model.train_on_batch(x, y)
    assert model.optimizer.iterations == 3
    assert int(model.optimizer.variables[0].numpy()) == 3
