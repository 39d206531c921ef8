"""`keras.ops` for lamina: a forward-only, numpy-backed subset.

Custom metrics written with `keras.ops` run unchanged on numpy batches.
Nothing here records gradients -- lamina has no autodiff -- so a custom loss
or layer built from these functions cannot be trained; see
`lamina.ops.numpy_ops`.
"""

from typing import Any

# ruff: noqa: F405  (the names in __all__ come from the star import)
from lamina.ops.numpy_ops import *  # noqa: F403
from lamina.ops.tensor import Tensor, Variable

__all__ = [
    "Tensor",
    "Variable",
    "abs",
    "absolute",
    "add",
    "all",
    "any",
    "arange",
    "argmax",
    "argmin",
    "broadcast_to",
    "cast",
    "ceil",
    "clip",
    "concatenate",
    "convert_to_numpy",
    "convert_to_tensor",
    "cos",
    "count_nonzero",
    "cumsum",
    "diag",
    "divide",
    "divide_no_nan",
    "dot",
    "dtype",
    "equal",
    "exp",
    "expand_dims",
    "expm1",
    "flatten",
    "floor",
    "floor_divide",
    "full",
    "gradient_error",
    "greater",
    "greater_equal",
    "in_top_k",
    "is_tensor",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "multiply",
    "ndim",
    "negative",
    "normalize",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "power",
    "prod",
    "relu",
    "reshape",
    "round",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "size",
    "softmax",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "take",
    "take_along_axis",
    "tanh",
    "tile",
    "top_k",
    "transpose",
    "true_divide",
    "var",
    "where",
    "zeros",
    "zeros_like",
]


def __getattr__(name: str) -> Any:
    # A keras.ops function lamina lacks: say so by name.
    from lamina.utils.unsupported import module_getattr

    module_getattr(
        "keras.ops", name, {},
        "lamina.ops is a forward-only numpy subset for custom metrics; it has no automatic "
        "differentiation, so custom losses and layers cannot be built from it.",
    )
