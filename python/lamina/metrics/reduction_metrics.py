"""Mean, Sum and MeanMetricWrapper: Keras's reducing metrics.

`MeanMetricWrapper` of a built-in metric function runs natively (state
{total, count}); of any other function, it is evaluated on numpy batches.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from lamina.metrics.metric import Metric, to_result
from lamina.metrics.native_metric import (
    Batch,
    NativeStateMetric,
    as_float32,
    contiguous,
    squeeze_or_expand_to_same_rank,
)
from lamina.ops.tensor import Tensor


def samplewise_weights(values_shape: Tuple[int, ...], sample_weight: Any) -> Optional[np.ndarray]:
    """Per-value weights such that sum(value * w) and sum(w) are Keras's
    `reduce_to_samplewise_values` total and count: values are averaged over
    the axes after the first, and a weight applies to the values it covers.

    Raises:
        ValueError: when the weights do not broadcast to the values.
    """
    if not values_shape:
        if sample_weight is None:
            return None
        sw = as_float32(sample_weight)
        if sw.size != 1:
            raise ValueError(f"sample_weight of shape {sw.shape} for a single metric value.")
        return sw.reshape(1)
    per_sample = int(np.prod(values_shape[1:], dtype=np.int64))
    if sample_weight is None:
        if per_sample == 1:
            return None
        return np.full(int(np.prod(values_shape)), 1.0 / per_sample, dtype=np.float32)
    sw = as_float32(sample_weight)
    if sw.ndim == len(values_shape) + 1 and sw.shape[-1] == 1:
        sw = sw[..., 0]
    if sw.ndim < len(values_shape) and sw.ndim > 0:
        sw = sw.reshape(sw.shape + (1,) * (len(values_shape) - sw.ndim))
    try:
        full = np.broadcast_to(sw, values_shape)
    except ValueError as err:
        raise ValueError(
            f"sample_weight of shape {sw.shape} does not broadcast to the metric's values of "
            f"shape {values_shape}."
        ) from err
    return contiguous(full.reshape(-1) / np.float32(per_sample))


class MeanMetricWrapper(NativeStateMetric):
    """The weighted mean of `fn(y_true, y_pred, **kwargs)` over all samples.

    Args:
        fn: a metric function `fn(y_true, y_pred, **kwargs)` returning one
            value per sample (or per element). lamina's built-in metric
            functions are computed natively; any other callable runs on the
            numpy batch.
        name: the metric's name (default: the function's name).
        dtype: dtype of the result.
        **kwargs: keyword arguments passed to `fn`.
    """

    # How Keras's function reduces: "row" -> one value per row of the last
    # axis; "element" -> one value per element; "sparse" -> y holds labels.
    layout = "row"

    def __init__(self, fn: Callable[..., Any], name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        native_name = getattr(fn, "native_name", None)
        self.engine_name = native_name or ""
        if native_name:
            self.layout = getattr(fn, "layout", "row")
        self._total = 0.0
        self._count = 0.0

    def engine_params(self) -> Dict[str, float]:
        params: Dict[str, float] = {}
        for key, value in self._fn_kwargs.items():
            if key == "axis":
                if value not in (-1, None):
                    raise ValueError(f"lamina computes {self.name} over the last axis only; "
                                     f"received axis={value}.")
                continue
            if key == "ignore_class":
                if value is not None:
                    params[key] = float(value)
                continue
            params[key] = float(value)
        return params

    @property
    def native(self) -> Any:
        return (self.engine_name, self.engine_params()) if self.engine_name else None

    # -- batches as Keras shapes them -------------------------------------------

    def prepare(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Batch:
        pred = as_float32(y_pred)
        y = as_float32(y_true)
        if pred.ndim == 0:
            pred = pred.reshape(1)
        if self.layout == "sparse":
            values_shape = pred.shape[:-1]
            if y.ndim == pred.ndim and y.shape[-1] == 1:
                y = y[..., 0]
            if int(y.size) != int(np.prod(values_shape, dtype=np.int64)):
                raise ValueError(
                    f"{self.name}: labels of shape {y.shape} do not match predictions of shape "
                    f"{pred.shape} (one integer label per row expected)."
                )
            pred2 = pred.reshape(-1, pred.shape[-1])
            y_flat = y.reshape(-1)
        else:
            y, pred = squeeze_or_expand_to_same_rank(y, pred)
            if self.layout == "element":
                values_shape = np.broadcast_shapes(pred.shape, y.shape)
                pred2 = np.broadcast_to(pred, values_shape).reshape(-1, 1)
                y_flat = np.broadcast_to(y, values_shape).reshape(-1)
            else:
                values_shape = pred.shape[:-1]
                pred2 = pred.reshape(-1, pred.shape[-1])
                rows = pred2.shape[0]
                if y.shape[-1:] == pred.shape[-1:] or y.size == pred.size:
                    y_flat = np.broadcast_to(y, pred.shape).reshape(-1)
                elif y.size == rows:
                    y_flat = y.reshape(-1)
                else:
                    raise ValueError(
                        f"{self.name}: y_true of shape {y.shape} does not match y_pred of shape "
                        f"{pred.shape}."
                    )
        sw = samplewise_weights(tuple(values_shape), sample_weight)
        return contiguous(pred2), contiguous(y_flat), sw

    # -- the Python path for user functions ------------------------------------------

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.engine_name:
            super().update_state(y_true, y_pred, sample_weight)
            return
        values = np.asarray(self._fn(y_true, y_pred, **self._fn_kwargs), dtype=np.float64)
        total, count = _reduce_values(values, sample_weight)
        self._total += total
        self._count += count

    def reset_state(self) -> None:
        super().reset_state()
        self._total = 0.0
        self._count = 0.0

    def current_state(self) -> np.ndarray:
        if self.engine_name:
            return super().current_state()
        return np.array([self._total, self._count])

    def result_from_state(self, state: np.ndarray) -> Any:
        return float(state[0] / state[1]) if state[1] else 0.0

    def get_config(self) -> Dict[str, Any]:
        fn_name = getattr(self._fn, "__name__", repr(self._fn))
        return dict(super().get_config(), fn=fn_name, **self._fn_kwargs)

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> Metric:
        if "fn" not in config:  # subclasses that fix their function
            return cls(**config)
        config = dict(config)
        fn = config.pop("fn")
        if isinstance(fn, str):
            from lamina.metrics import get_function

            fn = get_function(fn)
        return cls(fn, **config)


def _reduce_values(values: np.ndarray, sample_weight: Any) -> Tuple[float, float]:
    """Keras's `reduce_to_samplewise_values` + Mean: (sum, count) of a batch."""
    if values.ndim == 0:
        w = 1.0 if sample_weight is None else float(np.sum(as_float32(sample_weight)))
        return float(values) * w, w
    sw = samplewise_weights(values.shape, sample_weight)
    flat = values.reshape(-1)
    if sw is None:
        return float(flat.sum()), float(values.shape[0])
    return float(np.dot(flat, sw.astype(np.float64))), float(sw.sum(dtype=np.float64))


class Mean(Metric):
    """The weighted mean of the values given to `update_state(values, sample_weight)`."""

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._total = 0.0
        self._count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        total, count = _reduce_values(np.asarray(as_float32(values), np.float64), sample_weight)
        self._total += total
        self._count += count

    def reset_state(self) -> None:
        self._total = 0.0
        self._count = 0.0

    def result(self) -> Tensor:
        return to_result(self._total / self._count if self._count else 0.0)


class Sum(Metric):
    """The weighted sum of the values given to `update_state(values, sample_weight)`."""

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self._total = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = np.asarray(as_float32(values), np.float64)
        if sample_weight is not None:
            sw = as_float32(sample_weight)
            if sw.ndim < values.ndim and sw.ndim > 0:
                sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
            values = values * sw
        self._total += float(values.sum())

    def reset_state(self) -> None:
        self._total = 0.0

    def result(self) -> Tensor:
        return to_result(self._total)
