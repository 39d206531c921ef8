"""Reshape: gives each sample a new shape with the same number of values."""

from __future__ import annotations

import math
from typing import Any, Dict, Tuple

from lamina import _core
from lamina.layers.layer import Layer, Shape


def _validate_target(target_shape: Any) -> Tuple[int, ...]:
    try:
        target = tuple(target_shape)
    except TypeError:
        raise ValueError(
            "`target_shape` must be a tuple of integers, e.g. target_shape=(3, 4). "
            f"Received: target_shape={target_shape!r}") from None
    for d in target:
        if isinstance(d, bool) or not isinstance(d, int) or (d <= 0 and d != -1):
            raise ValueError(
                "`target_shape` must contain positive integers and at most one -1. "
                f"Received: target_shape={target}")
    if target.count(-1) > 1:
        raise ValueError(
            "There must be at most one unknown dimension (-1) in target_shape. "
            f"Received: target_shape={target}")
    return target


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch axis is kept).

    Args:
        target_shape: tuple of ints, the per-sample output shape; one entry
            may be -1 and is then inferred.

    Raises:
        ValueError: for a malformed `target_shape`, and when the model is
            built, if the sizes of the input and the target differ.

    Input shape:
        `(batch_size, ...)` with known per-sample dims.

    Output shape:
        `(batch_size, *target_shape)`.
    """

    _built_at_init = True  # as in Keras: no build_config in its config

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = _validate_target(target_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = tuple(input_shape[1:])
        target = self.target_shape
        if any(d is None for d in rest):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in target)
        size = math.prod(int(d or 0) for d in rest)
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if known == 0 or size % known:
                raise ValueError(
                    f"Layer '{self.name}' (Reshape) cannot reshape input of shape "
                    f"{tuple(input_shape)} ({size} values per sample) to target_shape="
                    f"{target}: {size} is not divisible by {known}.")
            target = tuple(size // known if d == -1 else d for d in target)
        elif known != size:
            raise ValueError(
                f"Layer '{self.name}' (Reshape): the total size of the tensor must be "
                f"unchanged. Received: input_shape={tuple(input_shape)} ({size} values per "
                f"sample), target_shape={target} ({known} values).")
        return (input_shape[0],) + target

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.reshape(self.name, [int(d or 0) for d in self.output_shape[1:]]))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
