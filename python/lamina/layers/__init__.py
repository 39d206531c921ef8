"""`keras.layers`: the layers lamina runs natively."""

from typing import Any

from lamina.layers.activations.activation import Activation
from lamina.layers.convolutional.conv1d import Conv1D
from lamina.layers.convolutional.conv2d import Conv2D
from lamina.layers.convolutional.conv2d_transpose import Conv2DTranspose
from lamina.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from lamina.layers.convolutional.separable_conv import SeparableConv1D, SeparableConv2D
from lamina.layers.core.dense import Dense
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.layer import Layer
from lamina.layers.normalization.batch_normalization import BatchNormalization
from lamina.layers.pooling.base_pooling import (
    AveragePooling1D,
    AveragePooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from lamina.layers.pooling.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
)
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping.flatten import Flatten

# Keras's aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D

__all__ = [
    "Activation", "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D",
    "BatchNormalization", "Conv1D", "Conv2D", "Conv2DTranspose", "Convolution1D",
    "Convolution2D", "Convolution2DTranspose", "Dense", "DepthwiseConv2D", "Dropout", "Flatten",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input",
    "InputLayer", "Layer", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
]


def __getattr__(name: str) -> Any:
    # A Keras layer lamina does not have yet: say so by name.
    from lamina.utils.unsupported import FUNCTIONAL_API_HINT, module_getattr

    merge = "Merge layers need the Functional API. " + FUNCTIONAL_API_HINT
    known = {
        "Lambda": "lamina never runs Python code inside a model; use built-in layers.",
        "Add": merge, "Concatenate": merge, "Multiply": merge, "Average": merge,
        "Subtract": merge, "Maximum": merge, "Minimum": merge, "Dot": merge,
    }
    module_getattr("keras.layers", name, known, f"lamina has: {', '.join(__all__)}.")
