"""The word-index processing IMDB and Reuters share (Keras's exact rules)."""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

Words = List[List[int]]


def pop_legacy_num_words(num_words: Optional[int], kwargs: Dict[str, Any]) -> Optional[int]:
    """tf.keras 2.x's `nb_words=` (with a warning); any other keyword is a TypeError."""
    if "nb_words" in kwargs:
        warnings.warn(
            "The `nb_words` argument in `load_data` has been renamed `num_words`.",
            stacklevel=3,
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words


def shuffled(rng: np.random.RandomState, *arrays: np.ndarray) -> Tuple[np.ndarray, ...]:
    """The arrays permuted by one shuffle of their indices."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return tuple(a[order] for a in arrays)


def offset_words(
    sequences: Sequence[Any], start_char: Optional[int], index_from: int
) -> Words:
    """Shifts word ids by `index_from` and prepends `start_char` (if not None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in s] for s in sequences]
    return [[w + index_from for w in s] for s in sequences]


def drop_long(maxlen: int, sequences: Words, labels: Sequence[Any]) -> Tuple[Words, List[Any]]:
    """Keeps the sequences shorter than `maxlen` (strictly, as Keras does)."""
    kept = [(s, y) for s, y in zip(sequences, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def limit_vocabulary(
    sequences: Words, num_words: Optional[int], skip_top: int, oov_char: Optional[int]
) -> Words:
    """Ids outside `[skip_top, num_words)` become `oov_char` (or are dropped if None)."""
    if not num_words:
        num_words = max(max(s) for s in sequences if s)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]
    return [[w for w in s if skip_top <= w < num_words] for s in sequences]


def as_object_array(sequences: Words) -> np.ndarray:
    """A 1-d object array of lists (np.array would make a 2-d int array of equal lengths)."""
    out = np.empty(len(sequences), dtype=object)
    for i, words in enumerate(sequences):
        out[i] = words
    return out
