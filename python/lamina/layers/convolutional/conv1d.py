"""Conv1D: 1-D convolution over (steps, channels) inputs, incl. causal padding."""

from __future__ import annotations

from lamina.layers.convolutional.conv2d import Conv2D


class Conv1D(Conv2D):
    """1-D convolution layer (channels_last); `padding="causal"` pads on the
    left only, so output t sees inputs up to t. Kernel `(k, in/groups, filters)`."""

    rank = 1
    allow_causal = True
