"""`keras.datasets.cifar100`: 32x32 colour images, 100 fine / 20 coarse classes."""

from __future__ import annotations

import os
from typing import Tuple

import numpy as np

from lamina.datasets.cifar import extracted_dir, load_batch, to_data_format

Split = Tuple[np.ndarray, np.ndarray]


def load_data(label_mode: str = "fine") -> Tuple[Split, Split]:
    """Loads CIFAR-100 from the Keras cache, downloading it if missing.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shapes
        `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)`; int64 labels of shapes
        `(50000, 1)` and `(10000, 1)`.

    Raises:
        ValueError: for any other `label_mode`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.'
        )
    folder = extracted_dir("cifar-100-python.tar.gz", "cifar-100-python")
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    return (to_data_format(x_train), y_train), (to_data_format(x_test), y_test)
