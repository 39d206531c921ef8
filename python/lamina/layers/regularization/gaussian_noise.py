"""GaussianNoise: additive zero-centred Gaussian noise, in training only."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers.layer import Layer
from lamina.utils import rng_utils


class GaussianNoise(Layer):
    """Adds `stddev * N(0, 1)` noise to its input during training; the
    identity at inference. Noise comes from lamina's counter-based generator
    keyed by (seed, step, element), so it is reproducible with
    `keras.utils.set_random_seed` for any thread count.

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: optional integer seed.

    Raises:
        ValueError: if `stddev` is outside [0, 1] (as in Keras 3).
    """

    _built_at_init = True

    def __init__(self, stddev: float, seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not (
                0 <= stddev <= 1):
            raise ValueError(
                "Invalid value received for argument `stddev`. Expected a float value between "
                f"0 and 1. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self._native_seed = rng_utils.make_seed(seed)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.gaussian_noise(self.name, float(self.stddev), self._native_seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
