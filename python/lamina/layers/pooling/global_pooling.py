"""Global max / average pooling over every spatial position."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.convolutional import conv_utils
from lamina.layers.layer import Layer, Shape


class BaseGlobalPooling(Layer):
    """Args: data_format, keepdims (keep the reduced axes as 1s)."""

    rank = 2
    kind = "max"
    _built_at_init = True

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = conv_utils.check_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                f"{tuple(input_shape)}")
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.global_pool(self.name, self.kind, self.rank == 1, self.keepdims))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over all positions of a `(rows, cols, channels)` input."""


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over all steps of a `(steps, channels)` input."""

    rank = 1


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over all positions of a `(rows, cols, channels)` input."""

    kind = "avg"


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over all steps of a `(steps, channels)` input; with a mask, over
    the unmasked steps (the mask ends here)."""

    rank = 1
    kind = "avg"
    supports_masking = True

    def _mask_rule(self) -> str:
        return "drop"
