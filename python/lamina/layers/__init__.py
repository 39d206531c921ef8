"""`keras.layers`: the layers lamina runs natively."""

from typing import Any

from lamina.layers.activations.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.layer import Layer
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping.flatten import Flatten

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer"]


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
