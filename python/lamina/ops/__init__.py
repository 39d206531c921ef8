"""`keras.ops` for lamina: a forward-only, numpy-backed subset.

Custom metrics written with `keras.ops` run unchanged on numpy batches.
Nothing here records gradients -- lamina has no autodiff -- so a custom loss
or layer built from these functions cannot be trained; see
`lamina.ops.numpy_ops`.
"""

from lamina.ops.numpy_ops import *  # noqa: F401,F403
from lamina.ops.numpy_ops import __dict__ as _ops_namespace
from lamina.ops.tensor import Tensor, Variable

__all__ = sorted(
    [n for n, v in _ops_namespace.items() if callable(v) and not n.startswith("_")
     and getattr(v, "__module__", "") in ("lamina.ops.numpy_ops",)]
    + ["Tensor", "Variable"]
)
