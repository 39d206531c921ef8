"""A float that knows which attribute it was read from.

`model.optimizer.learning_rate` is a plain number in lamina, but Keras
scripts treat it as a variable: `keras.backend.set_value(opt.learning_rate,
0.01)`, `opt.learning_rate.assign(0.01)`, `opt.learning_rate.numpy()`. A
`BoundScalar` is that number (a `float` subclass, so arithmetic, formatting
and `isinstance(lr, float)` are unchanged) plus a weak link back to its
owner, through which `assign` sets the attribute.
"""

from __future__ import annotations

import weakref
from typing import Any, Tuple

import numpy as np


class BoundScalar(float):
    """A float read from `owner.<attribute>`; `assign(v)` sets that attribute."""

    _owner: Any
    _attribute: str

    def __new__(cls, value: float, owner: Any, attribute: str) -> BoundScalar:
        self = super().__new__(cls, value)
        self._owner = weakref.ref(owner)
        self._attribute = attribute
        return self

    def assign(self, value: Any) -> None:
        """Sets the owner's attribute to `value` (this number itself does not change).

        Raises:
            ReferenceError: if the owner no longer exists.
        """
        owner = self._owner()
        if owner is None:
            raise ReferenceError(
                f"Cannot assign to `{self._attribute}`: the object it was read from is gone."
            )
        setattr(owner, self._attribute, value)

    def numpy(self) -> np.float32:
        """The value as a numpy float32 (as a Keras variable's `.numpy()` gives)."""
        return np.float32(self)

    @property
    def shape(self) -> Tuple[int, ...]:
        return ()

    @property
    def dtype(self) -> str:
        return "float32"

    def __reduce__(self) -> Any:
        # Pickles and deep-copies as the plain number (a weakref cannot be pickled).
        return (float, (float(self),))
