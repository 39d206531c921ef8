"""Masking and masks end to end: the Masking layer (run_layer_test, values,
gradient), and a mask from Embedding(mask_zero=True) or Masking travelling
to the loss and metrics as per-timestep weights, against real Keras 3 --
with sample weights, temporal weights, class weights and weighted metrics,
through GlobalAveragePooling1D, in evaluate, and not in predict -- plus the
warning of a layer that drops a mask and BatchNormalization's refusal."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Tuple

import numpy as np
import pytest
from layer_test_utils import check_gradients, run_layer_test

import lamina

N, T, V, C = 28, 7, 12, 3  # samples (3 full batches of 8 and one of 4), steps, vocab, classes
DROP_WARNING = (
    "Layer 'flatten' (of type Flatten) was passed an input with a mask attached to it. However, "
    "this layer does not support masking and will therefore destroy the mask information. "
    "Downstream layers will not see the mask."
)


def _padded_ids(seed: int = 0) -> np.ndarray:
    """Sequences of random length, padded with 0, with a few 0s inside too."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, V, size=(N, T))
    for i, length in enumerate(rng.integers(1, T + 1, size=N)):
        x[i, length:] = 0
    x[rng.random(size=x.shape) < 0.1] = 0
    x[0] = 0  # one sample entirely masked
    return x


def _padded_features(seed: int = 1, features: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, features)).astype(np.float32)
    x[rng.random(size=(N, T)) < 0.3] = 0.0
    return x


def _pair(keras: Any, build: Callable[[Any], Any]) -> Tuple[Any, Any]:
    km, lm = build(keras), build(lamina)
    lm.set_weights(km.get_weights())
    return km, lm


def _assert_histories_equal(lh: Dict[str, Any], kh: Dict[str, Any], rtol: float = 1e-5) -> None:
    assert sorted(lh) == sorted(kh)
    for key in kh:
        np.testing.assert_allclose(lh[key], kh[key], rtol=rtol, atol=1e-7, err_msg=key)


def _assert_weights_equal(lm: Any, km: Any) -> None:
    for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=f"weight {i}")


# -- the Masking layer --------------------------------------------------------------


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{}, {"mask_value": -1.0}])
def test_masking(keras_ref: Any, kwargs: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # run_layer_test's Flatten head drops the mask
        run_layer_test("Masking", kwargs, (4, 3), (4, 3), keras=keras_ref)


@pytest.mark.parity
def test_masking_values_match_keras(keras_ref: Any) -> None:
    x = _padded_features()
    x[2, 1] = [0.0, 0.0, 5.0]  # one zero feature is not a masked step
    x[3, 2] = [-1.0, -1.0, -1.0]
    for mask_value in (0.0, -1.0):
        outs = [lib.Sequential([lib.Input((T, 3)), lib.layers.Masking(mask_value)]).predict(
            x, verbose=0) for lib in (lamina, keras_ref)]
        np.testing.assert_array_equal(outs[0], np.asarray(outs[1]))
        keep = (x != mask_value).any(axis=-1, keepdims=True)
        np.testing.assert_array_equal(outs[0], np.where(keep, x, 0.0))
    assert lamina.layers.Masking(-1.0).get_config()["mask_value"] == -1.0


def test_masking_refuses_a_non_number() -> None:
    with pytest.raises(ValueError, match="`mask_value` must be a number. Received: "
                                         "mask_value='pad'"):
        lamina.layers.Masking("pad")


def _dense_masking_dense(lib: Any) -> Any:
    # Zero input steps give exact zeros from the bias-free Dense: they are
    # masked whatever its kernel, so the mask is fixed under perturbation.
    return lib.Sequential([lib.Input((T, 3)), lib.layers.Dense(4, use_bias=False),
                           lib.layers.Masking(), lib.layers.Dense(2)])


def test_masking_gradient_matches_finite_differences() -> None:
    x = _padded_features()[:6]
    y = np.random.default_rng(2).normal(size=(6, T, 2)).astype(np.float32)
    check_gradients(_dense_masking_dense(lamina), x, y, samples=8)


@pytest.mark.parity
def test_masking_between_layers_trains_like_keras(keras_ref: Any) -> None:
    x = _padded_features()
    y = np.random.default_rng(3).normal(size=(N, T, 2)).astype(np.float32)
    km, lm = _pair(keras_ref, _dense_masking_dense)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.1), "mse", metrics=["mae"])
    kh = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    lh = lm.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)


# -- a mask at the loss and metrics ---------------------------------------------------


def _tagger(lib: Any) -> Any:
    """Embedding(mask_zero) -> Dense per step: the mask reaches the output."""
    return lib.Sequential([lib.Input((T,)), lib.layers.Embedding(V, 5, mask_zero=True),
                           lib.layers.Dropout(0.0),
                           lib.layers.Dense(C, activation="softmax")])


@pytest.mark.parity
@pytest.mark.parametrize("weighting", ["none", "sample", "temporal", "class"])
def test_masked_loss_and_metrics_match_keras(keras_ref: Any, weighting: str) -> None:
    x = _padded_ids()
    rng = np.random.default_rng(4)
    y = rng.integers(0, C, size=(N, T))
    sw = rng.uniform(0.5, 2.0, size=N).astype(np.float32)
    temporal = rng.uniform(0.0, 2.0, size=(N, T)).astype(np.float32)
    class_weight = {0: 1.0, 1: 2.5, 2: 0.5}
    # Keras 3 refuses 1-D weights next to a (N, T) mask and class_weight for
    # sequence targets; the same weights reach it as (N, 1) / (N, T) arrays.
    lamina_args: Dict[str, Any] = {
        "none": {}, "sample": {"sample_weight": sw}, "temporal": {"sample_weight": temporal},
        "class": {"class_weight": class_weight}}[weighting]
    keras_args: Dict[str, Any] = {
        "none": {}, "sample": {"sample_weight": sw[:, None]},
        "temporal": {"sample_weight": temporal},
        "class": {"sample_weight": np.vectorize(class_weight.get)(y).astype(np.float32)},
    }[weighting]
    km, lm = _pair(keras_ref, _tagger)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.5), "sparse_categorical_crossentropy",
                      metrics=["accuracy"], weighted_metrics=["accuracy"])
    kh = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, **keras_args).history
    lh = lm.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, **lamina_args).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)
    eval_args = {k: v for k, v in keras_args.items()}
    lamina_eval = {k: v for k, v in lamina_args.items() if k != "class_weight"}
    if weighting == "class":
        lamina_eval = eval_args  # evaluate takes no class_weight
    kr = km.evaluate(x, y, verbose=0, return_dict=True, **eval_args)
    lr = lm.evaluate(x, y, verbose=0, return_dict=True, **lamina_eval)
    _assert_histories_equal({k: [v] for k, v in lr.items()}, {k: [v] for k, v in kr.items()})


@pytest.mark.parity
@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
def test_masked_loss_reductions_match_keras(keras_ref: Any, reduction: str) -> None:
    x = _padded_ids()
    rng = np.random.default_rng(8)
    y = rng.integers(0, C, size=(N, T))
    temporal = rng.uniform(0.5, 2.0, size=(N, T)).astype(np.float32)
    km, lm = _pair(keras_ref, _tagger)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.05),
                      lib.losses.SparseCategoricalCrossentropy(reduction=reduction))
    kh = km.fit(x, y, sample_weight=temporal, epochs=2, batch_size=8, shuffle=False,
                verbose=0).history
    lh = lm.fit(x, y, sample_weight=temporal, epochs=2, batch_size=8, shuffle=False,
                verbose=0).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)


@pytest.mark.parity
def test_python_side_metric_functions_read_the_mask(keras_ref: Any) -> None:
    """A user's metric function runs in Python; Keras's MeanMetricWrapper
    folds the output mask into its weights, and so does lamina."""
    x = _padded_ids()
    rng = np.random.default_rng(9)
    y = rng.normal(size=(N, T, 2)).astype(np.float32)
    sw = rng.uniform(0.5, 2.0, size=N).astype(np.float32)

    def build(lib: Any) -> Any:
        return lib.Sequential([lib.Input((T,)), lib.layers.Embedding(V, 3, mask_zero=True),
                               lib.layers.Dense(2)])

    def mean_abs(lib: Any) -> Any:
        def my_mae(y_true: Any, y_pred: Any) -> Any:
            return lib.ops.mean(lib.ops.abs(y_true - y_pred), axis=-1)
        return my_mae

    km, lm = _pair(keras_ref, build)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.05), "mse", metrics=[mean_abs(lib)],
                      weighted_metrics=[mean_abs(lib)])
    kh = km.fit(x, y, sample_weight=sw[:, None], epochs=2, batch_size=8, shuffle=False,
                verbose=0).history
    lh = lm.fit(x, y, sample_weight=sw, epochs=2, batch_size=8, shuffle=False,
                verbose=0).history
    _assert_histories_equal(lh, kh)


@pytest.mark.parity
def test_mask_in_validation_and_grouped_steps_matches_keras(keras_ref: Any) -> None:
    x = _padded_ids()
    y = np.random.default_rng(10).integers(0, C, size=(N, T))
    km, lm = _pair(keras_ref, _tagger)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.5), "sparse_categorical_crossentropy",
                      metrics=["accuracy"], steps_per_execution=3)
    args = dict(epochs=2, batch_size=8, shuffle=False, verbose=0,
                validation_data=(x[::-1], y[::-1]))
    kh = km.fit(x, y, **args).history
    lh = lm.fit(x, y, **args).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)


def test_mask_is_the_loss_weight_per_timestep() -> None:
    """One batch by hand: sum(loss * w * m) / count(m) (Keras's apply_mask
    for sum_over_batch_size), metrics averaged over unmasked steps."""
    x = _padded_ids()[:8]
    y = np.random.default_rng(5).integers(0, C, size=(8, T))
    sw = np.random.default_rng(6).uniform(0.5, 2.0, size=8).astype(np.float32)
    model = _tagger(lamina)
    model.compile(lamina.optimizers.SGD(0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    probs = model.predict(x, verbose=0)
    nll = -np.log(np.take_along_axis(probs, y[..., None], axis=-1)[..., 0])
    mask = (x != 0).astype(np.float64)
    w = sw[:, None] * mask
    loss, acc, weighted_acc = model.test_on_batch(x, y, sample_weight=sw)
    np.testing.assert_allclose(loss, (nll * w).sum() / mask.sum(), rtol=1e-5)
    hit = (probs.argmax(-1) == y).astype(np.float64)
    np.testing.assert_allclose(acc, (hit * mask).sum() / mask.sum(), rtol=1e-6)
    np.testing.assert_allclose(weighted_acc, (hit * w).sum() / w.sum(), rtol=1e-6)
    # An all-masked batch counts for nothing (Keras: divide_no_nan).
    loss, acc, _ = model.test_on_batch(np.zeros((2, T)), y[:2])
    assert loss == 0.0 and acc == 0.0


@pytest.mark.parity
def test_mask_through_global_average_pooling_matches_keras(keras_ref: Any) -> None:
    x = _padded_ids()[1:]  # Keras averages an all-masked sample to 0/0 = NaN
    y = (x == 3).any(axis=1, keepdims=True).astype(np.float32)

    def build(lib: Any) -> Any:
        return lib.Sequential([lib.Input((T,)), lib.layers.Embedding(V, 4, mask_zero=True),
                               lib.layers.GlobalAveragePooling1D(),
                               lib.layers.Dense(1, activation="sigmoid")])

    km, lm = _pair(keras_ref, build)
    np.testing.assert_allclose(lm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5)
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    kh = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    lh = lm.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)


def test_all_masked_sequence_averages_to_zero() -> None:
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Embedding(5, 2, mask_zero=True),
                               lamina.layers.GlobalAveragePooling1D()])
    np.testing.assert_array_equal(model.predict(np.zeros((1, 4)), verbose=0), [[0.0, 0.0]])


@pytest.mark.parity
def test_predict_ignores_the_mask(keras_ref: Any) -> None:
    x = _padded_ids()
    km, lm = _pair(keras_ref, _tagger)
    out = lm.predict(x, verbose=0)
    np.testing.assert_allclose(out, km.predict(x, verbose=0), rtol=1e-5, atol=1e-7)
    unmasked = lamina.Sequential([lamina.Input((T,)), lamina.layers.Embedding(V, 5),
                                  lamina.layers.Dropout(0.0), lamina.layers.Dense(C, "softmax")])
    unmasked.set_weights(lm.get_weights())
    np.testing.assert_array_equal(out, unmasked.predict(x, verbose=0))


# -- where a mask ends -----------------------------------------------------------------


@pytest.mark.parity
def test_flatten_warns_like_keras_and_drops_the_mask(keras_ref: Any) -> None:
    x = _padded_features()
    y = np.random.default_rng(7).normal(size=(N, 1)).astype(np.float32)

    def build(lib: Any) -> Any:
        return lib.Sequential([lib.Input((T, 3)), lib.layers.Masking(),
                               lib.layers.Flatten(name="flatten"), lib.layers.Dense(1)])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        km = build(keras_ref)
    assert DROP_WARNING in [str(w.message) for w in caught]
    lm = build(lamina)
    lm.set_weights(km.get_weights())
    for model, lib in ((km, keras_ref), (lm, lamina)):
        model.compile(lib.optimizers.SGD(0.05), "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lh = lm.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
        lm.evaluate(x, y, verbose=0)
    assert [str(w.message) for w in caught] == [DROP_WARNING]  # once, when the plan is built
    kh = km.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    _assert_histories_equal(lh, kh)
    _assert_weights_equal(lm, km)


def test_layers_that_support_masking_pass_it_on_silently() -> None:
    model = lamina.Sequential([lamina.Input((T,)), lamina.layers.Embedding(V, 4, mask_zero=True),
                               lamina.layers.Dense(4, activation="relu"),
                               lamina.layers.Dropout(0.1), lamina.layers.LayerNormalization(),
                               lamina.layers.Dense(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(_padded_ids(), verbose=0)
    model.compile("sgd", "mse")
    assert model._get_plan(_padded_ids().astype(np.float32)).output_masked


@pytest.mark.parametrize("first", ["embedding", "masking"])
def test_batch_normalization_after_a_mask_is_refused(first: str) -> None:
    head = ([lamina.Input((T,)), lamina.layers.Embedding(V, 4, mask_zero=True)]
            if first == "embedding" else [lamina.Input((T, 3)), lamina.layers.Masking()])
    model = lamina.Sequential(head + [lamina.layers.Dense(4),
                                      lamina.layers.BatchNormalization(name="bn")])
    x = _padded_ids() if first == "embedding" else _padded_features()
    with pytest.raises(ValueError, match=r"Layer 'bn': BatchNormalization on a masked sequence "
                                         r"\(after Embedding\(mask_zero=True\) or Masking\) is "
                                         r"not supported by lamina yet."):
        model.predict(x, verbose=0)
