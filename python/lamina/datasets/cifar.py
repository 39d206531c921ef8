"""What CIFAR-10 and CIFAR-100 share: reading a pickled batch safely and
finding the extracted archive in the Keras cache."""

from __future__ import annotations

import os
from typing import Any, Tuple

import numpy as np

from lamina.datasets.remote import fetch
from lamina.datasets.safe_pickle import load_pickle
from lamina.utils.file_utils import keras_home


def load_batch(fpath: str, label_key: str = "labels") -> Tuple[np.ndarray, Any]:
    """Reads one CIFAR batch file with the restricted unpickler.

    Args:
        fpath: the batch file (e.g. `data_batch_1`).
        label_key: the dict key of the labels (`"labels"`, `"fine_labels"`,
            `"coarse_labels"`).

    Returns:
        `(data, labels)`: uint8 data of shape `(n, 3, 32, 32)` and the labels
        as stored (a list).

    Raises:
        pickle.UnpicklingError: if the file names anything but numpy arrays.
    """
    with open(fpath, "rb") as f:
        raw = load_pickle(f, encoding="bytes")
    batch = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in raw.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def extracted_dir(archive: str, inner: str) -> str:
    """The directory holding CIFAR's batch files, downloading if needed.

    Keras 3 keeps them in `datasets/<inner>-target/<inner>/`; tf.keras 2.x
    kept them in `datasets/<inner>/`, which is used when only it exists.
    """
    legacy = os.path.join(keras_home(), "datasets", inner)
    keras3 = os.path.join(keras_home(), "datasets", f"{inner}-target")
    if os.path.isdir(legacy) and not os.path.isdir(keras3):
        return legacy
    return os.path.join(fetch(archive, fname=f"{inner}-target", extract=True), inner)


def to_data_format(x: np.ndarray) -> np.ndarray:
    """`(n, 3, 32, 32)` -> `(n, 32, 32, 3)` under channels_last (lamina's only format)."""
    from lamina.backend import image_data_format

    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x
