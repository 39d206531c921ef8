"""Conv2D: 2-D convolution over (rows, cols, channels) inputs."""

from __future__ import annotations

from typing import Any

from lamina import _core, activations
from lamina.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2-D convolution layer (channels_last), with its bias and activation
    computed in the same native op. Kernel `(kh, kw, in/groups, filters)`."""

    rank = 2

    def _add_to_plan(self, plan: Any) -> None:
        activation, params = activations.plan_spec(self.activation)
        plan.add(_core.ops.conv(self.name, list(self.kernel_size), list(self.strides),
                                list(self.dilation_rate), self.padding, self.filters,
                                self.groups, activation, params, self.use_bias),
                 self._weights_for_plan())
