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
        stddev: float >= 0, the standard deviation of the noise. Keras 3
            refuses values above 1; lamina accepts them, as tf.keras 2.x did.
        seed: optional integer seed.

    Raises:
        ValueError: if `stddev` is negative or not a number.
    """

    supports_masking = True

    _built_at_init = True

    def __init__(self, stddev: float, seed: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not stddev >= 0:
            raise ValueError(
                "Invalid value received for argument `stddev`. Expected a float value >= 0. "
                f"Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self._native_seed = rng_utils.make_seed(seed)

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.gaussian_noise(self.name, float(self.stddev), self._native_seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
