"""Dropout: zeroes a fraction `rate` of inputs during training (inverted scaling)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.layer import Layer
from lamina.utils import rng_utils


class Dropout(Layer):
    """Randomly sets input units to 0 with frequency `rate` during training and
    scales the others by `1 / (1 - rate)`; does nothing at inference.

    The mask comes from a counter-based generator keyed by `seed` (drawn from
    `keras.utils.set_random_seed`'s generator when None) and the step, so it
    is reproducible and independent of the thread count.

    Args:
        rate: float in [0, 1), the fraction of units to drop.
        noise_shape: not supported yet (must be None).
        seed: optional integer seed.
    """

    supports_masking = True

    _built_at_init = True  # as in Keras: no build_config in its config

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: Optional[int] = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate}"
            )
        if rate == 1:
            raise ValueError(
                f"Dropout layer '{self.name}' with rate=1 would drop every unit; "
                "lamina requires rate < 1."
            )
        if noise_shape is not None:
            raise ValueError("Dropout `noise_shape` is not supported by lamina yet.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._native_seed = rng_utils.make_seed(seed)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.dropout(self.name, self.rate, self._native_seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
