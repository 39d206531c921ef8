"""Masking: skips timesteps whose features all equal `mask_value`."""

from __future__ import annotations

from typing import Any, Dict

from lamina import _core
from lamina.layers.layer import Layer


class Masking(Layer):
    """Masks a sequence: a timestep whose features all equal `mask_value` is
    zeroed and masked for the layers after it (recurrent layers skip it,
    GlobalAveragePooling1D leaves it out, the loss and metrics ignore it).

    Args:
        mask_value: the value that marks padding (default 0.0).

    Input shape:
        `(batch_size, timesteps, features)` (any rank; the last axis holds the
        features).

    Output shape:
        Same as the input.

    Raises:
        ValueError: if `mask_value` is not a number.
    """

    supports_masking = True

    _built_at_init = True  # as in Keras: no build_config in its config

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config") is not None:
            from lamina.saving.serialization_lib import deserialize_keras_object

            mask_value = deserialize_keras_object(mask_value)
        try:
            float(mask_value)
        except (TypeError, ValueError):
            raise ValueError(
                f"Masking `mask_value` must be a number. Received: mask_value={mask_value!r}"
            ) from None
        self.mask_value = mask_value

    def _mask_rule(self) -> str:
        return "new"

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.masking(self.name, float(self.mask_value)))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"mask_value": self.mask_value})
        return config
