"""RepeatVector: repeats a vector `n` times along a new axis."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core
from lamina.layers._arguments import check_rank
from lamina.layers.layer import Layer, Shape


class RepeatVector(Layer):
    """Repeats the input `n` times.

    Args:
        n: positive int, the number of repetitions.

    Raises:
        TypeError: if `n` is not an int. ValueError: if it is not positive.

    Input shape:
        `(batch_size, features)`. Output shape: `(batch_size, n, features)`.
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, 2)
        return (input_shape[0], self.n, input_shape[1])

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.repeat_vector(self.name, self.n))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["n"] = self.n
        return config
