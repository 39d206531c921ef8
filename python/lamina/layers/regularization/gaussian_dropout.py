"""GaussianDropout: multiplicative 1-centred Gaussian noise, in training only."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.layer import Layer
from lamina.utils import rng_utils


class GaussianDropout(Layer):
    """Multiplies its input by `N(1, sqrt(rate / (1 - rate)))` noise during
    training; the identity at inference. Noise comes from lamina's
    counter-based generator keyed by (seed, step, element).

    Args:
        rate: float in [0, 1), the drop probability of the equivalent Dropout.
        seed: optional integer seed.

    Raises:
        ValueError: if `rate` is outside [0, 1], or 1 (infinite noise).
    """

    supports_masking = True

    _built_at_init = True

    def __init__(self, rate: float, seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate}")
        if rate == 1:
            raise ValueError(
                f"GaussianDropout layer '{self.name}' with rate=1 has infinite noise "
                "(stddev sqrt(rate / (1 - rate))); lamina requires rate < 1.")
        self.rate = rate
        self.seed = seed
        self._native_seed = rng_utils.make_seed(seed)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.gaussian_dropout(self.name, float(self.rate), self._native_seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
