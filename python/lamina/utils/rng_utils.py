"""One seed for everything random in lamina: initial weights, shuffling and
dropout all draw from the generator that `set_random_seed` resets."""

from __future__ import annotations

import random
from typing import Optional

import numpy as np

_generator = np.random.default_rng()


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, numpy's global generator and lamina.

    After this call a script builds the same initial weights, shuffles in the
    same order and drops the same units, so a run is reproducible (lamina's
    kernels give the same result for any thread count).

    Raises:
        ValueError: if `seed` is not an integer.
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The generator lamina draws from (replaced by `set_random_seed`)."""
    return _generator


def make_seed(seed: Optional[int] = None) -> int:
    """A 63-bit seed: `seed` itself if given, else drawn from the generator."""
    if seed is not None:
        return int(seed) & (2**63 - 1)
    return int(_generator.integers(0, 2**63 - 1))
