"""`keras.datasets.reuters`: 11,228 newswires as word-id lists, 46 topics."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

import numpy as np

from lamina.datasets import text_sequences as ts
from lamina.datasets.remote import fetch
from lamina.datasets.safe_pickle import load_npz

Split = Tuple[np.ndarray, np.ndarray]

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(
    path: str = "reuters.npz",
    num_words: Optional[int] = None,
    skip_top: int = 0,
    maxlen: Optional[int] = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: Optional[int] = 1,
    oov_char: Optional[int] = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> Tuple[Split, Split]:
    """Loads Reuters from the Keras cache (object arrays read with a
    restricted unpickler), shuffled with `seed` and split.

    Args:
        path: the file name in the cache (relative to `~/.keras/datasets`).
        num_words: keep word ids below `num_words`; others become `oov_char`.
        skip_top: also treat the `skip_top` most frequent words as OOV.
        maxlen: drop sequences of `maxlen` words or more.
        test_split: the fraction of samples kept for testing.
        seed: the shuffling seed (numpy `RandomState`).
        start_char: the id marking a sequence's start (None: no marker).
        oov_char: the id of out-of-vocabulary words (None: drop them).
        index_from: offset added to every word id.
        **kwargs: tf.keras 2.x's `nb_words` (alias of `num_words`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-d object arrays of int lists
        (8982/2246 with the defaults) and int64 topic labels.

    Raises:
        TypeError: for an unknown keyword argument.
    """
    num_words = ts.pop_legacy_num_words(num_words, kwargs)
    f = load_npz(fetch("reuters.npz", fname=path))
    xs, labels = ts.shuffled(np.random.RandomState(seed), f["x"], f["y"])
    words = ts.offset_words(list(xs), start_char, index_from)
    kept_labels: Any = labels
    if maxlen:
        words, kept_labels = ts.drop_long(maxlen, words, list(labels))
    words = ts.limit_vocabulary(words, num_words, skip_top, oov_char)
    cut = int(len(words) * (1 - test_split))
    label_array = np.asarray(kept_labels)
    return (
        (ts.as_object_array(words[:cut]), np.array(label_array[:cut])),
        (ts.as_object_array(words[cut:]), np.array(label_array[cut:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> Dict[str, int]:
    """The word -> id dictionary (ids before `index_from` is added).

    Args:
        path: the file name in the cache.

    Returns:
        A dict mapping words to integer ids.
    """
    with open(fetch("reuters_word_index.json", fname=path)) as f:
        return dict(json.load(f))


def get_label_names() -> Tuple[str, ...]:
    """The 46 topic names, indexed by label."""
    return _LABEL_NAMES
