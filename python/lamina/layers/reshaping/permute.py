"""Permute: reorders the per-sample axes."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core
from lamina.layers.layer import Layer, Shape


class Permute(Layer):
    """Permutes the dimensions of each sample according to a given pattern.

    Args:
        dims: tuple of ints, a permutation of `1..rank` (1-based; the batch
            axis is not included), e.g. `(2, 1)` swaps the two axes of a
            `(batch, a, b)` input.

    Raises:
        ValueError: if `dims` is not such a permutation.

    Input shape:
        `(batch_size, d1, ..., dn)`. Output shape: the dims reordered.
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={self.dims}")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Layer '{self.name}' (Permute) with dims={self.dims} expects inputs with "
                f"{len(self.dims) + 1} axes (batch included). Received: input_shape="
                f"{tuple(input_shape)}")
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.permute(self.name, list(self.dims)))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["dims"] = self.dims
        return config
