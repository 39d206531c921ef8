"""`keras.datasets.fashion_mnist`: 28x28 grayscale clothes, 10 classes."""

from __future__ import annotations

import gzip
import os
from typing import Tuple

import numpy as np

from lamina.datasets.remote import fetch

Split = Tuple[np.ndarray, np.ndarray]

_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def _read_idx(path: str, header_bytes: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


def load_data() -> Tuple[Split, Split]:
    """Loads Fashion-MNIST from `~/.keras/datasets/fashion-mnist/` (the four
    gzipped IDX files Keras uses), downloading missing files.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(name, cache_subdir=subdir) for name in _FILES]
    y_train = _read_idx(paths[0], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(paths[2], 8)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
