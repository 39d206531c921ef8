"""Forward-only array functions with Keras's `keras.ops` names, on numpy.

Enough of `keras.ops` for the code users write in custom metrics (and for
inspecting arrays). Every function returns a `Tensor`. There is no autodiff:
lamina's layers and losses are differentiated in C++, so a custom loss or
layer written with these functions cannot be trained (see `gradient_error`).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from lamina.ops.tensor import Tensor, Variable, as_tensor, standardize_dtype

Axis = Optional[Union[int, Sequence[int]]]


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x.value if isinstance(x, Variable) else x)


def _axis(axis: Axis) -> Any:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _float(x: Any) -> np.ndarray:
    """Integers and booleans become float32, as Keras promotes them for math."""
    a = _arr(x)
    return a if a.dtype.kind in "fc" else a.astype(np.float32)


# -- conversion and dtypes ----------------------------------------------------


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> Tensor:
    """`x` as a Tensor (Python floats become float32, as in Keras)."""
    if dtype is None:
        a = _arr(x)
        if a.dtype == np.float64 and not isinstance(x, np.ndarray):
            a = a.astype(np.float32)
        return a.view(Tensor)
    return as_tensor(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    return np.array(_arr(x))


def cast(x: Any, dtype: Any) -> Tensor:
    return as_tensor(x, dtype)


def shape(x: Any) -> Tuple[int, ...]:
    return tuple(_arr(x).shape)


def size(x: Any) -> Tensor:
    return as_tensor(_arr(x).size)


def ndim(x: Any) -> int:
    return _arr(x).ndim


def dtype(x: Any) -> str:
    return _arr(x).dtype.name


def is_tensor(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Variable))


# -- reductions ------------------------------------------------------------------


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.mean(_float(x), axis=_axis(axis), keepdims=keepdims))


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(np.sum(_arr(x), axis=_axis(axis), keepdims=keepdims))


def prod(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.prod(_arr(x), axis=_axis(axis), keepdims=keepdims))


def max(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    kwargs = {} if initial is None else {"initial": initial}
    return as_tensor(np.max(_arr(x), axis=_axis(axis), keepdims=keepdims, **kwargs))


def min(x: Any, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    kwargs = {} if initial is None else {"initial": initial}
    return as_tensor(np.min(_arr(x), axis=_axis(axis), keepdims=keepdims, **kwargs))


def var(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.var(_float(x), axis=_axis(axis), keepdims=keepdims))


def std(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.std(_float(x), axis=_axis(axis), keepdims=keepdims))


def any(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(np.any(_arr(x), axis=_axis(axis), keepdims=keepdims))


def all(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(np.all(_arr(x), axis=_axis(axis), keepdims=keepdims))


def argmax(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.argmax(_arr(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argmin(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    return as_tensor(np.argmin(_arr(x), axis=axis, keepdims=keepdims).astype(np.int32))


def cumsum(x: Any, axis: Optional[int] = None) -> Tensor:
    return as_tensor(np.cumsum(_arr(x), axis=axis))


def count_nonzero(x: Any, axis: Axis = None) -> Tensor:
    return as_tensor(np.count_nonzero(_arr(x), axis=_axis(axis)))


# -- element-wise --------------------------------------------------------------


def _unary(fn: Any, to_float: bool = True) -> Any:
    def op(x: Any) -> Tensor:
        return as_tensor(fn(_float(x) if to_float else _arr(x)))

    op.__name__ = fn.__name__
    op.__doc__ = f"Element-wise `{fn.__name__}`."
    return op


square = _unary(np.square, to_float=False)
sqrt = _unary(np.sqrt)
abs = _unary(np.abs, to_float=False)  # noqa: A001
absolute = abs
negative = _unary(np.negative, to_float=False)
sign = _unary(np.sign, to_float=False)
exp = _unary(np.exp)
log = _unary(np.log)
log1p = _unary(np.log1p)
expm1 = _unary(np.expm1)
tanh = _unary(np.tanh)
sin = _unary(np.sin)
cos = _unary(np.cos)
floor = _unary(np.floor)
ceil = _unary(np.ceil)
isnan = _unary(np.isnan, to_float=False)
isinf = _unary(np.isinf, to_float=False)
isfinite = _unary(np.isfinite, to_float=False)
logical_not = _unary(np.logical_not, to_float=False)


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001
    """Rounds half to even, as Keras does."""
    return as_tensor(np.round(_arr(x), decimals))


def _binary(fn: Any) -> Any:
    def op(x1: Any, x2: Any) -> Tensor:
        return as_tensor(fn(_arr(x1), _arr(x2)))

    op.__name__ = fn.__name__
    op.__doc__ = f"Element-wise `{fn.__name__}` with numpy broadcasting."
    return op


add = _binary(np.add)
subtract = _binary(np.subtract)
multiply = _binary(np.multiply)
maximum = _binary(np.maximum)
minimum = _binary(np.minimum)
power = _binary(np.power)
mod = _binary(np.mod)
equal = _binary(np.equal)
not_equal = _binary(np.not_equal)
greater = _binary(np.greater)
greater_equal = _binary(np.greater_equal)
less = _binary(np.less)
less_equal = _binary(np.less_equal)
logical_and = _binary(np.logical_and)
logical_or = _binary(np.logical_or)
logical_xor = _binary(np.logical_xor)


def divide(x1: Any, x2: Any) -> Tensor:
    return as_tensor(np.true_divide(_float(x1), _float(x2)))


true_divide = divide


def floor_divide(x1: Any, x2: Any) -> Tensor:
    return as_tensor(np.floor_divide(_arr(x1), _arr(x2)))


def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, with 0 where x2 is 0."""
    a, b = np.broadcast_arrays(_float(x1), _float(x2))
    out = np.zeros(a.shape, dtype=np.result_type(a, b))
    np.divide(a, b, out=out, where=b != 0)
    return as_tensor(out)


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    return as_tensor(np.clip(_arr(x), x_min, x_max))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    if x1 is None and x2 is None:
        return tuple(as_tensor(i) for i in np.nonzero(_arr(condition)))
    return as_tensor(np.where(_arr(condition), _arr(x1), _arr(x2)))


# -- activations ----------------------------------------------------------------


def sigmoid(x: Any) -> Tensor:
    a = _float(x)
    return as_tensor(np.exp(-np.logaddexp(0, -a)).astype(a.dtype))


def softplus(x: Any) -> Tensor:
    a = _float(x)
    return as_tensor(np.logaddexp(0, a).astype(a.dtype))


def relu(x: Any) -> Tensor:
    return as_tensor(np.maximum(_arr(x), 0))


def softmax(x: Any, axis: int = -1) -> Tensor:
    a = _float(x)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return as_tensor(e / np.sum(e, axis=axis, keepdims=True))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    a = _float(x)
    shifted = a - np.max(a, axis=axis, keepdims=True)
    return as_tensor(shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)))


# -- shapes and construction ------------------------------------------------------


def reshape(x: Any, newshape: Any) -> Tensor:
    return as_tensor(np.reshape(_arr(x), newshape))


def expand_dims(x: Any, axis: Any) -> Tensor:
    return as_tensor(np.expand_dims(_arr(x), axis))


def squeeze(x: Any, axis: Axis = None) -> Tensor:
    return as_tensor(np.squeeze(_arr(x), axis=_axis(axis)))


def transpose(x: Any, axes: Any = None) -> Tensor:
    return as_tensor(np.transpose(_arr(x), axes))


def matmul(x1: Any, x2: Any) -> Tensor:
    return as_tensor(np.matmul(_arr(x1), _arr(x2)))


def dot(x1: Any, x2: Any) -> Tensor:
    return as_tensor(np.dot(_arr(x1), _arr(x2)))


def concatenate(xs: Sequence[Any], axis: int = 0) -> Tensor:
    return as_tensor(np.concatenate([_arr(x) for x in xs], axis=axis))


def stack(x: Sequence[Any], axis: int = 0) -> Tensor:
    return as_tensor(np.stack([_arr(v) for v in x], axis=axis))


def flatten(x: Any) -> Tensor:
    return as_tensor(_arr(x).reshape(-1))


def broadcast_to(x: Any, shape: Any) -> Tensor:
    return as_tensor(np.broadcast_to(_arr(x), shape).copy())


def tile(x: Any, repeats: Any) -> Tensor:
    return as_tensor(np.tile(_arr(x), repeats))


def take(x: Any, indices: Any, axis: Optional[int] = None) -> Tensor:
    return as_tensor(np.take(_arr(x), _arr(indices).astype(np.int64), axis=axis))


def take_along_axis(x: Any, indices: Any, axis: Optional[int] = None) -> Tensor:
    return as_tensor(np.take_along_axis(_arr(x), _arr(indices).astype(np.int64), axis=axis))


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = "float32") -> Tensor:
    labels = _arr(x).astype(np.int64)
    hot = (labels[..., None] == np.arange(num_classes)).astype(standardize_dtype(dtype))
    return as_tensor(np.moveaxis(hot, -1, axis))


def diag(x: Any, k: int = 0) -> Tensor:
    return as_tensor(np.diag(_arr(x), k))


def zeros(shape: Any, dtype: Any = "float32") -> Tensor:
    return as_tensor(np.zeros(shape, dtype=standardize_dtype(dtype)))


def ones(shape: Any, dtype: Any = "float32") -> Tensor:
    return as_tensor(np.ones(shape, dtype=standardize_dtype(dtype)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    return as_tensor(np.full(shape, fill_value, dtype=None if dtype is None else
                             standardize_dtype(dtype)))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return as_tensor(np.zeros_like(_arr(x), dtype=None if dtype is None else
                                   standardize_dtype(dtype)))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return as_tensor(np.ones_like(_arr(x), dtype=None if dtype is None else
                                  standardize_dtype(dtype)))


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return as_tensor(values, dtype)


def top_k(x: Any, k: int, sorted: bool = True) -> Tuple[Tensor, Tensor]:  # noqa: A002
    """The k largest values of the last axis and their indices (lower index
    first among equal values)."""
    a = _arr(x)
    idx = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return as_tensor(np.take_along_axis(a, idx, axis=-1)), as_tensor(idx.astype(np.int32))


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """Whether each target class is among the top k predictions of its row
    (ties at the boundary count, as in TensorFlow)."""
    p = _arr(predictions)
    t = _arr(targets).astype(np.int64)
    target_values = np.take_along_axis(p, t[:, None], axis=-1)
    larger = np.sum(p > target_values, axis=-1)
    return as_tensor((larger < k) & np.isfinite(target_values[:, 0]))


def normalize(x: Any, axis: int = -1, order: int = 2) -> Tensor:
    a = _float(x)
    norm = np.sqrt(np.maximum(np.sum(np.square(a), axis=axis, keepdims=True), 1e-12))
    return as_tensor(a / norm)


def gradient_error(name: str = "this computation") -> RuntimeError:
    """The error for code that needs a gradient through `lamina.ops`."""
    return RuntimeError(
        f"lamina.ops is forward-only: {name} would need a gradient, and lamina has no "
        "autodiff (layers and losses are differentiated in its C++ core). Custom metrics "
        "work; a custom loss or layer written with keras.ops cannot be trained."
    )
