"""Tests for `lamina.utils.summary_utils.print_summary`.

Every expected string below was captured from Keras 3.15.1 (rich 15, the
TensorFlow backend) by calling `model.summary(print_fn=...)` on the real model
described next to it, with `COLUMNS=80` and stdout not a terminal (so Keras
used its default line length of 80 - 4 = 76). The fakes in this file mirror
those models: same names, class names, output shapes and weight shapes.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from lamina.utils.summary_utils import print_summary, readable_memory_size


# --------------------------------------------------------------------------
# Fakes with the duck-typed interface print_summary relies on.
# --------------------------------------------------------------------------
class FakeWeight:
    def __init__(self, *shape: int, dtype: str = "float32") -> None:
        self.shape: Tuple[int, ...] = tuple(shape)
        self.dtype = dtype


class FakeLayer:
    def __init__(
        self,
        name: str,
        output_shape: Optional[Tuple[Optional[int], ...]] = None,
        weights: Sequence[FakeWeight] = (),
        non_trainable: Sequence[FakeWeight] = (),
        trainable: bool = True,
        built: bool = True,
    ) -> None:
        self.name = name
        self._output_shape = output_shape
        self._weights = list(weights)
        self._non_trainable = list(non_trainable)
        self.trainable = trainable
        self.built = built

    @property
    def output_shape(self) -> Tuple[Optional[int], ...]:
        if not self.built or self._output_shape is None:
            raise ValueError(f"Layer {self.name} has not been built.")
        return self._output_shape

    @property
    def trainable_weights(self) -> List[FakeWeight]:
        return list(self._weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> List[FakeWeight]:
        frozen = [] if self.trainable else list(self._weights)
        return frozen + self._non_trainable

    def count_params(self) -> int:
        total = 0
        for weight in self._weights + self._non_trainable:
            size = 1
            for dim in weight.shape:
                size *= dim
            total += size
        return total


# The summary prints `type(layer).__name__`, so the fakes carry Keras's names.
class Dense(FakeLayer):
    pass


class Dropout(FakeLayer):
    pass


class Flatten(FakeLayer):
    pass


class BatchNormalization(FakeLayer):
    pass


class Sequential(FakeLayer):
    """A nested model used as a layer."""

    def __init__(self, name: str, layers: List[FakeLayer], output_shape: Tuple[Any, ...]) -> None:
        weights = [w for layer in layers for w in layer.trainable_weights]
        super().__init__(name, output_shape, weights)
        self.layers = layers


class FakeOptimizer:
    def __init__(self, variables: List[FakeWeight], built: bool) -> None:
        self.variables = variables
        self.built = built


class FakeModel:
    def __init__(
        self,
        layers: List[FakeLayer],
        name: str = "sequential",
        optimizer: Optional[FakeOptimizer] = None,
    ) -> None:
        self.name = name
        self.layers = layers
        self.optimizer = optimizer
        self.compiled = optimizer is not None
        self.built = all(layer.built for layer in layers)

    @property
    def trainable_weights(self) -> List[FakeWeight]:
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> List[FakeWeight]:
        return [w for layer in self.layers for w in layer.non_trainable_weights]


def dense(name: str, n_in: int, n_out: int, **kwargs: Any) -> Dense:
    return Dense(name, (None, n_out), [FakeWeight(n_in, n_out), FakeWeight(n_out)], **kwargs)


def mlp(name: str = "sequential", frozen: bool = False) -> FakeModel:
    """Sequential([Input((20,)), Dense(64, relu), Dropout(0.1), Dense(3, softmax)])."""
    return FakeModel(
        [
            dense("dense", 20, 64, trainable=not frozen),
            Dropout("dropout", (None, 64)),
            dense("dense_1", 64, 3),
        ],
        name=name,
    )


def adam_variables(model: FakeModel) -> List[FakeWeight]:
    """What Keras's Adam holds once built: iteration (int64), learning_rate,
    then a momentum and a velocity per trainable weight."""
    variables = [FakeWeight(dtype="int64"), FakeWeight()]
    for weight in model.trainable_weights:
        variables += [FakeWeight(*weight.shape), FakeWeight(*weight.shape)]
    return variables


def summary_text(model: FakeModel, **kwargs: Any) -> str:
    received: List[str] = []
    print_summary(model, print_fn=received.append, **kwargs)
    assert len(received) == 1
    return received[0]


@pytest.fixture(autouse=True)
def plain_80_column_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin what Keras reads from the environment: an 80-column console."""
    monkeypatch.setenv("COLUMNS", "80")
    for name in ("LINES", "JUPYTER_COLUMNS", "NO_COLOR", "COLORTERM", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


# --------------------------------------------------------------------------
# Expected text, captured from Keras 3.15.1 (see the module docstring).
# --------------------------------------------------------------------------
# Keras 3.15.1, the MLP (Input((20,)), Dense(64), Dropout(0.1), Dense(3)), uncompiled: summary()
UNCOMPILED = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP after compile(optimizer="adam", ...), before fit: summary()
COMPILED_BEFORE_FIT = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP after compile(optimizer="adam", ...) and one fit step: summary()
FITTED = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 4,619 (18.05 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 3,080 (12.04 KB)
"""

# Keras 3.15.1, the MLP built with name="my_model": summary()
MY_MODEL = """\
Model: "my_model"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP: summary(line_length=100); lines are cut at the 80-column console
LINE_LENGTH_100 = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳
┃ Layer (type)                               ┃ Output Shape                    ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇
│ dense (Dense)                              │ (None, 64)                      │
├────────────────────────────────────────────┼─────────────────────────────────┼
│ dropout (Dropout)                          │ (None, 64)                      │
├────────────────────────────────────────────┼─────────────────────────────────┼
│ dense_1 (Dense)                            │ (None, 3)                       │
└────────────────────────────────────────────┴─────────────────────────────────┴
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP: summary(line_length=30); cells wrap, long values end in an ellipsis
LINE_LENGTH_30 = """\
Model: "sequential"
┏━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━┓
┃ Layer      ┃ Output  ┃ Pa… ┃
┃ (type)     ┃ Shape   ┃   # ┃
┡━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━┩
│ dense      │ (None,  │ 1,… │
│ (Dense)    │ 64)     │     │
├────────────┼─────────┼─────┤
│ dropout    │ (None,  │   0 │
│ (Dropout)  │ 64)     │     │
├────────────┼─────────┼─────┤
│ dense_1    │ (None,  │ 195 │
│ (Dense)    │ 3)      │     │
└────────────┴─────────┴─────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP: summary(positions=[0.3, 0.5, 0.7]); the table still fills line_length
POSITIONS = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                 ┃ Output Shape         ┃            Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━┩
│ dense (Dense)                │ (None, 64)           │              1,344 │
├──────────────────────────────┼──────────────────────┼────────────────────┤
│ dropout (Dropout)            │ (None, 64)           │                  0 │
├──────────────────────────────┼──────────────────────┼────────────────────┤
│ dense_1 (Dense)              │ (None, 3)            │                195 │
└──────────────────────────────┴──────────────────────┴────────────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Dense layers named a_very_long_layer_name_that_goes_on_and_on_forever and
#   averylonglayernamewithoutanyseparatorswhatsoeverxx: summary()
LONG_NAMES = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ a_very_long_layer_name_that_go… │ (None, 64)             │         1,344 │
│ (Dense)                         │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ averylonglayernamewithoutanyse… │ (None, 3)              │           195 │
│ (Dense)                         │                        │               │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Sequential([Input((28, 28)), Flatten(), Dense(128), Dense(10)]): summary()
FLATTEN = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP: summary(show_trainable=True)
SHOW_TRAINABLE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ dense (Dense)               │ (None, 64)            │      1,344 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dropout (Dropout)           │ (None, 64)            │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_1 (Dense)             │ (None, 3)             │        195 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP with layers[0].trainable = False: summary()
FROZEN = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 195 (780.00 B)
 Non-trainable params: 1,344 (5.25 KB)
"""

# Keras 3.15.1, the MLP with layers[0].trainable = False: summary(show_trainable=True)
FROZEN_SHOW_TRAINABLE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ dense (Dense)               │ (None, 64)            │      1,344 │   N   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dropout (Dropout)           │ (None, 64)            │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_1 (Dense)             │ (None, 3)             │        195 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 195 (780.00 B)
 Non-trainable params: 1,344 (5.25 KB)
"""

# Keras 3.15.1, Sequential([Dense(3)]) never built: summary() (no exception in Keras 3)
UNBUILT = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Sequential(): summary()
EMPTY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, the MLP: summary(layer_range=["dropout", "dense_1"])
LAYER_RANGE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │           195 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Sequential([Input((784,)), Dense(64), Dense(64), Dense(10)]): summary()
MNIST = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │        50,240 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 64)             │         4,160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 10)             │           650 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 55,050 (215.04 KB)
 Trainable params: 55,050 (215.04 KB)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Sequential([Input((8,)), <Sequential "inner": Dense(4), Dense(2)>, Dense(1)],
#   name="outer"): summary(expand_nested=True)
NESTED_EXPANDED = """\
Model: "outer"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ inner (Sequential)              │ (None, 2)              │            46 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ dense (Dense)              │ (None, 4)              │            36 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ dense_1 (Dense)            │ (None, 2)              │            10 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 49 (196.00 B)
 Trainable params: 49 (196.00 B)
 Non-trainable params: 0 (0.00 B)
"""

# Keras 3.15.1, Sequential([Input((8,)), Dense(4), BatchNormalization()], name="x" * 90 + " yy"):
#   summary(); the title wraps at 80 columns, its first line keeps a trailing space
LONG_MODEL_NAME = (
    "Model: \n"
    + """\
"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
xxxxxxxxxxx yy"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 4)              │            36 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 4)              │            16 │
│ (BatchNormalization)            │                        │               │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 52 (208.00 B)
 Trainable params: 44 (176.00 B)
 Non-trainable params: 8 (32.00 B)
"""
)

# Keras 3.15.1, the MLP: summary(print_fn=...) with PYTHONIOENCODING=ascii (rich's ASCII box)
ASCII_BOX = """\
Model: "sequential"
+--------------------------------------------------------------------------+
| Layer (type)                    | Output Shape           |       Param # |
|---------------------------------+------------------------+---------------|
| dense (Dense)                   | (None, 64)             |         1,344 |
|---------------------------------+------------------------+---------------|
| dropout (Dropout)               | (None, 64)             |             0 |
|---------------------------------+------------------------+---------------|
| dense_1 (Dense)                 | (None, 3)              |           195 |
+--------------------------------------------------------------------------+
 Total params: 1,539 (6.01 KB)
 Trainable params: 1,539 (6.01 KB)
 Non-trainable params: 0 (0.00 B)
"""
# Keras 3.15.1, the MLP with layers[0].trainable = False: summary(show_trainable=True) written to a
# terminal (a pty, COLUMNS=80), one entry per TERM/NO_COLOR setting. "\r\n" from the pty is
# turned back into "\n".
TTY_BYTES_256 = (
    '\x1b[1mModel: "sequential"\x1b[0m\n'
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓\n"
    "┃\x1b[1m \x1b[0m\x1b[1mLayer (type)               \x1b[0m\x1b[1m \x1b[0m"
    "┃\x1b[1m \x1b[0m\x1b[1mOutput Shape         \x1b[0m\x1b[1m \x1b[0m"
    "┃\x1b[1m \x1b[0m\x1b[1m   Param #\x1b[0m\x1b[1m \x1b[0m"
    "┃\x1b[1m \x1b[0m\x1b[1mTrai…\x1b[0m\x1b[1m \x1b[0m┃\n"
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩\n"
    "│ dense (\x1b[38;5;33mDense\x1b[0m)               "
    "│ (\x1b[38;5;45mNone\x1b[0m, \x1b[38;5;34m64\x1b[0m)            "
    "│      \x1b[38;5;34m1,344\x1b[0m │   \x1b[1;91mN\x1b[0m   │\n"
    "├─────────────────────────────┼───────────────────────┼────────────┼───────┤\n"
    "│ dropout (\x1b[38;5;33mDropout\x1b[0m)           "
    "│ (\x1b[38;5;45mNone\x1b[0m, \x1b[38;5;34m64\x1b[0m)            "
    "│          \x1b[38;5;34m0\x1b[0m │   \x1b[1m-\x1b[0m   │\n"
    "├─────────────────────────────┼───────────────────────┼────────────┼───────┤\n"
    "│ dense_1 (\x1b[38;5;33mDense\x1b[0m)             "
    "│ (\x1b[38;5;45mNone\x1b[0m, \x1b[38;5;34m3\x1b[0m)             "
    "│        \x1b[38;5;34m195\x1b[0m │   \x1b[1;38;5;34mY\x1b[0m   │\n"
    "└─────────────────────────────┴───────────────────────┴────────────┴───────┘\n"
    "\x1b[1m Total params: \x1b[0m\x1b[38;5;34m1,539\x1b[0m (6.01 KB)\n"
    "\x1b[1m Trainable params: \x1b[0m\x1b[38;5;34m195\x1b[0m (780.00 B)\n"
    "\x1b[1m Non-trainable params: \x1b[0m\x1b[38;5;34m1,344\x1b[0m (5.25 KB)\n"
)
# Same, TERM=xterm (16 colours): rich maps the 256-colour indices to the nearest standard ones.
TTY_BYTES_16 = (
    TTY_BYTES_256.replace("\x1b[38;5;33m", "\x1b[94m")
    .replace("\x1b[38;5;45m", "\x1b[96m")
    .replace("\x1b[38;5;34m", "\x1b[32m")
    .replace("\x1b[1;38;5;34m", "\x1b[1;32m")
)
# Same, TERM=xterm NO_COLOR=1: bold survives, colours go.
TTY_BYTES_NO_COLOR = (
    re.sub(r"\x1b\[38;5;\d+m([^\x1b]*)\x1b\[0m", r"\1", TTY_BYTES_256)
    .replace("\x1b[1;91m", "\x1b[1m")
    .replace("\x1b[1;38;5;34m", "\x1b[1m")
)


# --------------------------------------------------------------------------
# Exact text.
# --------------------------------------------------------------------------
def _flatten_model() -> FakeModel:
    return FakeModel(
        [
            Flatten("flatten", (None, 784)),
            dense("dense", 784, 128),
            dense("dense_1", 128, 10),
        ]
    )


def _long_names_model() -> FakeModel:
    return FakeModel(
        [
            dense("a_very_long_layer_name_that_goes_on_and_on_forever", 20, 64),
            dense("averylonglayernamewithoutanyseparatorswhatsoeverxx", 64, 3),
        ]
    )


def _mnist_model() -> FakeModel:
    return FakeModel([dense("dense", 784, 64), dense("dense_1", 64, 64), dense("dense_2", 64, 10)])


def _nested_model() -> FakeModel:
    inner = Sequential("inner", [dense("dense", 8, 4), dense("dense_1", 4, 2)], (None, 2))
    return FakeModel([inner, dense("dense_2", 2, 1)], name="outer")


def _long_model_name() -> FakeModel:
    bn = BatchNormalization(
        "batch_normalization",
        (None, 4),
        weights=[FakeWeight(4), FakeWeight(4)],
        non_trainable=[FakeWeight(4), FakeWeight(4)],
    )
    return FakeModel([dense("dense", 8, 4), bn], name="x" * 90 + " yy")


CASES: Dict[str, Tuple[Any, Dict[str, Any], str]] = {
    "uncompiled": (mlp, {}, UNCOMPILED),
    "named": (lambda: mlp("my_model"), {}, MY_MODEL),
    "line_length_100": (mlp, {"line_length": 100}, LINE_LENGTH_100),
    "line_length_30": (mlp, {"line_length": 30}, LINE_LENGTH_30),
    "positions": (mlp, {"positions": [0.3, 0.5, 0.7]}, POSITIONS),
    "long_layer_names": (_long_names_model, {}, LONG_NAMES),
    "flatten": (_flatten_model, {}, FLATTEN),
    "show_trainable": (mlp, {"show_trainable": True}, SHOW_TRAINABLE),
    "frozen": (lambda: mlp(frozen=True), {}, FROZEN),
    "frozen_show_trainable": (
        lambda: mlp(frozen=True),
        {"show_trainable": True},
        FROZEN_SHOW_TRAINABLE,
    ),
    "unbuilt": (lambda: FakeModel([Dense("dense", built=False)]), {}, UNBUILT),
    "empty": (lambda: FakeModel([]), {}, EMPTY),
    "layer_range": (mlp, {"layer_range": ["dropout", "dense_1"]}, LAYER_RANGE),
    "mnist": (_mnist_model, {}, MNIST),
    "nested_expanded": (_nested_model, {"expand_nested": True}, NESTED_EXPANDED),
    "long_model_name": (_long_model_name, {}, LONG_MODEL_NAME),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_text_matches_keras(case: str) -> None:
    factory, kwargs, expected = CASES[case]
    assert summary_text(factory(), **kwargs) == expected


def test_print_fn_receives_the_whole_summary_once() -> None:
    calls: List[Tuple[Tuple[Any, ...], Dict[str, Any]]] = []

    def record(*args: Any, **kwargs: Any) -> None:
        calls.append((args, kwargs))

    print_summary(mlp(), print_fn=record)
    # Keras 3 calls print_fn once, positionally, with every line (the last one
    # included) terminated by "\n" -- unlike Keras 2, which called it per line.
    assert calls == [((UNCOMPILED,), {})]
    assert UNCOMPILED.endswith(" Non-trainable params: 0 (0.00 B)\n")


def test_not_a_terminal_stdout_gets_the_same_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    print_summary(mlp(frozen=True), show_trainable=True)
    out = capsys.readouterr().out
    assert out == FROZEN_SHOW_TRAINABLE
    assert "\x1b" not in out
    assert not any(line.endswith(" ") for line in out.splitlines())


def test_optimizer_params_appear_once_the_optimizer_is_built() -> None:
    model = mlp()
    model.optimizer = FakeOptimizer(adam_variables(model), built=False)
    model.compiled = True
    # compile() alone: Keras's optimizer is not built yet, so no line.
    assert summary_text(model) == COMPILED_BEFORE_FIT == UNCOMPILED
    # After a fit step: iteration (int64, 8 bytes) + learning_rate + 2 * 1,539 slots.
    model.optimizer.built = True
    assert summary_text(model) == FITTED
    assert " Optimizer params: 3,080 (12.04 KB)\n" in FITTED


def test_optimizer_without_built_flag_counts_once_it_has_variables() -> None:
    # A model without a `compiled` attribute counts as compiled when it has
    # an optimizer; an optimizer without `built` counts as built once it has
    # variables.
    model = mlp()
    del model.compiled

    class BareOptimizer:
        def __init__(self, variables: List[FakeWeight]) -> None:
            self.variables = variables

    model.optimizer = BareOptimizer([])
    assert summary_text(model) == UNCOMPILED
    model.optimizer = BareOptimizer(adam_variables(model))
    assert summary_text(model) == FITTED


def test_uncompiled_model_with_an_optimizer_attribute_shows_no_optimizer_line() -> None:
    model = mlp()
    model.optimizer = FakeOptimizer(adam_variables(model), built=True)
    model.compiled = False
    assert summary_text(model) == UNCOMPILED


# --------------------------------------------------------------------------
# Widths.
# --------------------------------------------------------------------------
def _border_widths(text: str) -> List[int]:
    top = text.splitlines()[1]
    return [len(run) for run in top.strip("┏┓").split("┳")]


def test_default_width_is_terminal_minus_four(monkeypatch: pytest.MonkeyPatch) -> None:
    # int(0.45 * 76) = 34, 60 - 34 = 26, 76 - 60 = 16; each gets 2 cells of
    # padding (36, 28, 18 = 82) and the 10-cell excess over 76 - 4 borders is
    # taken evenly (3, 4, 3) -> 33, 24, 15 inner widths, as in UNCOMPILED.
    assert _border_widths(UNCOMPILED) == [33, 24, 15]
    monkeypatch.setenv("COLUMNS", "60")
    text = summary_text(mlp())
    table = text.splitlines()[1:10]
    assert {len(line) for line in table} == {56}  # min(88, 60 - 4)
    monkeypatch.setenv("COLUMNS", "200")
    text = summary_text(mlp())
    assert {len(line) for line in text.splitlines()[1:10]} == {88}
    # 39/31/18 requested (+2 = 41/33/20, 94 cells) in 88 - 4 = 84: 3/4/3 taken off.
    assert _border_widths(text) == [38, 29, 17]


def test_line_length_wider_than_console_is_cropped(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = LINE_LENGTH_100.splitlines()
    assert max(len(line) for line in lines) == 80
    assert lines[1].endswith("┳")  # the third column is cut off, as Keras cuts it
    # With a wide enough console the same call keeps all 100 columns (layout
    # checked against Keras 3.15.1 with COLUMNS=200).
    monkeypatch.setenv("COLUMNS", "200")
    text = summary_text(mlp(), line_length=100)
    assert {len(line) for line in text.splitlines()[1:10]} == {100}
    assert _border_widths(text) == [44, 33, 19]


def test_positions_narrower_than_line_length_are_stretched() -> None:
    # Requested 22/16/15 (+2 padding = 59) < 72 available: the 13 spare
    # cells go out in proportion, 6/4/3.
    assert _border_widths(POSITIONS) == [30, 22, 20]


def test_show_trainable_scales_positions_and_adds_a_column() -> None:
    assert _border_widths(SHOW_TRAINABLE) == [29, 23, 12, 7]
    assert "┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃" in (
        SHOW_TRAINABLE
    )


def test_columns_narrower_than_four_raise() -> None:
    # int(0.45 * 14) = 6, int(0.8 * 14) - 6 = 5, 14 - 11 = 3 < 4 (Keras 3.15.1 raises the same).
    with pytest.raises(ValueError, match="^Insufficient console width to print summary.$"):
        print_summary(mlp(), line_length=14, print_fn=lambda s: None)
    # 20 gives 9, 7 and 4 columns: allowed.
    assert summary_text(mlp(), line_length=20).startswith('Model: "sequential"\n')


def test_positions_shorter_than_the_columns_raise() -> None:
    with pytest.raises(ValueError, match="positions"):
        print_summary(mlp(), positions=[0.5, 1.0], print_fn=lambda s: None)


# --------------------------------------------------------------------------
# layer_range errors (messages as in Keras 3.15.1).
# --------------------------------------------------------------------------
def test_layer_range_errors() -> None:
    with pytest.raises(ValueError, match=r"layer_range must be a list or tuple of length 2"):
        print_summary(mlp(), layer_range=["dense"], print_fn=lambda s: None)
    with pytest.raises(ValueError, match=r"layer_range should contain string type only"):
        print_summary(mlp(), layer_range=["dense", 3], print_fn=lambda s: None)  # type: ignore[list-item]
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Passed layer_names do not match the layer names in the model. "
            "Received: ['nomatch', 'x']"
        ),
    ):
        print_summary(mlp(), layer_range=["nomatch", "x"], print_fn=lambda s: None)


def test_layer_range_does_not_change_the_totals() -> None:
    assert LAYER_RANGE.splitlines()[-3:] == UNCOMPILED.splitlines()[-3:]


# --------------------------------------------------------------------------
# Number formatting.
# --------------------------------------------------------------------------
def test_footer_number_format() -> None:
    # Thousands separators, two decimals, powers of 1024 (Keras 3.15.1).
    assert " Total params: 55,050 (215.04 KB)\n" in MNIST
    assert " Trainable params: 195 (780.00 B)\n" in FROZEN
    assert " Non-trainable params: 1,344 (5.25 KB)\n" in FROZEN
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(1023) == "1023.00 B"
    assert readable_memory_size(1024) == "1.00 KB"
    assert readable_memory_size(55050 * 4) == "215.04 KB"
    assert readable_memory_size(3 * 1024**3) == "3.00 GB"


def test_dtype_sets_the_memory_size() -> None:
    model = FakeModel([Dense("dense", (None, 4), [FakeWeight(1024, dtype="float16")])])
    assert " Total params: 1,024 (2.00 KB)\n" in summary_text(model)
    model = FakeModel([Dense("dense", (None, 4), [FakeWeight(1024, dtype="float64")])])
    assert " Total params: 1,024 (8.00 KB)\n" in summary_text(model)


# --------------------------------------------------------------------------
# Terminals and encodings.
# --------------------------------------------------------------------------
class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "term, no_color, expected",
    [
        ("xterm-256color", None, TTY_BYTES_256),
        ("xterm", None, TTY_BYTES_16),
        ("xterm", "1", TTY_BYTES_NO_COLOR),
        ("dumb", None, FROZEN_SHOW_TRAINABLE),
    ],
)
def test_terminal_gets_keras_styles(
    monkeypatch: pytest.MonkeyPatch, term: str, no_color: Optional[str], expected: str
) -> None:
    monkeypatch.setenv("TERM", term)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    terminal = _FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    print_summary(mlp(frozen=True), show_trainable=True)
    assert terminal.getvalue() == expected


def test_print_fn_output_is_plain_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _FakeTerminal())
    assert summary_text(mlp(frozen=True), show_trainable=True) == FROZEN_SHOW_TRAINABLE
    assert sys.stdout.getvalue() == ""  # type: ignore[attr-defined]


def test_non_utf8_stdout_gets_the_ascii_box(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    assert summary_text(mlp()) == ASCII_BOX
