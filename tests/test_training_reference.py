"""lamina's training steps against a pure-numpy float64 reference.

The MLP Input(20) -> Dense(64, relu) -> Dense(3, softmax) is trained for 20
steps by lamina and by a numpy implementation of the same forward pass,
softmax crossentropy (computed from the logits), backward pass and Keras 3's
optimizer formulas, starting from lamina's initial weights. Every weight is
compared after every step, and the loss lamina returns with the loss of the
reference's forward pass before the update. No Keras needed.

Keras 3 formulas (`keras/src/optimizers/adam.py`, `sgd.py`):

    Adam:  alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
           m += (g - m) * (1 - beta_1);  v += (g*g - v) * (1 - beta_2)
           w -= alpha * m / (sqrt(v) + epsilon)
    SGD:   m = momentum * m - lr * g
           w += momentum * m - lr * g   (nesterov)   or   w += m
           (momentum 0: w -= lr * g)

Tolerances: lamina works in float32, the reference in float64. Weights:
RTOL = 1e-4 / ATOL = 1e-5; the measured worst difference over 20 steps was
9e-7 (Adam, lr 1e-2; SGD about 2e-7) on weights of order 0.1-1, while a
formula error moves them much more (epsilon added to sqrt(v_hat) instead of
sqrt(v) was measured at 8e-4 with the default epsilon and 4e-2 in the
`adam-eps1e-3` case, whose non-default betas also catch swapped betas).
Losses: LOSS_RTOL = 1e-4 with LOSS_ATOL = 1e-6 -- the loss falls towards
0.01 within 20 steps, where float32 rounding of log(p) near p = 1 gives
relative differences of a few 1e-6 (measured 3.4e-6).
"""

from __future__ import annotations

from typing import List, Tuple

import numpy as np
import pytest

import lamina

RTOL = 1e-4
ATOL = 1e-5
LOSS_RTOL = 1e-4
LOSS_ATOL = 1e-6
N_FEATURES, N_HIDDEN, N_CLASSES = 20, 64, 3
N_STEPS = 20
BATCH = 16

Params = List[np.ndarray]


# -- numpy reference ---------------------------------------------------------------


def reference_loss_and_grads(params: Params, x: np.ndarray,
                             labels: np.ndarray) -> Tuple[float, Params]:
    """Mean softmax crossentropy of the MLP on (x, labels) and its gradients,
    in float64."""
    w1, b1, w2, b2 = params
    pre = x @ w1 + b1
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ w2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    rows = np.arange(n)
    loss = -log_probs[rows, labels].mean()

    d_logits = np.exp(log_probs)
    d_logits[rows, labels] -= 1.0
    d_logits /= n  # "sum_over_batch_size" reduction
    d_w2 = hidden.T @ d_logits
    d_b2 = d_logits.sum(axis=0)
    d_pre = (d_logits @ w2.T) * (pre > 0.0)
    d_w1 = x.T @ d_pre
    d_b1 = d_pre.sum(axis=0)
    return float(loss), [d_w1, d_b1, d_w2, d_b2]


class ReferenceAdam:
    def __init__(self, params: Params, learning_rate: float, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7) -> None:
        self.lr, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def apply(self, params: Params, grads: Params) -> None:
        self.t += 1
        alpha = (self.lr * np.sqrt(1.0 - self.beta_2 ** self.t)
                 / (1.0 - self.beta_1 ** self.t))
        for w, g, m, v in zip(params, grads, self.m, self.v):
            m += (g - m) * (1.0 - self.beta_1)
            v += (g * g - v) * (1.0 - self.beta_2)
            w -= alpha * m / (np.sqrt(v) + self.epsilon)


class ReferenceSGD:
    def __init__(self, params: Params, learning_rate: float, momentum: float = 0.0,
                 nesterov: bool = False) -> None:
        self.lr, self.momentum, self.nesterov = learning_rate, momentum, nesterov
        self.m = [np.zeros_like(p) for p in params]

    def apply(self, params: Params, grads: Params) -> None:
        for w, g, m in zip(params, grads, self.m):
            if self.momentum == 0.0:
                w -= self.lr * g
                continue
            m *= self.momentum
            m -= self.lr * g
            if self.nesterov:
                w += self.momentum * m - self.lr * g
            else:
                w += m


# (id, lamina optimizer, reference optimizer) -- built from the same arguments.
_OPTIMIZERS = {
    "adam": (lamina.optimizers.Adam, ReferenceAdam, {"learning_rate": 1e-2}),
    "adam-eps1e-3": (lamina.optimizers.Adam, ReferenceAdam,
                     {"learning_rate": 1e-2, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
    "sgd": (lamina.optimizers.SGD, ReferenceSGD, {"learning_rate": 0.1}),
    "sgd-momentum": (lamina.optimizers.SGD, ReferenceSGD,
                     {"learning_rate": 0.05, "momentum": 0.9}),
    "sgd-nesterov": (lamina.optimizers.SGD, ReferenceSGD,
                     {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
}


# -- helpers ---------------------------------------------------------------------------


def _model(from_logits: bool) -> Tuple[lamina.Sequential, object]:
    """The MLP and its loss: a softmax output with crossentropy on
    probabilities (the usual script), or a linear output with
    `from_logits=True`. Both have the same gradient as the reference."""
    model = lamina.Sequential([
        lamina.Input((N_FEATURES,)),
        lamina.layers.Dense(N_HIDDEN, activation="relu"),
        lamina.layers.Dense(N_CLASSES, activation=None if from_logits else "softmax"),
    ])
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    return model, loss


def _data(seed: int, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """Features with a learnable class structure, so the steps move the weights
    in a consistent direction."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, size=n)
    centers = rng.normal(size=(N_CLASSES, N_FEATURES))
    x = centers[labels] + rng.normal(size=(n, N_FEATURES))
    return x.astype(np.float32), labels


def _assert_weights_close(model: lamina.Sequential, params: Params, when: str) -> None:
    got = model.get_weights()
    assert [w.shape for w in got] == [p.shape for p in params]
    for i, (a, b) in enumerate(zip(got, params)):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"weight {i} {when}")


def _start(name: str, from_logits: bool):
    lamina_cls, reference_cls, kwargs = _OPTIMIZERS[name]
    model, loss = _model(from_logits)
    model.compile(optimizer=lamina_cls(**kwargs), loss=loss)
    params = [w.astype(np.float64) for w in model.get_weights()]
    return model, params, reference_cls(params, **kwargs)


# -- tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("from_logits", [False, True], ids=["softmax", "logits"])
@pytest.mark.parametrize("name", list(_OPTIMIZERS))
def test_train_on_batch_matches_numpy_reference(name, from_logits):
    model, params, optimizer = _start(name, from_logits)
    x, labels = _data(seed=7, n=N_STEPS * BATCH)
    moved = 0.0
    for step in range(N_STEPS):
        xb = x[step * BATCH:(step + 1) * BATCH]
        yb = labels[step * BATCH:(step + 1) * BATCH]
        got_loss = model.train_on_batch(xb, yb)
        want_loss, grads = reference_loss_and_grads(params, xb.astype(np.float64), yb)
        np.testing.assert_allclose(got_loss, want_loss, rtol=LOSS_RTOL, atol=LOSS_ATOL,
                                   err_msg=f"loss at step {step}")
        before = [p.copy() for p in params]
        optimizer.apply(params, grads)
        moved = max(moved, max(float(np.abs(p - b).max()) for p, b in zip(params, before)))
        _assert_weights_close(model, params, f"after step {step}")
    # The comparison means something only if the steps are large next to ATOL.
    assert moved > 100 * ATOL


@pytest.mark.parametrize("name", ["adam", "sgd-nesterov"])
def test_fit_matches_numpy_reference(name):
    """fit(shuffle=False) takes the batches in order: 20 steps of 16 samples
    from 320, and the epoch's loss is the mean of the batch losses."""
    model, params, optimizer = _start(name, from_logits=False)
    x, labels = _data(seed=11, n=N_STEPS * BATCH)
    history = model.fit(x, labels, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    losses = []
    for step in range(N_STEPS):
        sl = slice(step * BATCH, (step + 1) * BATCH)
        loss, grads = reference_loss_and_grads(params, x[sl].astype(np.float64), labels[sl])
        losses.append(loss)
        optimizer.apply(params, grads)
    _assert_weights_close(model, params, "after fit")
    np.testing.assert_allclose(history.history["loss"], [np.mean(losses)], rtol=LOSS_RTOL,
                               atol=LOSS_ATOL)
    assert history.params["steps"] == N_STEPS


def test_reference_gradients_match_finite_differences():
    """The reference itself: its gradients against central differences."""
    rng = np.random.default_rng(3)
    params = [rng.normal(scale=0.3, size=s) for s in
              ((N_FEATURES, N_HIDDEN), (N_HIDDEN,), (N_HIDDEN, N_CLASSES), (N_CLASSES,))]
    x = rng.normal(size=(5, N_FEATURES))
    labels = rng.integers(0, N_CLASSES, size=5)
    _, grads = reference_loss_and_grads(params, x, labels)
    h = 1e-6
    for p, g in zip(params, grads):
        for idx in list(np.ndindex(p.shape))[:: max(1, p.size // 25)]:
            old = p[idx]
            p[idx] = old + h
            up, _ = reference_loss_and_grads(params, x, labels)
            p[idx] = old - h
            down, _ = reference_loss_and_grads(params, x, labels)
            p[idx] = old
            assert abs((up - down) / (2 * h) - g[idx]) < 1e-6
