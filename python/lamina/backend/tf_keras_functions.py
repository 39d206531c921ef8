"""tf.keras 2.x's `keras.backend` math functions (`K.sum`, `K.clip`, ...),
forward-only on numpy through `lamina.ops`.

Keras 3 removed them, but classic custom metrics are written with them (the
well-known recall/precision/F1 snippets use `K.sum(K.round(K.clip(...)))` and
`K.epsilon()`). They compute values only: a custom *loss* built from them
cannot be differentiated by lamina (see `lamina.ops`).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from lamina import ops

# Same signature and meaning in tf.keras 2.x's backend and keras.ops.
SAME_AS_OPS = (
    "abs", "all", "any", "argmax", "argmin", "cast", "cos", "dot", "equal", "exp",
    "expand_dims", "greater", "greater_equal", "less", "less_equal", "log", "max", "maximum",
    "mean", "min", "minimum", "not_equal", "ones_like", "prod", "relu", "reshape", "round",
    "sigmoid", "sign", "sin", "softmax", "softplus", "sqrt", "square", "squeeze", "stack",
    "std", "sum", "tanh", "transpose", "var", "zeros_like", "flatten", "shape",
)


def clip(x: Any, min_value: Any, max_value: Any) -> Any:
    """`K.clip(x, min_value, max_value)`."""
    return ops.clip(x, min_value, max_value)


def concatenate(tensors: Sequence[Any], axis: int = -1) -> Any:
    """`K.concatenate(tensors, axis=-1)` (the last axis by default, unlike `ops`)."""
    return ops.concatenate(tensors, axis=axis)


def pow(x: Any, a: Any) -> Any:  # noqa: A001 - tf.keras's name
    """`K.pow(x, a)`: x to the power a."""
    return ops.power(x, a)


def int_shape(x: Any) -> Tuple[Optional[int], ...]:
    """`K.int_shape(x)`: the shape as a tuple of ints."""
    return tuple(int(d) for d in ops.shape(x))


def constant(value: Any, dtype: Any = None, shape: Any = None, name: Any = None) -> Any:
    """`K.constant(value, dtype, shape)`: a float32 tensor by default."""
    import numpy as np

    array = np.asarray(value, dtype=dtype or "float32")
    if shape is not None:
        array = np.broadcast_to(array, shape).copy()
    return ops.convert_to_tensor(array)
