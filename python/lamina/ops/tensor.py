"""The array types of `lamina.ops`: `Tensor`, a numpy array that also has
`.numpy()` (as TensorFlow's eager tensors do), and `Variable`, the mutable
state a metric creates with `add_weight`/`add_variable`."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np


class Tensor(np.ndarray):
    """A numpy array with `.numpy()`; what every `lamina.ops` function returns."""

    def numpy(self) -> np.ndarray:
        """A plain numpy copy (a numpy scalar for a 0-d tensor)."""
        value = np.asarray(self).copy()
        return value[()] if value.ndim == 0 else value


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """Wraps `value` (array-like or Variable) as a Tensor, optionally cast."""
    array = np.asarray(value.value if isinstance(value, Variable) else value)
    if dtype is not None:
        array = array.astype(standardize_dtype(dtype), copy=False)
    return array.view(Tensor)


def standardize_dtype(dtype: Any) -> np.dtype:
    """Keras dtype names ("float32", "int", "bool") as numpy dtypes.

    Raises:
        ValueError: for a name numpy does not know.
    """
    if dtype in ("int", "int_"):
        return np.dtype("int32")
    if dtype == "float":
        return np.dtype("float32")
    if hasattr(dtype, "as_numpy_dtype"):  # a TensorFlow DType
        return np.dtype(dtype.as_numpy_dtype)
    try:
        return np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"Invalid dtype: {dtype!r}") from err


class Variable(np.lib.mixins.NDArrayOperatorsMixin):
    """A named, mutable array (Keras's `keras.Variable`, without gradients).

    Arithmetic on a Variable reads its current value and returns a Tensor.
    """

    def __init__(
        self,
        initializer: Any = 0.0,
        shape: Optional[Tuple[int, ...]] = None,
        dtype: Any = "float32",
        name: Optional[str] = None,
        trainable: bool = False,
    ) -> None:
        self.name = name or "variable"
        self.trainable = trainable
        self._dtype = standardize_dtype(dtype or "float32")
        shape = tuple(shape) if shape is not None else ()
        if callable(initializer):
            value = initializer(shape, dtype=self._dtype)
        elif isinstance(initializer, str):
            value = _named_initial_value(initializer, shape)
        else:
            value = np.broadcast_to(np.asarray(initializer), shape) if shape else initializer
        self._value = np.array(value, dtype=self._dtype)
        self._initial = self._value.copy()

    @property
    def value(self) -> Tensor:
        return self._value.view(Tensor)

    @property
    def shape(self) -> Tuple[int, ...]:
        return self._value.shape

    @property
    def dtype(self) -> str:
        return self._dtype.name

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def assign(self, value: Any) -> Variable:
        new = np.asarray(value.value if isinstance(value, Variable) else value)
        if new.shape != self._value.shape and new.size != self._value.size:
            new = np.broadcast_to(new, self._value.shape)
        self._value = np.array(new, dtype=self._dtype).reshape(self._value.shape)
        return self

    def assign_add(self, value: Any) -> Variable:
        return self.assign(self._value + np.asarray(as_tensor(value)))

    def assign_sub(self, value: Any) -> Variable:
        return self.assign(self._value - np.asarray(as_tensor(value)))

    def numpy(self) -> Any:
        value = self._value.copy()
        return value[()] if value.ndim == 0 else value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._value if dtype is None else self._value.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        args = [x._value if isinstance(x, Variable) else x for x in inputs]
        result = getattr(ufunc, method)(*args, **kwargs)
        return as_tensor(result)

    def __getitem__(self, key: Any) -> Tensor:
        return as_tensor(self._value[key])

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __format__(self, spec: str) -> str:
        return format(self.numpy(), spec)

    def __repr__(self) -> str:
        return f"<Variable path={self.name}, shape={self.shape}, dtype={self.dtype}, " \
               f"value={self._value}>"


def _named_initial_value(name: str, shape: Tuple[int, ...]) -> np.ndarray:
    key = name.lower()
    if key in ("zeros", "zero"):
        return np.zeros(shape)
    if key in ("ones", "one"):
        return np.ones(shape)
    raise ValueError(
        f"Metric variables take the initializers 'zeros' or 'ones', a value or a callable; "
        f"received initializer={name!r}."
    )
