"""Losses: every Keras 3 loss and option against real Keras (standalone calls
with every reduction and sample weights, and a few training steps), gradients
of the native kernels against float64 finite differences, config round trips
and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina
from lamina import _core

K = _core.kernels
RNG = np.random.default_rng(7)
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


# -- inputs -----------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _inputs(kind, rng, rows=6, cols=4):
    """(y_true, y_pred) float32 for one kind of loss input."""
    z = rng.standard_normal((rows, cols)) * 2
    if kind == "reg":
        return rng.standard_normal((rows, cols)), z
    if kind == "away":  # targets away from 0 (MAPE divides by them)
        return rng.uniform(0.5, 3, (rows, cols)), z
    if kind == "pos":
        return rng.uniform(0, 3, (rows, cols)), rng.uniform(0.01, 3, (rows, cols))
    if kind == "dist":  # probability vectors, one with zeros (clipped)
        t, p = _softmax(rng.standard_normal((rows, cols))), _softmax(z)
        t[0, 0], p[1, 1] = 0.0, 0.0
        return t, p
    if kind == "pm1":
        return rng.choice([-1.0, 1.0], (rows, cols)), z
    if kind == "binary_prob":
        p = 1 / (1 + np.exp(-z))
        p[0, 0], p[1, 1] = 0.0, 1.0  # saturated: clipped
        return rng.integers(0, 2, (rows, cols)).astype(float), p
    if kind == "binary_logit":
        return rng.integers(0, 2, (rows, cols)).astype(float), z
    if kind == "onehot_prob":
        p = _softmax(z)
        p[0] = [1.0, 0.0, 0.0, 0.0]  # saturated row
        return np.eye(cols)[rng.integers(0, cols, rows)], p
    if kind == "onehot_logit":
        return np.eye(cols)[rng.integers(0, cols, rows)], z
    if kind == "sparse_prob":
        return rng.integers(0, cols, rows).astype(float), _softmax(z)
    if kind == "sparse_logit":
        return rng.integers(0, cols, rows).astype(float), z
    raise AssertionError(kind)


# (class name, constructor kwargs, input kind)
CASES = [
    ("MeanSquaredError", {}, "reg"),
    ("MeanAbsoluteError", {}, "reg"),
    ("MeanAbsolutePercentageError", {}, "reg"),
    ("MeanSquaredLogarithmicError", {}, "pos"),
    ("Huber", {}, "reg"),
    ("Huber", {"delta": 0.5}, "reg"),
    ("LogCosh", {}, "reg"),
    ("Poisson", {}, "pos"),
    ("KLDivergence", {}, "dist"),
    ("Hinge", {}, "pm1"),
    ("Hinge", {}, "binary_logit"),
    ("SquaredHinge", {}, "pm1"),
    ("SquaredHinge", {}, "binary_logit"),
    ("CategoricalHinge", {}, "onehot_logit"),
    ("CosineSimilarity", {}, "reg"),
    ("BinaryCrossentropy", {}, "binary_prob"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_prob"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logit"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logit"),
    ("BinaryFocalCrossentropy", {}, "binary_prob"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5},
     "binary_prob"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1, "gamma": 3.0},
     "binary_logit"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "apply_class_balancing": True},
     "binary_logit"),
    ("CategoricalCrossentropy", {}, "onehot_prob"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot_prob"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot_logit"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logit"),
    ("CategoricalFocalCrossentropy", {}, "onehot_prob"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.1},
     "onehot_prob"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot_logit"),
    ("SparseCategoricalCrossentropy", {}, "sparse_prob"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logit"),
]


def _case_id(case):
    name, kwargs, kind = case
    return f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items()) or 'default'}-{kind}"


def _f32(*arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def _close(got, want, what):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6,
                               err_msg=what)


# -- standalone calls vs Keras -------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_loss_class_matches_keras_for_every_reduction(case, keras_ref):
    name, kwargs, kind = case
    rng = np.random.default_rng(abs(hash(_case_id(case))) % 2**32)
    y, p = _f32(*_inputs(kind, rng))
    sw = rng.uniform(0, 2, len(y)).astype(np.float32)
    for reduction in REDUCTIONS:
        ours = getattr(lamina.losses, name)(reduction=reduction, **kwargs)
        ref = getattr(keras_ref.losses, name)(reduction=reduction, **kwargs)
        for weights in (None, sw):
            want = np.asarray(ref(y, p, sample_weight=weights))
            got = ours(y, p, sample_weight=weights)
            what = f"{name} {kwargs} reduction={reduction} weighted={weights is not None}"
            _close(got, want, what)


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_loss_function_matches_keras(case, keras_ref):
    name, kwargs, kind = case
    rng = np.random.default_rng(3)
    y, p = _f32(*_inputs(kind, rng))
    cls = getattr(lamina.losses, name)
    fn_name = cls(**kwargs).fn.__name__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.asarray(getattr(keras_ref.losses, fn_name)(y, p, **kwargs))
    got = getattr(lamina.losses, fn_name)(y, p, **kwargs)
    assert got.shape == want.shape
    _close(got, want, fn_name)


@pytest.mark.parity
def test_ignore_class_matches_keras(keras_ref):
    rng = np.random.default_rng(11)
    p = _softmax(rng.standard_normal((3, 5, 4))).astype(np.float32)  # segmentation-like
    y = rng.integers(0, 4, (3, 5)).astype(np.float32)
    y[0, 1], y[2, 3], y[1, 0] = 255, 255, 255
    sw = rng.uniform(0, 2, (3, 5)).astype(np.float32)
    for reduction in REDUCTIONS:
        for from_logits in (False, True):
            kw = dict(ignore_class=255, from_logits=from_logits, reduction=reduction)
            for weights in (None, sw):
                want = keras_ref.losses.SparseCategoricalCrossentropy(**kw)(y, p, weights)
                got = lamina.losses.SparseCategoricalCrossentropy(**kw)(y, p, weights)
                _close(got, np.asarray(want), f"{kw} weighted={weights is not None}")


@pytest.mark.parity
@pytest.mark.parametrize("shapes", [((5,), (5, 1)), ((5, 1), (5,)), ((5, 1), (5, 1)),
                                    ((2, 3, 4), (2, 3, 4))])
def test_rank_handling_matches_keras(shapes, keras_ref):
    rng = np.random.default_rng(5)
    t = rng.integers(0, 2, shapes[0]).astype(np.float32)
    p = rng.uniform(0.1, 0.9, shapes[1]).astype(np.float32)
    sw = rng.uniform(0, 1, shapes[0][:-1] if len(shapes[0]) > 2 else shapes[0][:1])
    sw = sw.astype(np.float32)
    for name in ("MeanSquaredError", "BinaryCrossentropy", "Hinge", "Huber"):
        for weights in (None, sw):
            want = getattr(keras_ref.losses, name)()(t, p, weights)
            got = getattr(lamina.losses, name)()(t, p, weights)
            _close(got, np.asarray(want), f"{name} {shapes}")


# -- gradients of the native kernels ---------------------------------------------

# (native name, params, input kind) for every loss and its distinct code paths.
NATIVE = [
    ("mean_squared_error", {}, "reg"),
    ("mean_absolute_error", {}, "reg"),
    ("mean_absolute_percentage_error", {}, "reg"),
    ("mean_squared_logarithmic_error", {}, "pos"),
    ("huber", {"delta": 0.7}, "reg"),
    ("log_cosh", {}, "reg"),
    ("poisson", {}, "pos"),
    ("kl_divergence", {}, "pos"),
    ("hinge", {}, "pm1"),
    ("hinge", {}, "binary_logit"),
    ("squared_hinge", {}, "binary_logit"),
    ("categorical_hinge", {}, "onehot_logit"),
    ("cosine_similarity", {}, "reg"),
    ("binary_crossentropy", {"label_smoothing": 0.1}, "binary_prob"),
    ("binary_crossentropy", {"from_logits": 1, "label_smoothing": 0.1}, "binary_logit"),
    ("binary_focal_crossentropy", {"gamma": 2.5, "apply_class_balancing": 1}, "binary_prob"),
    ("binary_focal_crossentropy", {"from_logits": 1, "label_smoothing": 0.2}, "binary_logit"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot_prob"),
    ("categorical_crossentropy", {"from_logits": 1, "label_smoothing": 0.1}, "onehot_logit"),
    ("categorical_focal_crossentropy", {"gamma": 1.5, "alpha": 0.4}, "onehot_prob"),
    ("categorical_focal_crossentropy", {"from_logits": 1, "label_smoothing": 0.1},
     "onehot_logit"),
    ("sparse_categorical_crossentropy", {}, "sparse_prob"),
    ("sparse_categorical_crossentropy", {"from_logits": 1}, "sparse_logit"),
    ("sparse_categorical_crossentropy", {"from_logits": 1, "ignore_class": 2}, "sparse_logit"),
]


def _smooth_inputs(kind, rng):
    """float64 inputs away from kinks and clip bounds, for finite differences."""
    y, p = _inputs(kind, rng)
    if kind in ("binary_prob", "onehot_prob", "sparse_prob", "dist"):
        p = rng.uniform(0.05, 0.95, p.shape)
    if kind in ("reg", "pm1", "binary_logit", "onehot_logit"):
        p = p + np.where(np.abs(p - y) < 0.05, 0.3, 0.0)  # off the |x| kinks
    return np.asarray(y, np.float64), np.asarray(p, np.float64)


@pytest.mark.parametrize("native", NATIVE, ids=lambda n: f"{n[0]}-{n[1]}-{n[2]}")
def test_native_gradients_match_finite_differences(native):
    name, params, kind = native
    rng = np.random.default_rng(17)
    y, p = _smooth_inputs(kind, rng)
    sw = rng.uniform(0.5, 2, len(p))
    total, rows, grad = K.loss(name, p, y, sw, {k: float(v) for k, v in params.items()})
    assert total == pytest.approx(float(np.sum(rows * sw)), rel=1e-12)
    h = 1e-6
    numeric = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        up, down = p.copy(), p.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (K.loss(name, up, y, sw, params)[0]
                        - K.loss(name, down, y, sw, params)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7, err_msg=name)
    # The float32 kernel agrees with the float64 reference.
    t32, rows32, g32 = K.loss(name, *_f32(p, y, sw), params)
    assert t32 == pytest.approx(total, rel=1e-5)
    np.testing.assert_allclose(g32, grad, rtol=1e-4, atol=1e-6)


def test_fused_logits_path_equals_explicit_logits():
    """The engine hands softmax/sigmoid logits to the crossentropies."""
    rng = np.random.default_rng(2)
    z = rng.standard_normal((5, 3))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    a = K.loss("categorical_crossentropy", z, y, None, {}, True)
    b = K.loss("categorical_crossentropy", z, y, None, {"from_logits": 1.0})
    np.testing.assert_allclose(a[2], b[2])
    assert a[0] == pytest.approx(b[0])


def test_clipped_probabilities_stay_finite_without_gradient():
    p = np.array([[0.0, 1.0, 0.5]], dtype=np.float32)
    y = np.array([[1.0, 0.0, 1.0]], dtype=np.float32)
    total, _, grad = K.loss("binary_crossentropy", p, y)
    one_minus_eps = float(np.float32(1 - 1e-7))  # the clip bound in float32
    want = (-np.log(1e-7) - np.log(1 - one_minus_eps) + np.log(2)) / 3
    assert total == pytest.approx(want, rel=1e-5)
    assert grad[0, 0] == 0 and grad[0, 1] == 0 and grad[0, 2] != 0


def test_reduction_scale_masks_ignored_rows():
    y = np.array([0, 5, 1, 5], dtype=np.float32)
    sw = np.array([1, 2, 3, 4], dtype=np.float32)
    params = {"ignore_class": 5.0}
    assert K.loss_reduction_scale("sparse_categorical_crossentropy", dict(params, reduction=0.0),
                                  sw, y, 4, 3) == (0.5, 0.5)
    assert K.loss_reduction_scale("sparse_categorical_crossentropy", dict(params, reduction=2.0),
                                  sw, y, 4, 3) == (0.25, 0.25)
    assert K.loss_reduction_scale("mean_squared_error", {"reduction": 3.0}, None,
                                  np.zeros(8, np.float32), 4, 2) == (1.0, 0.25)


# -- labels ---------------------------------------------------------------------


def test_sparse_labels_are_checked_but_ignore_class_may_be_out_of_range():
    p = _softmax(RNG.standard_normal((4, 3))).astype(np.float32)
    loss = lamina.losses.SparseCategoricalCrossentropy(ignore_class=-1)
    assert np.isfinite(loss(np.array([0, -1, 2, -1]), p))
    with pytest.raises(ValueError, match=r"label value of 3 at position 2"):
        loss(np.array([0, -1, 3, 1]), p)
    with pytest.raises(ValueError, match=r"label value of 1.5"):
        lamina.losses.sparse_categorical_crossentropy(np.array([0, 1.5, 2, 1]), p)


def test_training_with_ignore_class_accepts_out_of_range_labels():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4, activation="softmax")])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(ignore_class=255))
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    loss = model.train_on_batch(x, np.array([0, 255, 3, 1, 255, 2]))
    assert np.isfinite(loss)
    with pytest.raises(ValueError, match="label value of 7"):
        model.train_on_batch(x, np.array([0, 255, 7, 1, 255, 2]))


# -- training vs Keras ----------------------------------------------------------

# (loss as compile receives it, output units, output activation, input kind)
TRAINING = [
    ("mse", 3, None, "reg"),
    ("mae", 3, None, "reg"),
    ("mape", 3, None, "away"),
    ("msle", 3, "sigmoid", "pos"),
    (("Huber", {"delta": 0.5}), 3, None, "reg"),
    ("log_cosh", 3, None, "reg"),
    ("poisson", 3, "sigmoid", "pos"),
    ("kl_divergence", 4, "softmax", "dist"),
    ("hinge", 3, "tanh", "binary_logit"),
    ("squared_hinge", 3, None, "pm1"),
    ("categorical_hinge", 4, None, "onehot_logit"),
    ("cosine_similarity", 3, None, "reg"),
    ("binary_crossentropy", 3, "sigmoid", "binary_logit"),
    (("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}), 3, None,
     "binary_logit"),
    (("BinaryCrossentropy", {"from_logits": True}), 3, "sigmoid", "binary_logit"),
    ("binary_focal_crossentropy", 3, "sigmoid", "binary_logit"),
    (("BinaryFocalCrossentropy", {"from_logits": True, "apply_class_balancing": True}), 3,
     None, "binary_logit"),
    ("categorical_crossentropy", 4, "softmax", "onehot_logit"),
    (("CategoricalCrossentropy", {"label_smoothing": 0.2, "reduction": "sum"}), 4, "softmax",
     "onehot_logit"),
    (("CategoricalCrossentropy", {"from_logits": True}), 4, None, "onehot_logit"),
    ("categorical_focal_crossentropy", 4, "softmax", "onehot_logit"),
    (("CategoricalFocalCrossentropy", {"from_logits": True, "gamma": 1.0}), 4, None,
     "onehot_logit"),
    ("sparse_categorical_crossentropy", 4, "softmax", "sparse_logit"),
    (("SparseCategoricalCrossentropy", {"from_logits": True, "reduction": "none"}), 4,
     "softmax", "sparse_logit"),
    (("SparseCategoricalCrossentropy", {"ignore_class": 1}), 4, "softmax", "sparse_logit"),
    (("MeanSquaredError", {"reduction": "mean_with_sample_weight"}), 3, None, "reg"),
]


def _loss_arg(module, spec):
    if isinstance(spec, tuple):
        return getattr(module.losses, spec[0])(**spec[1])
    return spec


@pytest.mark.parity
@pytest.mark.parametrize("spec", TRAINING, ids=lambda s: str(s[0]))
def test_training_steps_match_keras(spec, keras_ref):
    loss_spec, units, activation, kind = spec
    rng = np.random.default_rng(23)
    y, _ = _inputs(kind, rng, rows=8, cols=units)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    y = np.asarray(y, np.float32)
    sw = rng.uniform(0.2, 2, 8).astype(np.float32)

    def build(module):
        model = module.Sequential([
            module.Input((5,)),
            module.layers.Dense(6, activation="tanh"),
            module.layers.Dense(units, activation=activation),
        ])
        model.compile(optimizer=module.optimizers.SGD(0.05), loss=_loss_arg(module, loss_spec))
        return model

    ref, ours = build(keras_ref), build(lamina)
    ours.set_weights(ref.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in range(3):
            weights = sw if step % 2 else None
            want = ref.train_on_batch(x, y, sample_weight=weights)
            got = ours.train_on_batch(x, y, sample_weight=weights)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"loss {step}")
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# -- configs, get, errors -------------------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_config_round_trip_matches_keras(case, keras_ref):
    name, kwargs, _ = case
    ours = getattr(lamina.losses, name)(reduction="sum", **kwargs)
    ref = getattr(keras_ref.losses, name)(reduction="sum", **kwargs)
    assert ours.get_config() == ref.get_config()
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    back = lamina.losses.deserialize(lamina.losses.serialize(ours))
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert lamina.losses.serialize(ours) == keras_ref.losses.serialize(ref)


@pytest.mark.parity
def test_get_resolves_names_like_keras(keras_ref):
    for name in ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "bce",
                 "BCE", "huber", "log_cosh", "poisson", "hinge", "squared_hinge",
                 "categorical_hinge", "cosine_similarity", "binary_crossentropy",
                 "binary_focal_crossentropy", "categorical_crossentropy",
                 "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
                 "kl_divergence", "mean_squared_error"]:
        ref, ours = keras_ref.losses.get(name), lamina.losses.get(name)
        assert ours.__name__ == ref.__name__, name
    for name in ["MeanSquaredError", "Huber", "SparseCategoricalCrossentropy"]:
        assert type(lamina.losses.get(name)).__name__ == type(keras_ref.losses.get(name)).__name__
    got = lamina.losses.get({"class_name": "CategoricalCrossentropy",
                             "config": {"from_logits": True}})
    assert got.from_logits is True
    assert lamina.losses.get("logcosh") is lamina.losses.log_cosh  # tf.keras 2.x name


def test_unknown_names_and_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        lamina.losses.get("no_such_loss")
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        lamina.losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        lamina.losses.categorical_crossentropy(np.eye(3), np.eye(3), axis=True)
    with pytest.raises(ValueError, match="Only axis=-1"):
        lamina.losses.sparse_categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 3, 4)),
                                                      axis=1)
    with pytest.raises(ValueError, match="same shape"):
        lamina.losses.CategoricalCrossentropy()(np.eye(3), np.ones((3, 4)) / 4)
    with pytest.raises(ValueError, match="no loss"):
        K.loss("no_such_loss", np.zeros((2, 2)), np.zeros((2, 2)))
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        model.compile("sgd", "no_such_loss")
    with pytest.raises(ValueError, match="automatic differentiation"):
        model.compile("sgd", lambda t, p: (t - p) ** 2)


def test_compile_accepts_every_name_function_and_class():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    y = RNG.uniform(0.1, 0.9, (4, 2)).astype(np.float32)
    for ident in ["mse", "MAE", "logcosh", "kld", lamina.losses.huber, lamina.losses.Poisson,
                  lamina.losses.Huber(delta=2.0), {"class_name": "LogCosh", "config": {}}]:
        model = lamina.Sequential([lamina.Input((3,)),
                                   lamina.layers.Dense(2, activation="sigmoid")])
        model.compile("sgd", ident)
        assert np.isfinite(model.train_on_batch(x, y)), ident


def test_closed_form_values():
    L = lamina.losses
    assert float(L.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])) == pytest.approx(0.5)
    assert float(L.Huber(delta=1.0)([[0.0]], [[3.0]])) == pytest.approx(2.5)
    assert float(L.CosineSimilarity()([[1.0, 0.0]], [[2.0, 0.0]])) == pytest.approx(-1.0)
    assert float(L.Hinge()([[1.0]], [[0.25]])) == pytest.approx(0.75)
    assert float(L.SparseCategoricalCrossentropy(from_logits=True)([0], [[0.0, 0.0]])) == (
        pytest.approx(np.log(2)))
    got = L.MeanSquaredError(reduction="mean_with_sample_weight")(
        [[0.0], [0.0]], [[1.0], [2.0]], sample_weight=[1.0, 3.0])
    assert float(got) == pytest.approx((1 + 12) / 4)
