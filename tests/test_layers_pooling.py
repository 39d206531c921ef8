"""Pooling layers through `run_layer_test`, plus Keras's shape rules."""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np
import pytest
from layer_test_utils import run_layer_test

import lamina

POOLING = [
    ("MaxPooling2D", {}, (6, 6, 2), (3, 3, 2)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 6, 2), (4, 3, 2)),
    ("MaxPooling2D", {"pool_size": (2, 3), "strides": 1}, (4, 5, 1), (3, 3, 1)),
    ("AveragePooling2D", {"pool_size": 2}, (6, 6, 2), (3, 3, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 6, 2),
     (4, 3, 2)),
    ("MaxPooling1D", {}, (9, 3), (4, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (9, 3), (5, 3)),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (7, 2), (4, 2)),
    ("GlobalMaxPooling2D", {}, (4, 5, 3), (3,)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (4, 5, 3), (1, 1, 3)),
    ("GlobalAveragePooling2D", {}, (4, 5, 3), (3,)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (4, 5, 3), (1, 1, 3)),
    ("GlobalMaxPooling1D", {}, (6, 3), (3,)),
    ("GlobalAveragePooling1D", {"keepdims": True}, (6, 3), (1, 3)),
]


@pytest.mark.parity
@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", POOLING)
def test_pooling(keras_ref: Any, cls: str, kwargs: Dict[str, Any], input_shape: Tuple[int, ...],
                 output_shape: Tuple[int, ...]) -> None:
    run_layer_test(cls, kwargs, input_shape, output_shape, keras=keras_ref)


def test_same_average_pooling_counts_only_real_elements() -> None:
    model = lamina.Sequential([lamina.Input((3, 3, 1)),
                               lamina.layers.AveragePooling2D(2, padding="same")])
    x = np.ones((1, 3, 3, 1), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.ones((1, 2, 2, 1)))


def test_pooling_errors() -> None:
    with pytest.raises(ValueError, match="pool_size"):
        lamina.layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ValueError, match="output size would be negative or zero"):
        lamina.Sequential([lamina.Input((1, 1, 2)), lamina.layers.MaxPooling2D(2)])
    with pytest.raises(ValueError, match="`padding` argument"):
        lamina.layers.MaxPooling1D(padding="causal")


def test_pooling_aliases() -> None:
    assert lamina.layers.MaxPool2D is lamina.layers.MaxPooling2D
    assert lamina.layers.GlobalAvgPool1D is lamina.layers.GlobalAveragePooling1D


@pytest.mark.parametrize("conv", ["Conv1D", "Conv2D"])
def test_relu_gradient_applied_by_the_max_pool_after_it(conv):
    # Conv(relu) -> MaxPooling hands relu's gradient to the pool (one pass
    # fewer); with an Identity between them it is not paired. Same gradients.
    rank = 1 if conv == "Conv1D" else 2
    shape = (12, 3) if rank == 1 else (8, 8, 3)
    pool = getattr(lamina.layers, f"MaxPooling{rank}D")

    def model(between):
        layers = [lamina.Input(shape), getattr(lamina.layers, conv)(4, 3, activation="relu")]
        layers += between + [pool(2), lamina.layers.Flatten(), lamina.layers.Dense(2)]
        m = lamina.Sequential(layers)
        m.compile(lamina.optimizers.SGD(0.0), "mse")
        return m

    paired, unpaired = model([]), model([lamina.layers.Identity()])
    unpaired.set_weights(paired.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6,) + shape).astype(np.float32)
    y = rng.normal(size=(6, 2)).astype(np.float32)
    paired.train_on_batch(x, y)
    unpaired.train_on_batch(x, y)
    for a, b in zip(paired._plan.gradients(), unpaired._plan.gradients()):
        np.testing.assert_array_equal(a, b)
    assert np.abs(paired._plan.gradients()[0]).sum() > 0
