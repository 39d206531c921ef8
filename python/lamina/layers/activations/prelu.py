"""PReLU: leaky ReLU with a learned slope per input entry."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from lamina import _core, initializers
from lamina.layers._arguments import broadcast_index
from lamina.layers.layer import Layer, Shape


class PReLU(Layer):
    """Parametric ReLU: `x` for `x > 0`, `alpha * x` otherwise, with `alpha`
    a learned array.

    Args:
        alpha_initializer: initializer for the weights (default "Zeros").
        alpha_regularizer: regularizer for the weights.
        alpha_constraint: constraint for the weights.
        shared_axes: axes (1-based, batch excluded) along which alpha is
            shared, e.g. `[1, 2]` for one alpha per channel of an image.

    Weights:
        `alpha`: the per-sample input shape with shared axes set to 1.
    """

    supports_masking = True

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = self._weight_rule("alpha_regularizer", alpha_regularizer)
        self.alpha_constraint = self._weight_rule("alpha_constraint", alpha_constraint)
        self.shared_axes: Optional[List[int]]
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)
        self.alpha: Any = None

    def build(self, input_shape: Shape) -> None:
        param_shape = [int(d) if d is not None else None for d in input_shape[1:]]
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU layer '{self.name}': shared axis {axis} is outside "
                                 f"the input shape {tuple(input_shape)} (axes are 1-based).")
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU layer '{self.name}' needs known sizes for the axes it does "
                             f"not share. Received: input_shape={tuple(input_shape)}")
        self.alpha = self.add_weight([int(d or 0) for d in param_shape],
                                     self.alpha_initializer, "alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        super().build(input_shape)

    def _add_to_plan(self, plan: Any) -> None:
        sample = tuple(int(d or 0) for d in self.output_shape[1:])
        index = broadcast_index(self.alpha.shape, sample)
        plan.add(_core.ops.prelu(self.name, list(self.alpha.shape), index.tolist()),
                 [self.alpha.value])

    def get_config(self) -> Dict[str, Any]:
        from lamina.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config.update({
            "alpha_initializer": serialize_keras_object(self.alpha_initializer),
            "alpha_regularizer": serialize_keras_object(self.alpha_regularizer),
            "alpha_constraint": serialize_keras_object(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
