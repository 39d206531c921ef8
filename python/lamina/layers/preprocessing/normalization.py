"""Normalization: standardises features with a mean and variance given to the
constructor or computed by `adapt(data)`."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from lamina import _core
from lamina.backend.variable import Variable
from lamina.layers._arguments import broadcast_index
from lamina.layers.layer import Layer, Shape


def _first_input(batch: Any) -> Any:
    """The inputs of an `(x, y)` or `(x, y, sample_weight)` batch."""
    return batch[0] if isinstance(batch, tuple) else batch


class Normalization(Layer):
    """`(x - mean) / sqrt(variance)` per position of the kept `axis` (or,
    with `invert=True`, `mean + x * sqrt(variance)`); the divisor is at least
    1e-7, as in Keras.

    Args:
        axis: int, tuple of ints or None: the axes that keep their own
            mean and variance (default -1, one per feature); None for one
            scalar mean and variance. The batch axis cannot be kept.
        mean: optional mean (scalar or array broadcastable to the kept axes).
        variance: optional variance, given together with `mean`.
        invert: apply the inverse transformation.

    Raises:
        ValueError: if only one of mean/variance is given, their shapes
            differ, or the mean has more axes than `axis`.

    Weights (when `mean` is not given): `mean` and `variance` (float32, the
    kept axes' shape) and `count` (int64 scalar), all non-trainable, as
    Keras stores them.
    """

    supports_masking = True

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis is None:
            self.axis: Tuple[int, ...] = ()
        elif isinstance(axis, int):
            self.axis = (axis,)
        else:
            self.axis = tuple(axis)
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}")
        self.adapt_mean: Any = None
        self.adapt_variance: Any = None
        self.count: Any = None
        self._keep_axis: Tuple[int, ...] = ()
        self._reduce_axis: Tuple[int, ...] = ()
        self._broadcast_shape: List[int] = []
        self._const_stats: Optional[Tuple[Variable, Variable]] = None

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a if a >= 0 else a + ndim for a in self.axis))
        if 0 in self._keep_axis:
            raise ValueError(f"Normalization layer '{self.name}': lamina cannot keep a "
                             f"statistic per batch position (axis 0). Received: axis={self.axis}")
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "All `axis` values to be kept must have a known shape. Received "
                    f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown axis "
                    f"at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [int(input_shape[d] or 0) if d in self._keep_axis else 1
                                 for d in range(ndim)]
        stat_shape = tuple(int(input_shape[d] or 0) for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self._stat("mean", np.zeros(stat_shape, np.float32))
            self.adapt_variance = self._stat("variance", np.ones(stat_shape, np.float32))
            # Keras keeps an (unused) int64 count for older saved models.
            self.count = self._stat("count", np.zeros((), np.int64), dtype="int64")
        else:
            self._const_stats = (
                Variable(self._broadcast_constant(self.input_mean), "mean", trainable=False),
                Variable(self._broadcast_constant(self.input_variance), "variance",
                         trainable=False))
        super().build(input_shape)

    def _stat(self, name: str, value: np.ndarray, dtype: str = "float32") -> Variable:
        var = Variable(value, name=name, trainable=False, path=f"{self.name}/{name}", dtype=dtype)
        self._weights.append(var)
        return var

    def _broadcast_constant(self, value: Any) -> np.ndarray:
        """A constructor mean/variance aligned right-to-left with the kept
        axes and broadcast to the per-sample statistics shape (Keras's rule)."""
        arr = np.asarray(value, dtype=np.float32)
        ndim = len(self._broadcast_shape)
        expanded = [1] * ndim
        for i in range(1, arr.ndim + 1):
            expanded[self._keep_axis[-i]] = arr.shape[-i]
        full = np.broadcast_to(arr.reshape(expanded), self._broadcast_shape)
        return np.ascontiguousarray(full[0])

    def _plan_weights(self) -> List[Variable]:
        # `count` (int64) never reaches the native op.
        if self._const_stats is not None:
            return list(self._const_stats)
        return [self.adapt_mean, self.adapt_variance]

    def _add_to_plan(self, plan: Any) -> None:
        mean, variance = self._plan_weights()
        sample = tuple(int(d or 0) for d in self.output_shape[1:])
        stat_view = tuple(self._broadcast_shape[1:])
        index = broadcast_index(stat_view, sample)
        plan.add(_core.ops.normalization(self.name, list(mean.shape), index.tolist(),
                                         bool(self.invert)),
                 [mean.value, variance.value])

    def adapt(self, data: Any) -> None:
        """Computes the mean and variance of `data` over the non-kept axes.

        Args:
            data: a numpy array (or array-like), or an iterable of batches
                (arrays, or `(x, y)` tuples, e.g. a `keras.utils.Sequence`).

        Raises:
            ValueError: for an empty iterable or a shape that does not match
                the layer's kept axes.
            TypeError: for batches without a shape.
        """
        if hasattr(data, "shape") and hasattr(data, "__array__"):
            batches: Any = None
            array = np.asarray(data)
            input_shape: Tuple[Any, ...] = array.shape
        else:
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch, e.g. layer.adapt([x]).")
            first = _first_input(first)
            if getattr(first, "shape", None) is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays with a `.shape` attribute. "
                    f"Got an element of type {type(first).__name__}.")
            input_shape = tuple(first.shape)
            batches = (first, iterator)
        if not self.built:
            self.build(tuple(input_shape))
        else:
            if self.input_mean is not None:
                raise ValueError(f"Normalization layer '{self.name}' was given `mean` and "
                                 "`variance`; it cannot be adapted.")
            built = self._build_input_shape or ()
            for d in self._keep_axis:
                if d >= len(input_shape) or input_shape[d] != built[d]:
                    raise ValueError(
                        f"The layer was built with input_shape={tuple(built)}, but adapt() is "
                        f"being called with data with an incompatible shape, "
                        f"data.shape={tuple(input_shape)}")
        if batches is None:
            mean = np.mean(array, axis=self._reduce_axis)
            var = np.var(array, axis=self._reduce_axis)
        else:
            mean, var = self._streamed_moments(batches[0], batches[1])
        self.adapt_mean.assign(np.asarray(mean, np.float32).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(np.asarray(var, np.float32).reshape(self.adapt_variance.shape))

    def _streamed_moments(self, first: Any, rest: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Keras's running combination of per-batch means and variances."""
        shape = self.adapt_mean.shape
        total_mean = np.zeros(shape, np.float32)
        total_var = np.zeros(shape, np.float32)
        total_count = 0
        for raw in _chain(first, rest):
            batch = np.asarray(_first_input(raw), dtype=np.float32)
            for d in self._keep_axis:
                built = (self._build_input_shape or ())[d]
                if batch.ndim <= d or (built is not None and batch.shape[d] != built):
                    raise ValueError(
                        "adapt() yielded a batch with incompatible shape. Expected "
                        f"{tuple(self._build_input_shape or ())}, got {batch.shape}.")
            batch_mean = np.mean(batch, axis=self._reduce_axis)
            batch_var = np.var(batch, axis=self._reduce_axis)
            count = math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis \
                else 1
            total_count += count
            w_new = float(count) / total_count
            w_old = 1.0 - w_new
            new_mean = total_mean * w_old + batch_mean * w_new
            total_var = ((total_var + (total_mean - new_mean) ** 2) * w_old
                         + (batch_var + (batch_mean - new_mean) ** 2) * w_new)
            total_mean = new_mean
        return total_mean, total_var

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest
