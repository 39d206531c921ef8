"""`keras.datasets.boston_housing`: 506 houses, 13 features, price target."""

from __future__ import annotations

from typing import Tuple

import numpy as np

from lamina.datasets.remote import fetch

Split = Tuple[np.ndarray, np.ndarray]


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> Tuple[Split, Split]:
    """Loads the Boston housing data, shuffled with `seed` and split.

    Args:
        path: the file name in the cache (relative to `~/.keras/datasets`).
        test_split: the fraction kept for testing, in [0, 1).
        seed: the shuffling seed (numpy `RandomState`, as Keras).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 features `(n, 13)` and
        targets `(n,)`; 404/102 samples with the defaults.

    Raises:
        ValueError: if `test_split` is outside [0, 1).
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. "
            "It must be between 0 and 1 (exclusive of 1)."
        )
    local = fetch("boston_housing.npz", fname=path)
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
