"""`keras.datasets.cifar10`: 32x32 colour images, 10 classes."""

from __future__ import annotations

import os
from typing import Tuple

import numpy as np

from lamina.datasets.cifar import extracted_dir, load_batch, to_data_format

Split = Tuple[np.ndarray, np.ndarray]


def load_data() -> Tuple[Split, Split]:
    """Loads CIFAR-10 from the Keras cache, downloading it if missing.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(50000, 32, 32, 3)`, `(50000, 1)`, `(10000, 32, 32, 3)`, `(10000, 1)`.
    """
    folder = extracted_dir("cifar-10-python.tar.gz", "cifar-10-batches-py")
    parts = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8", copy=False)
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, test_labels = load_batch(os.path.join(folder, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.asarray(test_labels).astype("uint8").reshape(len(test_labels), 1)
    x_test = x_test.astype("uint8", copy=False)
    return (to_data_format(x_train), y_train), (to_data_format(x_test), y_test)
