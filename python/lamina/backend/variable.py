"""A weight: a named numpy array that the native core reads and writes in place.

The array is allocated once and never rebound, so the compiled plan's pointer
to it stays valid: `assign` copies into it.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np


class Variable:
    """A model weight (Keras's `keras.Variable` surface, float32 on CPU)."""

    def __init__(
        self, value: Any, name: str, trainable: bool = True, path: str = "",
        dtype: str = "float32",
    ) -> None:
        # order="C" keeps a scalar 0-d (ascontiguousarray would make it 1-d).
        self._value = np.array(value, dtype=dtype, copy=True, order="C")
        self.name = name
        self.path = path or name
        self.trainable = trainable
        self.regularizer: Any = None  # keras.regularizers object (penalty in the loss)
        self.constraint: Any = None  # keras.constraints object (applied after updates)

    @property
    def shape(self) -> Tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> str:
        return str(self._value.dtype)

    @property
    def value(self) -> np.ndarray:
        return self._value

    def numpy(self) -> np.ndarray:
        """A copy of the current value."""
        return self._value.copy()

    def assign(self, value: Any) -> None:
        """Copies `value` in place (its shape must match).

        Raises:
            ValueError: if the shapes differ.
        """
        value = np.asarray(value, dtype=self._value.dtype)
        if value.shape != self._value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to variable '{self.path}' "
                f"of shape {self._value.shape}."
            )
        np.copyto(self._value, value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._value.astype(dtype) if dtype is not None else self._value.copy()

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
