"""SpatialDropout1D / SpatialDropout2D: drop whole feature maps in training."""

from __future__ import annotations

from typing import Any, Dict, Optional

from lamina import _core
from lamina.layers._arguments import check_rank, standardize_data_format
from lamina.layers.layer import Shape
from lamina.layers.regularization.dropout import Dropout


class _SpatialDropout(Dropout):
    _rank = 1

    def __init__(self, rate: float, seed: Optional[int] = None, name: Optional[str] = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        check_rank(self, input_shape, self._rank + 2)
        return tuple(input_shape)

    def _channels_first(self) -> bool:
        return False

    def _add_to_plan(self, plan: Any) -> None:
        plan.add(_core.ops.spatial_dropout(self.name, self._rank, self.rate, self._native_seed,
                                           self._channels_first()))

    def get_config(self) -> Dict[str, Any]:
        # Keras's spatial dropouts write only these keys (no `trainable`, and
        # the dtype as a plain name).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": "float32"}


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1-D feature maps: for each sample, a channel is zeroed
    with probability `rate` at every step; kept channels are scaled by
    `1 / (1 - rate)`. The identity at inference.

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        seed: optional integer seed.

    Input shape:
        `(batch, steps, channels)`. Output shape: the same.
    """

    _rank = 1


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2-D feature maps (channels) per sample; see
    SpatialDropout1D.

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        seed: optional integer seed.

    Input shape:
        `(batch, rows, cols, channels)` or `(batch, channels, rows, cols)`.
    """

    _rank = 2

    def __init__(self, rate: float, data_format: Optional[str] = None,
                 seed: Optional[int] = None, name: Optional[str] = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = standardize_data_format(data_format)

    def _channels_first(self) -> bool:
        return self.data_format == "channels_first"

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
