"""Helpers every data adapter shares: class weights to sample weights."""

from __future__ import annotations

import warnings
from typing import Any, Dict, Optional

import numpy as np


def check_class_weight(class_weight: Any) -> Optional[Dict[int, float]]:
    """Validates `class_weight` once per `fit`: a dict of class index -> weight.

    Raises:
        ValueError: for a non-dict, a key that is not a non-negative integer
            class index, or a weight that is not a finite number.
    """
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        raise ValueError(
            "`class_weight` must be a dict mapping class indices to weights, e.g. "
            f"{{0: 1.0, 1: 5.0}}. Received: class_weight={class_weight!r}"
        )
    checked: Dict[int, float] = {}
    for key, weight in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)) or key < 0:
            raise ValueError(
                "`class_weight` keys must be non-negative integer class indices. "
                f"Received key {key!r} in class_weight={class_weight!r}"
            )
        try:
            w = float(weight)
        except (TypeError, ValueError):
            raise ValueError(
                f"`class_weight[{key}]` must be a number. Received: {weight!r}"
            ) from None
        if not np.isfinite(w):
            raise ValueError(f"`class_weight[{key}]` must be finite. Received: {weight!r}")
        checked[int(key)] = w
    return checked


def class_indices(y: np.ndarray) -> np.ndarray:
    """The class index of each target, as Keras reads it: argmax of one-hot
    (last dim > 1, so 3-D one-hot targets give one index per timestep), else
    the rounded label itself."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        return np.argmax(y, axis=-1)
    if y.ndim >= 2 and y.shape[-1] == 1:
        y = y[..., 0]
    return np.rint(y).astype(np.int64)


def class_weight_to_sample_weights(
    y: np.ndarray, class_weight: Dict[int, float], warn_missing: bool = True
) -> np.ndarray:
    """Per-sample (or, for sequence targets, per-timestep) weights from a
    `class_weight` dict (already checked by `check_class_weight`).

    Classes the dict does not name get weight 1.0, as in Keras 3; unlike
    Keras, that is said once in a warning rather than silently.
    """
    idx = class_indices(y)
    max_key = max(class_weight) if class_weight else -1
    size = max(max_key + 1, int(idx.max()) + 1 if idx.size else 0)
    table = np.ones(size, dtype=np.float32)
    for key, w in class_weight.items():
        table[key] = w
    if warn_missing and idx.size:
        present = np.unique(idx)
        missing = [int(c) for c in present if c not in class_weight]
        if missing:
            warnings.warn(
                f"`class_weight` has no entry for class(es) {missing}; they get weight 1.0.",
                stacklevel=3,
            )
    if idx.size and idx.min() < 0:
        raise ValueError(
            f"`class_weight` needs class indices >= 0, but the targets hold {int(idx.min())}."
        )
    return table[idx].astype(np.float32)
