"""Keras's loss classes. Each wraps its function form (`functions.py`) and
names the native loss the engine trains with (`native`)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from lamina.losses import functions as F
from lamina.losses.loss import Loss, squeeze_or_expand_to_same_rank

_DEFAULT = "sum_over_batch_size"


class LossFunctionWrapper(Loss):
    """A loss built from a function `fn(y_true, y_pred, **kwargs)` returning
    per-sample losses. Built-in functions train natively; any other function
    works for standalone calls only (lamina does not differentiate Python).

    Args:
        fn: the function.
        reduction, name, dtype: as for `Loss`.
        **kwargs: passed to `fn` on every call.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: Optional[str] = _DEFAULT,
        name: Optional[str] = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        kind = getattr(fn, "_native_kind", "")
        if kind and not self.native_kind:
            self.native_kind = kind

    def call(self, y_true: Any, y_pred: Any) -> np.ndarray:
        t, p = squeeze_or_expand_to_same_rank(F.as_float32(y_true), F.as_float32(y_pred))
        return F.as_float32(self.fn(t, p, **self._fn_kwargs))

    def _native_params(self) -> Dict[str, float]:
        return {k: float(v) for k, v in self._fn_kwargs.items()
                if isinstance(v, (bool, int, float)) and k != "axis"}

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Loss:
        config = dict(config)
        if "fn" not in config:  # a built-in subclass: its config is its arguments
            return cls(**config)
        fn = config.pop("fn")
        if isinstance(fn, str):
            from lamina.losses import get

            fn = get(fn)
        return cls(fn, **config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _function(fn: Callable[..., Any], kind: str) -> Callable[..., Any]:
    fn._native_kind = kind  # type: ignore[attr-defined]
    return fn


class _NoOptionLoss(LossFunctionWrapper):
    """A built-in loss without options: its config is Loss's."""

    _fn: Callable[..., Any]
    _default_name = ""

    def __init__(
        self, reduction: Optional[str] = _DEFAULT, name: Optional[str] = None, dtype: Any = None
    ) -> None:
        super().__init__(type(self)._fn, reduction=reduction, name=name or self._default_name,
                         dtype=dtype)

    def get_config(self) -> Dict[str, Any]:
        return Loss.get_config(self)

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Loss:
        return cls(**config)


def _no_option_loss(
    class_name: str, fn: Callable[..., Any], kind: str, default_name: str, doc: str
) -> type:
    cls = type(class_name, (_NoOptionLoss,), {
        "_fn": staticmethod(fn), "native_kind": kind, "_default_name": default_name,
        "__doc__": doc, "__module__": __name__,
    })
    return cls


MeanSquaredError = _no_option_loss(
    "MeanSquaredError", F.mean_squared_error, "mean_squared_error", "mean_squared_error",
    "Mean of squared errors over the last axis, `mean((y_true - y_pred)**2)`.")
MeanAbsoluteError = _no_option_loss(
    "MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error", "mean_absolute_error",
    "Mean of absolute errors over the last axis.")
MeanAbsolutePercentageError = _no_option_loss(
    "MeanAbsolutePercentageError", F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "mean_absolute_percentage_error",
    "`100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|)`.")
MeanSquaredLogarithmicError = _no_option_loss(
    "MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "mean_squared_logarithmic_error",
    "Mean of squared differences of `log(x + 1)`.")
LogCosh = _no_option_loss(
    "LogCosh", F.log_cosh, "log_cosh", "log_cosh",
    "Mean of `log(cosh(y_pred - y_true))` over the last axis.")
Poisson = _no_option_loss(
    "Poisson", F.poisson, "poisson", "poisson",
    "Mean of `y_pred - y_true * log(y_pred + epsilon)` over the last axis.")
KLDivergence = _no_option_loss(
    "KLDivergence", F.kl_divergence, "kl_divergence", "kl_divergence",
    "Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))` over the last axis.")
Hinge = _no_option_loss(
    "Hinge", F.hinge, "hinge", "hinge",
    "Mean of `max(1 - y_true * y_pred, 0)`; 0/1 labels are taken as -1/1.")
SquaredHinge = _no_option_loss(
    "SquaredHinge", F.squared_hinge, "squared_hinge", "squared_hinge",
    "Mean of `max(1 - y_true * y_pred, 0)**2`; 0/1 labels are taken as -1/1.")
CategoricalHinge = _no_option_loss(
    "CategoricalHinge", F.categorical_hinge, "categorical_hinge", "categorical_hinge",
    "`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`.")


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`.

    Args:
        axis: the axis along which the similarity is computed (default -1).
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "cosine_similarity"

    def __init__(
        self, axis: int = -1, reduction: Optional[str] = _DEFAULT,
        name: str = "cosine_similarity", dtype: Any = None,
    ) -> None:
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)

    def get_config(self) -> Dict[str, Any]:
        return Loss.get_config(self)  # Keras leaves `axis` out too


class Huber(LossFunctionWrapper):
    """Huber loss: `0.5 * x**2` for `|x| <= delta`, else `delta * |x| - 0.5 * delta**2`.

    Args:
        delta: where the loss turns from quadratic to linear (default 1.0).
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "huber"

    def __init__(
        self, delta: float = 1.0, reduction: Optional[str] = _DEFAULT, name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(F.huber, reduction=reduction, name=name, dtype=dtype, delta=delta)

    def get_config(self) -> Dict[str, Any]:
        return Loss.get_config(self)  # Keras leaves `delta` out too


class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy between binary labels and predicted probabilities (or
    logits), averaged over `axis`.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels move towards 0.5 by this much.
        axis: the axis the mean runs over (default -1).
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "binary_crossentropy"

    def __init__(
        self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
        reduction: Optional[str] = _DEFAULT, name: str = "binary_crossentropy", dtype: Any = None,
    ) -> None:
        super().__init__(F.binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> Dict[str, Any]:
        return dict(Loss.get_config(self), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy scaled by `(1 - p_t)**gamma`, down-weighting easy examples.

    Args:
        apply_class_balancing: weigh positives by `alpha`, negatives by `1 - alpha`.
        alpha: the balancing weight (default 0.25).
        gamma: the focusing exponent (default 2.0).
        from_logits, label_smoothing, axis: as for `BinaryCrossentropy`.
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "binary_focal_crossentropy"

    def __init__(
        self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
        from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
        reduction: Optional[str] = _DEFAULT, name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(F.binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self) -> Dict[str, Any]:
        return dict(Loss.get_config(self), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis,
                    apply_class_balancing=self.apply_class_balancing, alpha=self.alpha,
                    gamma=self.gamma)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between one-hot (or soft) labels and class probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: labels become `y * (1 - ls) + ls / num_classes`.
        axis: the class axis (default -1).
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "categorical_crossentropy"

    def __init__(
        self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
        reduction: Optional[str] = _DEFAULT, name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(F.categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> Dict[str, Any]:
        return dict(Loss.get_config(self), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy with each class term scaled by `alpha * (1 - p)**gamma`.

    Args:
        alpha: the weighting factor (default 0.25).
        gamma: the focusing exponent (default 2.0).
        from_logits, label_smoothing, axis: as for `CategoricalCrossentropy`.
        reduction, name, dtype: as for `Loss`.
    """

    native_kind = "categorical_focal_crossentropy"

    def __init__(
        self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
        label_smoothing: float = 0.0, axis: int = -1, reduction: Optional[str] = _DEFAULT,
        name: str = "categorical_focal_crossentropy", dtype: Any = None,
    ) -> None:
        super().__init__(F.categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self) -> Dict[str, Any]:
        return dict(Loss.get_config(self), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis, alpha=self.alpha,
                    gamma=self.gamma)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer class labels and class probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: a label value whose samples count for nothing (e.g. -1
            or 255 for unlabelled pixels); the mean runs over the others.
        reduction: as for `Loss`.
        axis: the class axis; only -1 (the last) is supported, as in Keras.
        name, dtype: as for `Loss`.
    """

    native_kind = "sparse_categorical_crossentropy"

    def __init__(
        self, from_logits: bool = False, ignore_class: Optional[int] = None,
        reduction: Optional[str] = _DEFAULT, axis: int = -1,
        name: str = "sparse_categorical_crossentropy", dtype: Any = None,
    ) -> None:
        super().__init__(F.sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def _call_with_mask(self, y_true: Any, y_pred: Any) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        t, p = squeeze_or_expand_to_same_rank(F.as_float32(y_true), F.as_float32(y_pred))
        return F.sparse_categorical_crossentropy_with_mask(
            t, p, self.from_logits, self.ignore_class, self.axis)

    def _native_params(self) -> Dict[str, float]:
        params = {"from_logits": float(bool(self.from_logits))}
        if self.ignore_class is not None:
            params["ignore_class"] = float(self.ignore_class)
        return params

    def get_config(self) -> Dict[str, Any]:
        return dict(Loss.get_config(self), from_logits=self.from_logits,
                    ignore_class=self.ignore_class)


# Function forms train with the native loss of the same name.
for _fn, _kind in [
    (F.mean_squared_error, "mean_squared_error"),
    (F.mean_absolute_error, "mean_absolute_error"),
    (F.mean_absolute_percentage_error, "mean_absolute_percentage_error"),
    (F.mean_squared_logarithmic_error, "mean_squared_logarithmic_error"),
    (F.huber, "huber"),
    (F.log_cosh, "log_cosh"),
    (F.poisson, "poisson"),
    (F.kl_divergence, "kl_divergence"),
    (F.hinge, "hinge"),
    (F.squared_hinge, "squared_hinge"),
    (F.categorical_hinge, "categorical_hinge"),
    (F.cosine_similarity, "cosine_similarity"),
    (F.binary_crossentropy, "binary_crossentropy"),
    (F.binary_focal_crossentropy, "binary_focal_crossentropy"),
    (F.categorical_crossentropy, "categorical_crossentropy"),
    (F.categorical_focal_crossentropy, "categorical_focal_crossentropy"),
    (F.sparse_categorical_crossentropy, "sparse_categorical_crossentropy"),
]:
    _function(_fn, _kind)
