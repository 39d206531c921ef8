"""`keras.datasets.mnist`: 28x28 grayscale digits, 60,000 train / 10,000 test."""

from __future__ import annotations

from typing import Tuple

import numpy as np

from lamina.datasets.remote import fetch

Split = Tuple[np.ndarray, np.ndarray]


def load_data(path: str = "mnist.npz") -> Tuple[Split, Split]:
    """Loads MNIST from `~/.keras/datasets/<path>`, downloading it if missing.

    Args:
        path: the file name in the cache (relative to `~/.keras/datasets`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    local = fetch("mnist.npz", fname=path)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
