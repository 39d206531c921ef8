"""`keras.layers`: the layers lamina runs natively."""

from lamina.layers.activations.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.layer import Layer
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping.flatten import Flatten

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer"]
