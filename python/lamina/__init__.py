"""lamina: Keras-compatible Sequential models on a fast C++ CPU core.

    import lamina as keras
"""

from lamina import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
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
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]
