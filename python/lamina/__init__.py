"""lamina: Keras-compatible Sequential models on a fast C++ CPU core.

    import lamina as keras
"""

from typing import Any

from lamina import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
)
from lamina.layers import Input, Layer
from lamina.models import Sequential

__version__ = "0.1.0"

__all__ = [
    "Input",
    "Layer",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "regularizers",
    "saving",
    "utils",
]


def __getattr__(name: str) -> Any:
    # A part of Keras lamina does not have yet: say so by name.
    from lamina.utils.unsupported import FUNCTIONAL_API_HINT, module_getattr

    known = {
        "Model": FUNCTIONAL_API_HINT,
        "Functional": FUNCTIONAL_API_HINT,
        "KerasTensor": FUNCTIONAL_API_HINT,
        "applications": "Pretrained models need layers and the Functional API lamina lacks.",
        "mixed_precision": "lamina computes in float32.",
        "wrappers": "Use SciKeras with real Keras, or call fit/predict directly.",
    }
    module_getattr("keras", name, known)
