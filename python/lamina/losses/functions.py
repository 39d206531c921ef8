"""Keras's loss functions (`keras.losses.mean_squared_error(y_true, y_pred)`):
per-sample losses as float32 numpy arrays (the last axis reduced), computed by
the same native kernels the engine trains with."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from lamina import _core
from lamina.losses.loss import squeeze_or_expand_to_same_rank


def as_float32(x: Any) -> np.ndarray:
    """Converts labels or predictions (lists, numpy arrays, tensors) to float32."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    return np.asarray(x, dtype=np.float32)


def native_rows(
    kind: str, params: Dict[str, float], y_true: np.ndarray, y_pred: np.ndarray,
    sparse: bool = False,
) -> np.ndarray:
    """Per-row losses of `kind` over the last axis of `y_pred` (labels shaped
    like y_pred, or like y_pred.shape[:-1] when sparse); shape y_pred.shape[:-1]."""
    if y_pred.ndim == 0:
        y_pred, y_true = y_pred.reshape(1), y_true.reshape(1)
    cols = y_pred.shape[-1]
    out_shape = y_pred.shape[:-1]
    rows = int(np.prod(out_shape, dtype=np.int64))
    if rows == 0 or cols == 0:
        return np.zeros(out_shape, dtype=np.float32)
    pred2d = np.ascontiguousarray(y_pred.reshape(rows, cols))
    labels = np.ascontiguousarray(y_true.reshape(rows) if sparse else y_true.reshape(rows, cols))
    _, per_row, _ = _core.kernels.loss(kind, pred2d, labels, None, params)
    return np.asarray(per_row, dtype=np.float32).reshape(out_shape)


def _broadcast(y_true: Any, y_pred: Any, squeeze: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Both as float32, with Keras's rank fix (if `squeeze`) and numpy
    broadcasting (what the TensorFlow ops do)."""
    t, p = as_float32(y_true), as_float32(y_pred)
    if squeeze:
        t, p = squeeze_or_expand_to_same_rank(t, p)
    try:
        t, p = np.broadcast_arrays(t, p)
    except ValueError:
        raise ValueError(
            f"Incompatible shapes: y_true.shape={t.shape}, y_pred.shape={p.shape}."
        ) from None
    return t, p


def _last_axis(x: np.ndarray, axis: int) -> np.ndarray:
    return x if axis in (-1, x.ndim - 1) else np.moveaxis(x, axis, -1)


def _check_axis(axis: Any) -> None:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )


def _same_shape(t: np.ndarray, p: np.ndarray) -> None:
    if t.ndim != p.ndim:
        raise ValueError(
            "Arguments `target` and `output` must have the same rank (ndim). "
            f"Received: target.shape={t.shape}, output.shape={p.shape}"
        )
    if t.shape != p.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={t.shape}, output.shape={p.shape}"
        )


def _elementwise(kind: str, squeeze: bool) -> Callable[..., np.ndarray]:
    def fn(y_true: Any, y_pred: Any, **params: float) -> np.ndarray:
        t, p = _broadcast(y_true, y_pred, squeeze)
        return native_rows(kind, params, t, p)

    return fn


_mse = _elementwise("mean_squared_error", True)
_mae = _elementwise("mean_absolute_error", True)
_mape = _elementwise("mean_absolute_percentage_error", True)
_msle = _elementwise("mean_squared_logarithmic_error", True)
_huber = _elementwise("huber", True)
_log_cosh = _elementwise("log_cosh", True)
_poisson = _elementwise("poisson", False)
_kld = _elementwise("kl_divergence", False)
_hinge = _elementwise("hinge", False)
_squared_hinge = _elementwise("squared_hinge", False)
_categorical_hinge = _elementwise("categorical_hinge", False)


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean of squared errors over the last axis: `mean((y_true - y_pred)**2)`."""
    return _mse(y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean of absolute errors over the last axis."""
    return _mae(y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """`100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|)` over the last axis."""
    return _mape(y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean over the last axis of `(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2`."""
    return _msle(y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> np.ndarray:
    """Huber loss: quadratic for errors up to `delta`, linear beyond, mean over the last axis."""
    return _huber(y_true, y_pred, delta=float(delta))


def log_cosh(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean over the last axis of `log(cosh(y_pred - y_true))`."""
    return _log_cosh(y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean over the last axis of `y_pred - y_true * log(y_pred + epsilon)`."""
    return _poisson(y_true, y_pred)


def kl_divergence(y_true: Any, y_pred: Any) -> np.ndarray:
    """Sum over the last axis of `y_true * log(y_true / y_pred)`, both clipped to [eps, 1]."""
    return _kld(y_true, y_pred)


def hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean over the last axis of `max(1 - y_true * y_pred, 0)`; labels that are
    all 0/1 are taken as -1/1."""
    return _hinge(y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """Mean over the last axis of `max(1 - y_true * y_pred, 0)**2` (0/1 labels as -1/1)."""
    return _squared_hinge(y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    return _categorical_hinge(y_true, y_pred)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Negative cosine similarity along `axis` (-1 for identical directions)."""
    t, p = _broadcast(y_true, y_pred, True)
    return native_rows("cosine_similarity", {}, _last_axis(t, axis), _last_axis(p, axis))


def _binary_params(from_logits: bool, label_smoothing: float) -> Dict[str, float]:
    return {"from_logits": float(bool(from_logits)), "label_smoothing": float(label_smoothing)}


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
    axis: int = -1,
) -> np.ndarray:
    """Binary crossentropy, mean over `axis`. Probabilities are clipped to
    [1e-7, 1 - 1e-7]; labels are smoothed towards 0.5 by `label_smoothing`."""
    t, p = as_float32(y_true), as_float32(y_pred)
    _same_shape(t, p)
    params = _binary_params(from_logits, label_smoothing)
    return native_rows("binary_crossentropy", params, _last_axis(t, axis), _last_axis(p, axis))


def binary_focal_crossentropy(
    y_true: Any, y_pred: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
    gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
) -> np.ndarray:
    """Binary crossentropy scaled by `(1 - p_t)**gamma` (and by `alpha` for
    positives, `1 - alpha` for negatives with `apply_class_balancing`), mean over `axis`."""
    t, p = as_float32(y_true), as_float32(y_pred)
    _same_shape(t, p)
    params = _binary_params(from_logits, label_smoothing)
    params.update(apply_class_balancing=float(bool(apply_class_balancing)), alpha=float(alpha),
                  gamma=float(gamma))
    return native_rows("binary_focal_crossentropy", params, _last_axis(t, axis),
                       _last_axis(p, axis))


def _categorical_inputs(
    name: str, y_true: Any, y_pred: Any, axis: Any
) -> Tuple[np.ndarray, np.ndarray]:
    _check_axis(axis)
    t, p = as_float32(y_true), as_float32(y_pred)
    if p.ndim and p.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={p.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )
    if t.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. "
            f"Received: target.shape={t.shape}, output.shape={p.shape}"
        )
    _same_shape(t, p)
    return _last_axis(t, axis), _last_axis(p, axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
    axis: int = -1,
) -> np.ndarray:
    """Crossentropy between one-hot (or soft) labels and class probabilities
    (or logits) along `axis`; labels smoothed by `label_smoothing / num_classes`."""
    t, p = _categorical_inputs("categorical_crossentropy", y_true, y_pred, axis)
    return native_rows("categorical_crossentropy", _binary_params(from_logits, label_smoothing),
                       t, p)


def categorical_focal_crossentropy(
    y_true: Any, y_pred: Any, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
    label_smoothing: float = 0.0, axis: int = -1,
) -> np.ndarray:
    """Categorical crossentropy with each class term scaled by `alpha * (1 - p)**gamma`."""
    t, p = _categorical_inputs("categorical_focal_crossentropy", y_true, y_pred, axis)
    params = _binary_params(from_logits, label_smoothing)
    params.update(alpha=float(alpha), gamma=float(gamma))
    return native_rows("categorical_focal_crossentropy", params, t, p)


def sparse_categorical_crossentropy_with_mask(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: Optional[int] = None,
    axis: int = -1,
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Per-sample sparse crossentropy and the mask of samples that count
    (None without `ignore_class`)."""
    t, p = as_float32(y_true), as_float32(y_pred)
    if t.ndim == p.ndim and t.ndim and t.shape[axis] == 1:
        t = np.squeeze(t, axis)
    if axis != -1 and axis != p.ndim - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if p.ndim < 1:
        raise ValueError(
            f"Argument `output` must be at least rank 1. Received: output.shape={p.shape}"
        )
    if t.shape != p.shape[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={t.shape}, output.shape={p.shape}"
        )
    params: Dict[str, float] = {"from_logits": float(bool(from_logits))}
    if ignore_class is not None:
        params["ignore_class"] = float(ignore_class)
    values = native_rows("sparse_categorical_crossentropy", params, t, p, sparse=True)
    mask = None if ignore_class is None else t != np.float32(ignore_class)
    return values, mask


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: Optional[int] = None,
    axis: int = -1,
) -> np.ndarray:
    """Crossentropy between integer class labels and class probabilities (or
    logits); samples labelled `ignore_class` get 0.

    Raises:
        ValueError: for a label that is not an integer in [0, num_classes)
            (other than `ignore_class`), or mismatched shapes.
    """
    return sparse_categorical_crossentropy_with_mask(
        y_true, y_pred, from_logits, ignore_class, axis)[0]
